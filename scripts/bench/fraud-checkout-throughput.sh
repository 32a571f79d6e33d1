#!/usr/bin/env bash
# Checkout throughput with fraud scoring on and off (not a test; issue 16: "checkout throughput
# unchanged within noise"). A fresh PostgreSQL database migrated by the backend and filled by
# generate_demo_transactions (USERS buyers' history, so the scoring query reads a table of a real
# shop's shape), a model trained on it by the committed fraud-scan CLI, then ROUNDS rounds, each
# starting gunicorn as configured (docker/backend/entrypoint.sh, production settings, the offline
# gateway) once with FRAUD_SCORING=off and once with FRAUD_SCORING=flag and that model, in
# alternating order, and BUYERS buyers checking out one unit each in a closed loop for DURATION
# seconds (scripts/bench/checkout-throughput.py), each of its own product (buyers of one product
# queue on its row lock, which would measure the lock, not the work per order), with a card and
# an address of its own (X-Forwarded-For): the score's cross-row counts read every earlier
# attempt of the card and the IP. SHARED_CARD_AND_IP=1 gives every buyer the same card and
# address, the worst case for those counts (thousands of rows per card and per IP by the end).
#
#   bash scripts/bench/fraud-checkout-throughput.sh   # ROUNDS=3 DURATION=20 BUYERS=12 USERS=2000
#
# After each run the charges it made are read back from payments_transaction: how many carry a
# fraud score (every one with scoring on, none with it off — a run where scoring silently did
# not happen is reported as WRONG and fails the script). Prints per round and the medians:
# orders/s, p50/p99 latency, answers other than 201, the servers' CPU time per order, and the
# ratio on/off, with the load average (the servers share the 2 cores with the client).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

ROUNDS="${ROUNDS:-3}"
shared=()
[ -n "${SHARED_CARD_AND_IP:-}" ] && shared=(--shared)
DURATION="${DURATION:-20}"
BUYERS="${BUYERS:-12}"
USERS="${USERS:-2000}"
EPOCHS="${EPOCHS:-20}"

ensure_npm
ensure_backend_venv
ensure_postgres
bin="$REPO_ROOT/.venv/bin"
unset DJANGO_SETTINGS_MODULE DJANGO_ENV DB_HOST
[ -f actions/fraud-scan/dist/cli.js ] || node scripts/build-actions.mjs fraud-scan

pid=""
# stop_server: the server start_server started, if one runs (also at exit, by bench_database's trap).
stop_server() {
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}
bench_database bench_fraud_checkout stop_server
sql() { psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$database" -Atc "$1"; }

log "Fresh database $database: migrating, $USERS buyers' history, a model trained on it ($EPOCHS epochs)"
(cd app/backend && DJANGO_ENV=development LOG_LEVEL=WARNING "$bin/python" manage.py migrate --no-input -v 0 &&
  DJANGO_ENV=development LOG_LEVEL=WARNING "$bin/python" manage.py generate_demo_transactions --seed 1 --users "$USERS" >/dev/null)
node actions/fraud-scan/dist/cli.js scan --source postgres --database-url "$DATABASE_URL" --profile transactions \
  --train --epochs "$EPOCHS" --model-output "$work/model.json" --output-dir "$work/report" >"$work/train.log" 2>&1 ||
  { tail -20 "$work/train.log"; die "training the model failed"; }
history="$(sql "SELECT count(*) FROM payments_transaction")"
product="$(cd app/backend && DJANGO_ENV=development "$bin/python" manage.py shell --no-imports -c \
  "from product.models import Category, Product; c = Category.objects.create(name='Bench', slug='bench');
print(','.join(str(Product.objects.create(category=c, name=f'Bench unit {i}', slug=f'bench-unit-{i}', price='19.99',
  stock=10**9).pk) for i in range($BUYERS)))")"

# Production settings, the offline gateway, throttles out of the way (they are not measured here).
export DJANGO_SECRET_KEY="benchmark-only-secret-key-0123456789abcdef"
export CARD_FINGERPRINT_KEY="benchmark-only-fingerprint-key"
export DJANGO_ALLOWED_HOSTS="127.0.0.1"
export THROTTLE_AUTH_RATE=100000/min THROTTLE_CHECKOUT_RATE=1000000/min
export TMPDIR="$work" PATH="$bin:$PATH" PYTHON="$bin/python" APP_DIR="$REPO_ROOT/app/backend"

# start_server MODE: gunicorn as configured with FRAUD_SCORING=MODE; its port is in $port.
start_server() {
  port="$(free_port)"
  setsid env RUN_MIGRATIONS=false GUNICORN_BIND="127.0.0.1:$port" FRAUD_SCORING="$1" \
    FRAUD_MODEL_PATH="$work/model.json" /bin/sh "$REPO_ROOT/docker/backend/entrypoint.sh" >"$work/server-$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { tail -40 "$work/server-$1.log"; die "the backend exited"; }
    sleep 0.5
  done
  die "the backend did not become ready"
}
# CPU seconds used so far by the server's session (gunicorn's workers, reaped ones included).
server_cpu() {
  "$PYTHON" - "$pid" <<'PY'
import os
import sys

session, ticks, total = int(sys.argv[1]), os.sysconf("SC_CLK_TCK"), 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    if int(fields[3]) == session:
        total += sum(int(f) for f in fields[11:15])
print(total / ticks)
PY
}

start_server off
"$PYTHON" scripts/bench/checkout-throughput.py --base "http://127.0.0.1:$port" setup --buyers "$BUYERS" --output "$work/tokens.json"
stop_server

results="$work/results.tsv"
: >"$results"
log "$ROUNDS rounds of ${DURATION}s, $BUYERS buyers, on a table of $history earlier attempts"
for round in $(seq 1 "$ROUNDS"); do
  order="off flag"
  [ $((round % 2)) -eq 0 ] && order="flag off"
  for mode in $order; do
    start_server "$mode"
    # One order to warm each worker's connections and the model, not counted.
    "$PYTHON" scripts/bench/checkout-throughput.py --base "http://127.0.0.1:$port" run \
      --tokens "$work/tokens.json" --products "$product" --seconds 2 "${shared[@]}" >/dev/null
    if [ "$mode" = flag ]; then
      # The model must be in use (the workers set this gauge when they load it), or the "on" figures measure nothing.
      # Read whole first: `curl | grep -q` fails under pipefail when grep stops reading early.
      metrics="$(curl -fsS "http://127.0.0.1:$port/metrics")"
      grep -q '^fraud_scoring_enabled 1' <<<"$metrics" ||
        die "scoring is not enabled with the trained model (server log: $work/server-$mode.log)"
    fi
    first="$(sql "SELECT coalesce(max(id), 0) FROM payments_transaction")"
    load_before="$(cut -d' ' -f1 /proc/loadavg)"
    cpu_before="$(server_cpu)"
    line="$("$PYTHON" scripts/bench/checkout-throughput.py --base "http://127.0.0.1:$port" run \
      --tokens "$work/tokens.json" --products "$product" --seconds "$DURATION" "${shared[@]}")"
    cpu_after="$(server_cpu)"
    scored="$(sql "SELECT count(*) || ' ' || count(fraud_score) FROM payments_transaction WHERE id > $first")"
    printf '%s\t%s\t%s charges=%s scored=%s cpu_s=%s load=%s\n' "$round" "$mode" "$line" "${scored% *}" "${scored#* }" \
      "$("$PYTHON" -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$cpu_before" "$cpu_after")" \
      "$load_before" >>"$results"
    stop_server
  done
done

"$PYTHON" - "$results" "$BUYERS" "$DURATION" "$(nproc)" <<'PY'
import statistics
import sys

path, buyers, duration, cores = sys.argv[1:]
runs = []
for line in open(path):
    round_, mode, result = line.rstrip("\n").split("\t")
    fields = dict(kv.split("=", 1) for kv in result.split()[1:])
    runs.append({"round": int(round_), "mode": mode, **fields})
wrong = False
print(f"{'round':<7}{'scoring':<9}{'orders/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'not 201':>9}"
      f"{'CPU ms/order':>14}{'charges':>9}{'scored':>8}{'load':>7}")
for run in runs:
    orders, charges, scored = int(run["orders"]), int(run["charges"]), int(run["scored"])
    # Every charge of a run with scoring on carries a score; none of a run with it off.
    ok = charges >= orders and scored == (charges if run["mode"] == "flag" else 0)
    wrong |= not ok or int(run["other"]) > 0
    run["cpu_ms"] = float(run["cpu_s"]) * 1000 / max(orders, 1)
    print(f"{run['round']:<7}{run['mode']:<9}{float(run['ops']):>10.1f}{float(run['p50_ms']):>9.1f}"
          f"{float(run['p99_ms']):>9.1f}{run['other']:>9}{run['cpu_ms']:>14.2f}{charges:>9}{scored:>8}"
          f"{float(run['load']):>7.2f}{'' if ok else '  WRONG'}")
medians = {}
for mode in ("off", "flag"):
    mine = [r for r in runs if r["mode"] == mode]
    medians[mode] = {k: statistics.median(float(r[k]) for r in mine) for k in ("ops", "p50_ms", "p99_ms", "cpu_ms")}
print(f"\nmedian of {len(runs) // 2} rounds ({buyers} buyers, {duration}s each, {cores} cores):")
for mode, label in (("off", "FRAUD_SCORING=off "), ("flag", "FRAUD_SCORING=flag")):
    m = medians[mode]
    print(f"  {label}: {m['ops']:.1f} orders/s, p50 {m['p50_ms']:.1f} ms, p99 {m['p99_ms']:.1f} ms, "
          f"{m['cpu_ms']:.2f} CPU ms per order")
on, off = medians["flag"], medians["off"]
print(f"  ratio on/off: orders/s {on['ops'] / off['ops']:.3f}x, p50 {on['p50_ms'] / off['p50_ms']:.3f}x, "
      f"p99 {on['p99_ms'] / off['p99_ms']:.3f}x, CPU per order {on['cpu_ms'] / off['cpu_ms']:.3f}x")
spread = [float(r["ops"]) for r in runs if r["mode"] == "off"]
print(f"  noise: orders/s with scoring off ranged {min(spread):.1f}-{max(spread):.1f} over the rounds")
sys.exit(1 if wrong else 0)
PY
