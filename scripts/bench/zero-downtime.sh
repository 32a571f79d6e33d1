#!/usr/bin/env bash
# Zero-downtime simulation (not a test): a release of every instance behind a load balancer that
# health-checks and drains like the ALB, under a bounded wrk load, played as an instance refresh
# does it (replace: launch, healthy, drain the old one, stop it; what a release does now) and as
# the rollout before the Auto Scaling groups did (patch in place: drain, restart, healthy again),
# kept as a comparison. scripts/bench/zero-downtime.mjs does the work;
# this prepares what it needs: wrk, nginx, the backend's .venv and a fresh PostgreSQL database
# with the demo catalog, shared by every instance as RDS is.
#
#   bash scripts/bench/zero-downtime.sh   # INSTANCES=3 CONNECTIONS=4 BEFORE_SECONDS=20
#                                         # SEQUENCES=replace,patch (add ,abrupt for the control)
#                                         # VERBOSE=1 (target states) KEEP=1 (keep the logs)
#
# Prints requests served, failed and p99 latency before and during each release.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

ensure_apt wrk nginx-light gettext-base
ensure_backend_venv
ensure_postgres
bin="$REPO_ROOT/.venv/bin"
unset DJANGO_SETTINGS_MODULE DJANGO_ENV DB_HOST

bench_database bench_zero_downtime
export DJANGO_SECRET_KEY="benchmark-only-secret-key-0123456789abcdef"
export CARD_FINGERPRINT_KEY="benchmark-only-fingerprint-key"
export DJANGO_ALLOWED_HOSTS="127.0.0.1"
export PATH="$bin:$PATH" PYTHON="$bin/python" APP_DIR="$REPO_ROOT/app/backend"

log "Fresh database $database: migrating and seeding the demo catalog"
(cd app/backend && python manage.py migrate_locked >/dev/null && python manage.py seed_demo_catalog >/dev/null)
node scripts/bench/zero-downtime.mjs
