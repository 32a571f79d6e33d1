#!/usr/bin/env bash
# Checkout under a rush (not a test): BUYERS buyers at once on the last STOCK units of one
# product, ROUNDS times, against gunicorn as configured (docker/backend/entrypoint.sh) on a fresh
# PostgreSQL database, the offline gateway made GATEWAY_DELAY seconds slow (a stand-in for a
# remote gateway, through GATEWAY_DELAY_SECONDS in the benchmark's settings). Each buyer sends
# its own Idempotency-Key and, half of them, the same request a second time at once (a double
# click). Bounded: every request times out after 30 s, every round after 120 s.
#
#   bash scripts/bench/checkout-rush.sh        # BUYERS=50 STOCK=10 ROUNDS=5 GATEWAY_DELAY=0.2
#
# Prints per round and overall: 201/409 counts, p50/p99/max latency, and the checks — units
# sold == STOCK (no oversell), one paid order and one succeeded charge per unit sold (no lost
# order, no double charge), no pending order left.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

ensure_backend_venv
ensure_postgres
bin="$REPO_ROOT/.venv/bin"
unset DJANGO_SETTINGS_MODULE DJANGO_ENV DB_HOST

pid=""
# shellcheck disable=SC2317 # run at exit by bench_database's trap
stop_server() {
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
bench_database bench_checkout stop_server
export DJANGO_SECRET_KEY="benchmark-only-secret-key-0123456789abcdef"
export CARD_FINGERPRINT_KEY="benchmark-only-fingerprint-key"
export THROTTLE_AUTH_RATE=100000/min THROTTLE_CHECKOUT_RATE=100000/min
export TMPDIR="$work" PATH="$bin:$PATH" PYTHON="$bin/python" APP_DIR="$REPO_ROOT/app/backend"
# The benchmark's settings: production's, with the offline gateway slowed down.
export DJANGO_SETTINGS_MODULE=bench_settings PYTHONPATH="$work"
mkdir -p "$work/bench_slow_gateway"
cat >"$work/bench_settings.py" <<'PY'
from config.settings.production import *  # noqa: F403
from config.settings.production import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench_slow_gateway"]
PY
cat >"$work/bench_slow_gateway/__init__.py" <<'PY'
"""Slows the offline gateway down by GATEWAY_DELAY seconds, once the apps are loaded."""
import os
import time

from django.apps import AppConfig


class SlowGateway(AppConfig):
    name = "bench_slow_gateway"

    def ready(self):
        from payments.gateways.offline import OfflineGateway

        charge = OfflineGateway.charge

        def slow_charge(gateway, request):
            time.sleep(float(os.environ.get("GATEWAY_DELAY", "0.2")))
            return charge(gateway, request)

        OfflineGateway.charge = slow_charge
PY
port="$(free_port)"
log "gunicorn as configured on port $port (gateway delay ${GATEWAY_DELAY:-0.2}s)"
setsid env GUNICORN_BIND="127.0.0.1:$port" /bin/sh "$REPO_ROOT/docker/backend/entrypoint.sh" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { tail -40 "$work/server.log"; die "the backend exited"; }
  sleep 0.5
done
rc=0
"$bin/python" "$REPO_ROOT/scripts/bench/checkout-rush.py" --base "http://127.0.0.1:$port" \
  --buyers "${BUYERS:-50}" --stock "${STOCK:-10}" --rounds "${ROUNDS:-5}" || rc=$?
if [ "$rc" -ne 0 ]; then
  # The temporary directory goes at exit: keep the server's log of a run that went wrong.
  kept="$(mktemp /tmp/checkout-rush-server.XXXXXX.log)"
  cp "$work/server.log" "$kept"
  log "a round was not ok: the server's log is kept in $kept"
fi
exit "$rc"
