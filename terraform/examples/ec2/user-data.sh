#!/bin/bash
# Minimal app server for the example: answers the load balancer's health check (/readyz) on
# 3000 and serves a page naming the server, so refreshing the load balancer's URL shows both zones.
set -euo pipefail
mkdir -p /srv/example
echo ok >/srv/example/readyz
printf '<h1>ex-ec2</h1><p>%s</p>\n' "$(hostname)" >/srv/example/index.html
cat >/etc/systemd/system/example-web.service <<'UNIT'
[Unit]
Description=Example app on port 3000
After=network-online.target

[Service]
ExecStart=/usr/bin/python3 -m http.server 3000 --directory /srv/example
Restart=always
DynamicUser=yes

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now example-web.service
