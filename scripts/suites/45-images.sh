#!/usr/bin/env bash
# The container images, the compose files and the image-publishing action:
#   hadolint over docker/Dockerfile.*; the storefront's nginx configuration run by a real nginx
#   in front of the real backend (gunicorn + SQLite); compose.yml rendered as Terraform's
#   templatefile and both compose files validated against the Compose Specification schema;
#   actions/docker-image's bundle run the runner's way, its action.yml through actionlint.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

ensure_tools_venv
# nginx runs the storefront's configuration; envsubst renders it as the image does; sqlite3
# reads the backend's payments records.
ensure_apt nginx-light gettext-base sqlite3
# The storefront bundle nginx serves is built from app/frontend with its own packages.
if [ -f app/frontend/package-lock.json ]; then ensure_npm "$REPO_ROOT/app/frontend"; fi
# The nginx tests proxy to the real backend, started from this environment.
if [ -f app/backend/requirements.txt ]; then ensure_backend_venv; fi
export HADOLINT="$REPO_ROOT/.venv-tools/bin/hadolint" ACTIONLINT="$REPO_ROOT/.venv-tools/bin/actionlint"

# shellcheck disable=SC2034 # read by suite_claims
claims=(compose docker actions/docker-image)
run_claimed_jest
