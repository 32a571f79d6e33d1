#!/usr/bin/env bash
# Where a gunicorn worker's time goes under load (not a test): gunicorn as configured behind the
# storefront's nginx as deployed (as scripts/bench/backend-load.sh runs them), against a fresh
# PostgreSQL database with the demo catalog, wrk on one URL, and py-spy sampling every worker
# while only the samples of a thread holding the GIL are kept (--gil): Python's own work, which
# the workers cannot run in parallel within a process.
#
#   bash scripts/bench/backend-profile.sh      # URL_PATH=detail DURATION=12 CONNECTIONS=32 RATE=200
#   URL_PATH=/api/products/ bash scripts/bench/backend-profile.sh
#
# Prints wrk's figures (lowered by the sampling), then the share of the samples in which each
# part of the request path was on the stack, and the functions most often running themselves.
# The flame data stays in $OUT (default: a temporary directory, removed) when OUT is given.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

DURATION="${DURATION:-12}"
CONNECTIONS="${CONNECTIONS:-32}"
RATE="${RATE:-200}"
URL_PATH="${URL_PATH:-detail}"

ensure_apt wrk
ensure_apt nginx
ensure_venv "$REPO_ROOT/.venv-profile" "$REPO_ROOT/scripts/bench/backend-profile-requirements.txt"
bench_backend bench_profile
out="${OUT:-$work/profile}"
mkdir -p "$out"

log "Fresh database $database: migrating and seeding the demo catalog"
(cd app/backend && python manage.py migrate_locked >/dev/null && python manage.py seed_demo_catalog >/dev/null)
if [ "$URL_PATH" = detail ]; then
  URL_PATH="/api/products/$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$database" -Atc \
    "SELECT id FROM product_product WHERE NOT is_archived ORDER BY name LIMIT 1")/"
fi

gport="$(free_port)"
socket="$work/gunicorn.sock"
setsid env RUN_MIGRATIONS=false GUNICORN_BIND="127.0.0.1:$gport,unix:$socket" \
  "$REPO_ROOT/docker/backend/entrypoint.sh" >"$work/gunicorn.log" 2>&1 &
pids+=("$!")
arbiter="$!"
wait_http_ok "http://127.0.0.1:$gport/readyz" || die "gunicorn did not become ready (log: $work/gunicorn.log)"
port="$(free_port)"
start_storefront_nginx "$work/nginx" "$port" "unix:$socket"
pids+=("$storefront_nginx_pid")
wait_http_ok "http://127.0.0.1:$port/readyz" || die "nginx did not become ready"

url="http://127.0.0.1:$port$URL_PATH"
wrk -t2 -c"$CONNECTIONS" -d3s "$url" >/dev/null # warm the workers and the caches
log "py-spy --gil at $RATE Hz on every worker for ${DURATION}s; wrk ${CONNECTIONS} connections on $URL_PATH through nginx"
samplers=()
for worker in $(pgrep -P "$arbiter"); do
  "$REPO_ROOT/.venv-profile/bin/py-spy" record --gil --rate "$RATE" --duration "$DURATION" \
    --format raw --output "$out/worker-$worker.txt" --pid "$worker" >/dev/null 2>&1 &
  samplers+=("$!")
done
wrk -t2 -c"$CONNECTIONS" -d"$((DURATION + 1))s" --latency "$url" | tee "$work/wrk.txt" |
  grep -E "Requests/sec|  50%|  99%"
wait "${samplers[@]}"
rate="$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")"

"$PYTHON" - "$out" "$rate" "$DURATION" "$RATE" <<'PY'
import collections
import glob
import re
import sys

# The parts of the request path, by the frames (any of them) on the stack while a sample is in
# them; a part's other names are those of earlier builds, so two builds compare.
PARTS = (
    ("gunicorn: a request on a connection", ("ThreadWorker.handle",)),
    ("gunicorn: parsing the request", ("Parser.__next__",)),
    ("gunicorn: headers out (start_response)", ("Response.start_response",)),
    ("gunicorn: sending (write)", ("Response.write",)),
    ("gunicorn: its access line", ("Logger.access", "AccessLogWhenAsked.access")),
    ("the WSGI fast path (CatalogFastPath)", ("CatalogFastPath.__call__",)),
    ("  its log line", ("log_request_line", "log_request")),
    ("  finding the kept response", ("CatalogResponseMiddleware.lookup",)),
    ("    its cache key (URL, host check)", ("_key",)),
    ("    the catalog version from PostgreSQL", ("_read_version",)),
    ("    the kept entry from the cache", ("LocMemCache.get",)),
    ("  building an HttpResponse", ("HttpResponse.__init__",)),
    ("  resolving the URL", ("resolve",)),
    ("  request_started, request_finished", ("Signal.send",)),
    (
        "  its django-prometheus series",
        (
            "ReplayMetrics.record",
            "PrometheusBeforeMiddleware.process_request",
            "PrometheusBeforeMiddleware.process_response",
            "PrometheusAfterMiddleware.process_request",
            "PrometheusAfterMiddleware.process_view",
            "PrometheusAfterMiddleware.process_response",
        ),
    ),
    ("Django's handler (the whole path)", ("WSGIHandler.__call__",)),
)
self_time, on_stack, total = collections.Counter(), collections.Counter(), 0
for path in glob.glob(f"{sys.argv[1]}/worker-*.txt"):
    for line in open(path):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        frames = {re.sub(r" \(.*", "", frame) for frame in stack.split(";")}
        total += int(count)
        self_time[re.sub(r":\d+\)", ")", stack.split(";")[-1])] += int(count)
        for title, names in PARTS:
            if not frames.isdisjoint(names):
                on_stack[title] += int(count)
if not total:
    sys.exit("py-spy recorded no sample holding the GIL")
requests = float(sys.argv[2]) * float(sys.argv[3])  # served while the samplers ran
print(f"\n{total} samples holding the GIL, all workers at {sys.argv[4]} Hz: "
      f"{total / requests:.3f} per request served")
print("share of them with each part on the stack")
for title, _ in PARTS:
    print(f"{100 * on_stack[title] / total:6.1f}%  {title}")
print("\nfunctions running themselves (not their callees), most often")
for function, count in self_time.most_common(15):
    print(f"{100 * count / total:6.1f}%  {function}")
PY
