#!/usr/bin/env bash
# Load benchmark of the shop's backend (not a test): the product list and a product detail,
# served by gunicorn as configured (docker/backend/entrypoint.sh + gunicorn.conf.py), by the same
# gunicorn behind the storefront's nginx as deployed (docker/frontend: nginx.conf and the
# rendered server template, on gunicorn's Unix socket as compose.yml has it; catalog reads are
# not cached there), and by `manage.py runserver` (how the original
# project served it), one after the other in the same run, against a fresh PostgreSQL database
# with the demo catalog. wrk on loopback, DURATION seconds per case.
#
#   bash scripts/bench/backend-load.sh            # DURATION=30 CONNECTIONS=32 ROUNDS=1 by default
#   ROUNDS=3 DURATION=10 bash scripts/bench/backend-load.sh   # three rounds, each server in each
#
# Prints, per round, requests/s, p50/p99 latency, errors and the servers' CPU time per request
# (which depends little on the machine's other load) per case, each server's ratio to
# runserver, and the machine's load average before and after the round (the servers share the
# cores with wrk and whatever else runs); then, over the rounds, the median of each figure and
# of each ratio, and which of issue 13's goals each case met in how many rounds. Rounds measure
# the three servers one after the other, so a machine whose load changes affects all three.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

DURATION="${DURATION:-30}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-1}"

ensure_apt wrk
ensure_apt nginx
# Production settings for every server: DEBUG off, the same database settings.
bench_backend bench_backend

log "Fresh database $database: migrating and seeding the demo catalog"
(cd app/backend && python manage.py migrate_locked >/dev/null && python manage.py seed_demo_catalog)
detail_id="$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$database" -Atc \
  "SELECT id FROM product_product WHERE NOT is_archived ORDER BY name LIMIT 1")"

wait_ready() {
  wait_http_ok "http://127.0.0.1:$1/readyz" || die "server on port $1 did not become ready (log: $work)"
}

# start NAME COMMAND...: run a server in its own process group; its port is in $port.
start() {
  local name="$1"
  shift
  setsid "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
}

stop_last() {
  local pid="${pids[-1]}"
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset 'pids[-1]'
}

results="$work/results.tsv"
: >"$results"
# server_cpu: CPU seconds (user + system) used so far by the servers started here: every process
# in their sessions (each `start` makes one), with the time of workers already reaped (gunicorn
# recycles them) counted in their parent. Unlike requests per second, CPU time per request hardly
# depends on what else the machine runs.
server_cpu() {
  "$PYTHON" - "${pids[@]}" <<'PY'
import os
import sys

sessions, ticks, total = {int(p) for p in sys.argv[1:]}, os.sysconf("SC_CLK_TCK"), 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue  # gone meanwhile
    if int(fields[3]) in sessions:  # field 6 of stat, the session id
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
print(total / ticks)
PY
}

measure() {
  local server="$1" port="$2" endpoint path line cpu_before cpu_after
  # (round is the loop variable below)
  curl -sf -o /dev/null "http://127.0.0.1:$port/api/products/" # warm the workers' connections
  wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "http://127.0.0.1:$port/api/products/" >/dev/null
  for endpoint in list detail; do
    path="/api/products/"
    [ "$endpoint" = detail ] && path="/api/products/$detail_id/"
    log "wrk ${DURATION}s, $CONNECTIONS connections: $server $path"
    cpu_before="$(server_cpu)"
    line="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s \
      -s "$REPO_ROOT/scripts/bench/backend-load.lua" "http://127.0.0.1:$port$path" | grep '^RESULT')"
    cpu_after="$(server_cpu)"
    printf '%s\t%s\t%s\t%s cpu_s=%s\n' "$round" "$server" "$endpoint" "$line" \
      "$("$PYTHON" -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$cpu_before" "$cpu_after")" >>"$results"
  done
}

workers="$(python -c 'import runpy, sys; c = runpy.run_path(sys.argv[1]); print(c["workers"], "workers x", c["threads"], "threads")' \
  docker/backend/gunicorn.conf.py)"

loads="$work/loads.tsv"
: >"$loads"
for round in $(seq 1 "$ROUNDS"); do
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  port="$(free_port)"
  log "gunicorn as configured ($workers) on port $port"
  start gunicorn env RUN_MIGRATIONS=false GUNICORN_BIND="127.0.0.1:$port" "$REPO_ROOT/docker/backend/entrypoint.sh"
  wait_ready "$port"
  measure gunicorn "$port"
  stop_last

  # The storefront's nginx as deployed, in front of the same gunicorn: nginx.conf with its
  # /tmp/nginx/ paths moved into $work/nginx, and the server template rendered as the image does.
  gport="$(free_port)"
  log "gunicorn as configured behind the storefront's nginx"
  # As compose.yml runs them: gunicorn also on a Unix socket, which nginx keeps a pool on.
  socket="$work/gunicorn.sock"
  start gunicorn-behind-nginx env RUN_MIGRATIONS=false GUNICORN_BIND="127.0.0.1:$gport,unix:$socket" \
    "$REPO_ROOT/docker/backend/entrypoint.sh"
  wait_ready "$gport"
  port="$(free_port)"
  start_storefront_nginx "$work/nginx" "$port" "unix:$socket"
  pids+=("$storefront_nginx_pid")
  wait_ready "$port"
  measure nginx "$port"
  stop_last
  stop_last

  port="$(free_port)"
  log "manage.py runserver on port $port"
  start runserver env -C app/backend python manage.py runserver "127.0.0.1:$port" --noreload
  wait_ready "$port"
  measure runserver "$port"
  stop_last

  printf '%s\t%s\t%s\n' "$round" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$loads"
done

"$PYTHON" - "$results" "$loads" "$workers" "$DURATION" "$CONNECTIONS" "$(nproc)" <<'PY'
import statistics
import sys

path, loads_path, workers, duration, connections, cores = sys.argv[1:]
rows = {}
for line in open(path):
    round_, server, endpoint, result = line.rstrip("\n").split("\t")
    row = {k: float(v) for k, v in (kv.split("=") for kv in result.split()[1:])}
    # The servers' CPU time over the case per request served (nginx and gunicorn together for nginx).
    row["cpu_us"] = row["cpu_s"] * 1e6 / max(row["requests"], 1)
    rows[int(round_), server, endpoint] = row
loads = {int(r): (before, after) for r, before, after in (line.rstrip("\n").split("\t") for line in open(loads_path))}
rounds = sorted(loads)
servers = ("gunicorn", "nginx", "runserver")
endpoints = (("list", "product list"), ("detail", "product detail"))
labels = {"gunicorn": f"gunicorn ({workers})", "nginx": "nginx -> gunicorn", "runserver": "manage.py runserver"}
# Issue 13's goals at 32 connections: (requests/s at least, p99 ms at most), 0 errors.
goals = {"list": (1200, 100), "detail": (2000, 50)}


def table(figures):
    print(f"{'endpoint':<16}{'server':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>9}{'CPU us/req':>12}")
    for endpoint, title in endpoints:
        for server in servers:
            r = figures[server, endpoint]
            print(f"{title:<16}{labels[server]:<34}{r['rps']:>10.1f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
                  f"{int(r['errors']):>9}{r['cpu_us']:>12.0f}")
    for server in ("gunicorn", "nginx"):
        for endpoint, title in endpoints:
            g, s = figures[server, endpoint], figures["runserver", endpoint]
            print(f"ratio {server}/runserver, {title}: requests/s {g['rps'] / s['rps']:.2f}x, "
                  f"p50 latency {g['p50_ms'] / s['p50_ms']:.2f}x, p99 latency {g['p99_ms'] / s['p99_ms']:.2f}x, "
                  f"CPU per request {g['cpu_us'] / s['cpu_us']:.2f}x")


print(f"\nbackend load, PostgreSQL, wrk {duration}s x {connections} connections per case, loopback, {len(rounds)} round(s)")
# Every server shares the machine with wrk (and anything else running): a busy machine lowers
# every figure and blurs the ratio, so the load is part of the result.
for r in rounds:
    print(f"\nround {r}: machine {cores} cores; load average before {loads[r][0]}, after {loads[r][1]}")
    table({(s, e): rows[r, s, e] for s in servers for e, _ in endpoints})
if len(rounds) > 1:
    print(f"\nmedian of {len(rounds)} rounds (each figure and each ratio on its own)")
    table({(s, e): {k: statistics.median(rows[r, s, e][k] for r in rounds) for k in ("rps", "p50_ms", "p99_ms", "errors", "cpu_us")}
           for s in servers for e, _ in endpoints})
print("\ngoals (issue 13): rounds in which a case met requests/s, p99 and 0 errors")
for server in ("gunicorn", "nginx"):
    for endpoint, title in endpoints:
        rps, p99 = goals[endpoint]
        met = [rows[r, server, endpoint] for r in rounds]
        print(f"{labels[server]:<34}{title:<16} >= {rps} req/s: {sum(m['rps'] >= rps for m in met)}/{len(met)}, "
              f"p99 <= {p99} ms: {sum(m['p99_ms'] <= p99 for m in met)}/{len(met)}, "
              f"0 errors: {sum(m['errors'] == 0 for m in met)}/{len(met)}")
PY
