#!/usr/bin/env bash
# Python's cycle-collector pauses in gunicorn's workers under load (not a test): gunicorn as
# configured (docker/backend/entrypoint.sh + gunicorn.conf.py) against a fresh PostgreSQL database
# with the demo catalog, the product detail loaded with wrk, alternately with the arbiter's
# objects frozen before each fork (GUNICORN_GC_FREEZE=true, the default) and without (false).
# Each worker records every collection it runs (gc.callbacks: wall and CPU time of its thread)
# and writes them out when it exits.
#
#   bash scripts/bench/backend-gc-pauses.sh      # DURATION=20 CONNECTIONS=32 ROUNDS=2
#
# Prints, per run: requests/s, p50/p99 latency, and per generation the collections in all
# workers, their longest pause (wall and CPU) and their total CPU; then the runs side by side.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-32}"
ROUNDS="${ROUNDS:-2}"

ensure_apt wrk
ensure_backend_venv
ensure_postgres
bin="$REPO_ROOT/.venv/bin"
unset DJANGO_SETTINGS_MODULE DJANGO_ENV DB_HOST

pid=""
# shellcheck disable=SC2317 # run at exit by bench_database's trap
stop_server() {
  if [ -n "$pid" ]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
}
bench_database bench_gc stop_server
export DJANGO_SECRET_KEY="benchmark-only-secret-key-0123456789abcdef"
export CARD_FINGERPRINT_KEY="benchmark-only-fingerprint-key"
export DJANGO_ALLOWED_HOSTS="127.0.0.1"
export PATH="$bin:$PATH" PYTHON="$bin/python" APP_DIR="$REPO_ROOT/app/backend" TMPDIR="$work"

log "Fresh database $database: migrating and seeding the demo catalog"
(cd app/backend && python manage.py migrate_locked >/dev/null && python manage.py seed_demo_catalog >/dev/null)
detail_id="$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$database" -Atc \
  "SELECT id FROM product_product WHERE NOT is_archived ORDER BY name LIMIT 1")"

# The configuration as shipped, plus a recorder in each worker. gunicorn.conf.py defines no
# post_fork or worker_exit of its own, so these add to it and change nothing else.
cat >"$work/recording.conf.py" <<PY
import gc, json, os, threading, time
exec(compile(open("$REPO_ROOT/docker/backend/gunicorn.conf.py").read(), "gunicorn.conf.py", "exec"))
_pauses = {0: [], 1: [], 2: []}
_started = threading.local()


def _record(phase, info):
    if phase == "start":
        _started.at = (time.perf_counter(), time.thread_time())
    else:
        wall, cpu = _started.at
        _pauses[info["generation"]].append(((time.perf_counter() - wall) * 1e3, (time.thread_time() - cpu) * 1e3))


def post_fork(server, worker):
    gc.callbacks.append(_record)


def worker_exit(server, worker):
    with open(os.path.join("$work", f"gc.{os.getpid()}.json"), "w") as out:
        json.dump({"frozen": gc.get_freeze_count(), "pauses": _pauses}, out)
PY

results="$work/results.jsonl"
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
  for freeze in true false; do
    rm -f "$work"/gc.*.json
    port="$(free_port)"
    log "round $round: GUNICORN_GC_FREEZE=$freeze, wrk ${DURATION}s x $CONNECTIONS on the product detail"
    setsid env RUN_MIGRATIONS=false GUNICORN_BIND="127.0.0.1:$port" GUNICORN_GC_FREEZE="$freeze" \
      GUNICORN_CONFIG="$work/recording.conf.py" docker/backend/entrypoint.sh >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 120); do
      curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
      sleep 0.5
    done
    url="http://127.0.0.1:$port/api/products/$detail_id/"
    wrk -t2 -c"$CONNECTIONS" -d3s "$url" >/dev/null # every worker warm, as in backend-load.sh
    line="$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s scripts/bench/backend-load.lua "$url" | grep '^RESULT')"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    stop_server
    "$PYTHON" - "$round" "$freeze" "$load" "$line" "$work"/gc.*.json >>"$results" <<'PY'
import json
import sys

round_, freeze, load, line, *files = sys.argv[1:]
workers = [json.load(open(f)) for f in files]
result = {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
result.update(round=int(round_), freeze=freeze, load=load, workers=len(workers),
              frozen=min((w["frozen"] for w in workers), default=0))
for gen in "012":
    pauses = [p for w in workers for p in w["pauses"][gen]]
    result[f"gen{gen}"] = {"n": len(pauses), "max_wall_ms": max((p[0] for p in pauses), default=0.0),
                           "max_cpu_ms": max((p[1] for p in pauses), default=0.0),
                           "cpu_ms": sum(p[1] for p in pauses)}
print(json.dumps(result))
PY
  done
done

"$PYTHON" - "$results" "$DURATION" "$CONNECTIONS" "$(nproc)" <<'PY'
import json
import sys

path, duration, connections, cores = sys.argv[1:]
runs = [json.loads(line) for line in open(path)]
print(f"\ngunicorn's cycle-collector pauses, product detail, wrk {duration}s x {connections} connections, "
      f"{cores} cores (a worker's collections include its warm-up and wrk's 3 s warm-up run)")
print(f"{'round':>5} {'freeze':>6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'frozen':>7}  "
      f"{'gen':>3} {'count':>5} {'max wall ms':>11} {'max CPU ms':>10} {'CPU ms':>7}  load")
for run in runs:
    for gen in "012":
        g = run[f"gen{gen}"]
        head = (f"{run['round']:>5} {run['freeze']:>6} {run['rps']:>8.0f} {run['p50_ms']:>7.1f} {run['p99_ms']:>7.1f} "
                f"{run['frozen']:>7}" if gen == "0" else " " * 46)
        print(f"{head}  {gen:>3} {g['n']:>5} {g['max_wall_ms']:>11.1f} {g['max_cpu_ms']:>10.2f} {g['cpu_ms']:>7.1f}"
              + (f"  {run['load']}" if gen == "0" else ""))
for freeze in ("true", "false"):
    mine = [r for r in runs if r["freeze"] == freeze]
    print(f"GUNICORN_GC_FREEZE={freeze}: full collections (gen 2) {sum(r['gen2']['n'] for r in mine)} in "
          f"{len(mine)} run(s), longest {max(r['gen2']['max_cpu_ms'] for r in mine):.1f} ms CPU / "
          f"{max(r['gen2']['max_wall_ms'] for r in mine):.1f} ms wall; p99 "
          + ", ".join(f"{r['p99_ms']:.1f}" for r in mine) + " ms")
PY
