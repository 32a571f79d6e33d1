#!/bin/sh
# The backend container's entrypoint: wait for the database, apply migrations once (even when
# several servers start together), optionally seed the demo catalog, then run gunicorn (or the
# command given as arguments, e.g. `python manage.py shell`).
#
# Environment:
#   APP_DIR                  where manage.py is (default /app)
#   GUNICORN_CONFIG          gunicorn settings file (default: gunicorn.conf.py next to this script)
#   DB_WAIT_TIMEOUT          seconds to wait for the database (default 60)
#   RUN_MIGRATIONS           "false" skips migrations (default true; safe on every server)
#   SEED_DEMO_CATALOG        "true" fills the demo catalog (idempotent; default false)
#   DJANGO_SUPERUSER_EMAIL / DJANGO_SUPERUSER_PASSWORD   both set: create or update that admin
#   PROMETHEUS_MULTIPROC_DIR metrics directory shared by the gunicorn workers (default: a fresh
#                            temporary directory)
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
APP_DIR="${APP_DIR:-/app}"
GUNICORN_CONFIG="${GUNICORN_CONFIG:-$here/gunicorn.conf.py}"
PYTHON="${PYTHON:-python}"

say() { printf '{"level": "info", "logger": "entrypoint", "message": "%s"}\n' "$*"; }

cd "$APP_DIR"

say "waiting for the database (at most ${DB_WAIT_TIMEOUT:-60}s)"
"$PYTHON" manage.py wait_for_database --timeout "${DB_WAIT_TIMEOUT:-60}"

if [ "${RUN_MIGRATIONS:-true}" = "true" ]; then
  # PostgreSQL: under an advisory lock, so exactly one server applies them (migrate_locked).
  "$PYTHON" manage.py migrate_locked
fi

# Checkouts whose worker was killed mid-charge (a crash, a deploy past the grace period) left
# their stock reserved: put it back (orders older than the reservation TTL only).
"$PYTHON" manage.py release_stale_reservations
# Revoked refresh tokens (sign-outs, rotations) are kept until they expire anyway; delete the
# expired ones. Every start of every server runs it (deploys, restarts); it is idempotent.
# While the server runs, both (and the Idempotency-Key pruning) repeat every
# MAINTENANCE_INTERVAL seconds, claimed by one worker of one server (core/maintenance.py).
"$PYTHON" manage.py flushexpiredtokens

if [ "${SEED_DEMO_CATALOG:-false}" = "true" ]; then
  "$PYTHON" manage.py seed_demo_catalog
fi

if [ -n "${DJANGO_SUPERUSER_EMAIL:-}" ] && [ -n "${DJANGO_SUPERUSER_PASSWORD:-}" ]; then
  "$PYTHON" manage.py ensure_superuser
fi

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

# Each worker writes its metrics here; /metrics adds them up. Stale files from a previous run
# would be counted again, so the directory starts empty.
if [ -z "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  PROMETHEUS_MULTIPROC_DIR="$(mktemp -d "${TMPDIR:-/tmp}/prometheus.XXXXXX")"
else
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete
fi
export PROMETHEUS_MULTIPROC_DIR

say "starting gunicorn with $GUNICORN_CONFIG"
exec gunicorn -c "$GUNICORN_CONFIG" config.wsgi
