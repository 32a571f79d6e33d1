#!/bin/sh
# Runs before the image's own 20-envsubst-on-templates.sh: creates the directory the server
# block is rendered into. On a read-only root filesystem /tmp is a fresh, empty tmpfs at every
# start, so the directory cannot be baked into the image.
set -eu
mkdir -p "${NGINX_ENVSUBST_OUTPUT_DIR:-/tmp/nginx/conf.d}"
