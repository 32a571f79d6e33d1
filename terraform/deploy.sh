#!/bin/bash
# The app servers' first boot, as the seed's deploy.sh: node_exporter as a service, Docker and
# the compose plugin, registry login, the compose file in /app, pull, up -d, prune, logout.
# Terraform renders it with templatefile() (main.tf): a dollar-brace with a doubled dollar is
# a shell expansion left for bash, a single one a Terraform value. No secret is in here: the
# registry password, the database password and the app's keys are read at run time from SSM
# and Secrets Manager with the instance role.
#
# It also installs /usr/local/sbin/ecommerce-deploy, the step that (re)deploys the images
# named in SSM: this boot runs it once, and the deploy workflow runs it again through the
# SSM document (see README.md, "How a new image reaches the servers").
set -euo pipefail
exec >>/var/log/user-data.log 2>&1
umask 022

log() { echo "[$(date '+%Y-%m-%d %H:%M:%S')] $*" >&2; }
retry() {
  local attempt=1
  until "$@"; do
    if [ "$attempt" -ge 5 ]; then
      log "giving up after $attempt attempts: $*"
      return 1
    fi
    log "attempt $attempt failed, retrying: $*"
    sleep $((attempt * 10))
    attempt=$((attempt + 1))
  done
}

# IMDSv2 (the only kind the instance accepts): a session token first.
imds() {
  local token
  token="$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')"
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}

export DEBIAN_FRONTEND=noninteractive
log "Updating the package index"
retry apt-get update -q

################################################################################
# 1. node_exporter, from Ubuntu's archive (signed, versioned with the release)
################################################################################
log "Installing node_exporter"
retry apt-get install -y -q --no-install-recommends prometheus-node-exporter
private_ip="$(retry imds local-ipv4)"
# Listen on the private address only (not on Docker's bridges); the security group lets only
# the monitoring server reach 9100.
cat >/etc/default/prometheus-node-exporter <<ENV
ARGS="--web.listen-address=$private_ip:9100 --collector.systemd"
ENV
systemctl enable prometheus-node-exporter
systemctl restart prometheus-node-exporter
log "node_exporter listening on $private_ip:9100"

################################################################################
# 2. Docker and the compose plugin, from Ubuntu's archive; boto3 to read SSM
################################################################################
log "Installing Docker, the compose plugin and boto3"
retry apt-get install -y -q --no-install-recommends docker.io docker-compose-v2 python3-boto3
systemctl enable --now docker
# Everything here runs as root: no docker group changes (the seed's groupadd/newgrp) needed.
docker --version
docker compose version

################################################################################
# 3. Settings (names and ARNs only), the compose file, the deploy step
################################################################################
install -d -m 0755 /etc/ecommerce /usr/local/lib/ecommerce
install -d -m 0750 /app
cat >/etc/ecommerce/deploy.env <<'ENV'
AWS_REGION=${aws_region}
DOCKERHUB_USERNAME=${dockerhub_username}
DOCKERHUB_PASSWORD_PARAMETER=${dockerhub_password_parameter}
BACKEND_IMAGE_PARAMETER=${backend_image_parameter}
FRONTEND_IMAGE_PARAMETER=${frontend_image_parameter}
DJANGO_SECRET_KEY_PARAMETER=${django_secret_key_parameter}
CARD_FINGERPRINT_KEY_PARAMETER=${card_fingerprint_key_parameter}
DB_SECRET_ARN=${db_secret_arn}
DB_HOST=${rds_endpoint}
DB_PORT=${db_port}
DB_NAME=${db_name}
HEALTH_CHECK_URL=http://127.0.0.1:3000${health_check_path}
ENV
chmod 0644 /etc/ecommerce/deploy.env

log "Creating /app/docker-compose.yml"
# Quoted delimiter: the file is written byte for byte, bash expands nothing in it. The image
# references are compose variables that ecommerce-deploy writes to /app/.env.
cat >/app/docker-compose.yml <<'COMPOSE_EOF'
${docker_compose}
COMPOSE_EOF

# Reads the deploy settings and secrets with the instance role and writes /app/.env (image
# references, for compose's interpolation) and /app/backend.env (0600, the backend's
# env_file). Exit status 3 says backend.env changed.
cat >/usr/local/lib/ecommerce/render_env.py <<'PY'
"""Render /app/.env and /app/backend.env from SSM and Secrets Manager (run as root)."""
import json
import os
import sys
import tempfile
import urllib.parse

import boto3

region = os.environ["AWS_REGION"]
ssm = boto3.client("ssm", region_name=region)


def parameter(name):
    return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]


if sys.argv[1:] == ["registry-password"]:
    sys.stdout.write(parameter(os.environ["DOCKERHUB_PASSWORD_PARAMETER"]))
    sys.exit(0)


def quote(value):
    # Compose reads single-quoted values literally; a value holding a quote is double-quoted
    # with compose's escapes instead.
    if "'" not in value and "\n" not in value:
        return "'" + value + "'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("\n", "\\n")
    return '"' + escaped + '"'


def write(path, values, mode):
    text = "".join(f"{key}={quote(value)}\n" for key, value in values.items())
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.read() == text:
                return False
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    return True


master = json.loads(
    boto3.client("secretsmanager", region_name=region)
    .get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])["SecretString"]
)
host, port, name = os.environ["DB_HOST"], os.environ["DB_PORT"], os.environ["DB_NAME"]
user, password = master["username"], master["password"]
url = "postgres://{}:{}@{}:{}/{}?sslmode=require".format(
    urllib.parse.quote(user, safe=""), urllib.parse.quote(password, safe=""), host, port, name
)
write(
    "/app/.env",
    {
        "BACKEND_IMAGE": parameter(os.environ["BACKEND_IMAGE_PARAMETER"]),
        "FRONTEND_IMAGE": parameter(os.environ["FRONTEND_IMAGE_PARAMETER"]),
    },
    0o600,
)
changed = write(
    "/app/backend.env",
    {
        "DATABASE_URL": url,
        "DB_HOST": host,
        "DB_PORT": port,
        "DB_NAME": name,
        "DB_USER": user,
        "DB_PASSWORD": password,
        "PGSSLMODE": "require",
        "DJANGO_SECRET_KEY": parameter(os.environ["DJANGO_SECRET_KEY_PARAMETER"]),
        "CARD_FINGERPRINT_KEY": parameter(os.environ["CARD_FINGERPRINT_KEY_PARAMETER"]),
    },
    0o600,
)
sys.exit(3 if changed else 0)
PY

# The deploy step: the seed's login, pull, up -d, prune, logout, made repeatable. The SSM
# document runs it on one server at a time; it fails (and the rollout stops) when the
# frontend's health path does not answer afterwards.
cat >/usr/local/sbin/ecommerce-deploy <<'SH'
#!/bin/bash
set -euo pipefail
exec > >(tee -a /var/log/ecommerce-deploy.log) 2>&1
log() { echo "[$(date '+%Y-%m-%d %H:%M:%S')] $*" >&2; }
retry() {
  local attempt=1
  until "$@"; do
    if [ "$attempt" -ge 5 ]; then
      log "giving up after $attempt attempts: $*"
      return 1
    fi
    log "attempt $attempt failed, retrying: $*"
    sleep $((attempt * 5))
    attempt=$((attempt + 1))
  done
}
set -a
# shellcheck disable=SC1091 # written by the first boot
. /etc/ecommerce/deploy.env
set +a
exec 9>/run/ecommerce-deploy.lock
flock 9
cd /app

log "Reading image references and secrets"
render() {
  local status=0
  python3 /usr/local/lib/ecommerce/render_env.py || status=$?
  # 3 only says backend.env changed: up -d below recreates what reads it.
  if [ "$status" -eq 3 ]; then status=0; fi
  return "$status"
}
retry render

login() {
  python3 /usr/local/lib/ecommerce/render_env.py registry-password |
    docker login --username "$DOCKERHUB_USERNAME" --password-stdin
}
# Never leave the registry credential on disk, whatever happens below.
trap 'docker logout >/dev/null 2>&1 || true' EXIT
log "Logging in to the registry as $DOCKERHUB_USERNAME"
retry login
log "Pulling images"
retry docker compose pull --quiet
log "Starting the containers"
docker compose up -d --remove-orphans
docker logout
log "Pruning images and containers no longer used"
docker system prune -af

log "Waiting for $HEALTH_CHECK_URL"
for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null "$HEALTH_CHECK_URL"; then
    log "Deployed: $(grep IMAGE= /app/.env | tr '\n' ' ')"
    exit 0
  fi
  sleep 5
done
log "The frontend did not answer on $HEALTH_CHECK_URL after 5 minutes"
docker compose ps
exit 1
SH
chmod 0755 /usr/local/sbin/ecommerce-deploy

# RDS rotates the master password it manages: re-read the secrets every few minutes and
# recreate the containers whose env_file changed.
cat >/usr/local/sbin/ecommerce-refresh-secrets <<'SH'
#!/bin/bash
set -euo pipefail
set -a
# shellcheck disable=SC1091 # written by the first boot
. /etc/ecommerce/deploy.env
set +a
exec 9>/run/ecommerce-deploy.lock
flock 9
status=0
python3 /usr/local/lib/ecommerce/render_env.py || status=$?
if [ "$status" -eq 3 ]; then
  echo "backend.env changed: recreating the containers that read it"
  cd /app && docker compose up -d
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi
SH
chmod 0755 /usr/local/sbin/ecommerce-refresh-secrets

cat >/etc/systemd/system/ecommerce-refresh-secrets.service <<'UNIT'
[Unit]
Description=Re-read the shop's secrets (RDS rotates the database password)
After=docker.service network-online.target
Wants=network-online.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ecommerce-refresh-secrets
UNIT

cat >/etc/systemd/system/ecommerce-refresh-secrets.timer <<'UNIT'
[Unit]
Description=Re-read the shop's secrets every five minutes

[Timer]
OnBootSec=5min
OnUnitActiveSec=5min
RandomizedDelaySec=30

[Install]
WantedBy=timers.target
UNIT

################################################################################
# 4. First deploy
################################################################################
log "Deploying"
/usr/local/sbin/ecommerce-deploy
systemctl daemon-reload
systemctl enable --now ecommerce-refresh-secrets.timer
log "Boot script finished"
