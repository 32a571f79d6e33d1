# shellcheck shell=bash
# Shared by scripts/dev, scripts/test and every scripts/suites/*.sh: installing what a step
# needs (idempotently, so a second run costs seconds) and small logging helpers.
# Source it; do not run it.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO_ROOT
export TEST_RESULTS="${TEST_RESULTS:-$REPO_ROOT/artifacts/test-results}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die() {
  printf '\033[1;31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

# A stamp file records the hash of what was installed, so unchanged inputs skip the install.
_stamp_matches() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
_hash_files() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

_apt_updated=""
# ensure_apt PKG...: install the Debian packages that are missing (root, or sudo if present).
ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "Installing Debian packages: ${missing[*]}"
  if [ -z "$_apt_updated" ]; then
    $sudo apt-get update -qq >/dev/null
    _apt_updated=1
  fi
  # policy-rc.d keeps the packages' own services (nginx on :80, prometheus on :9090, ...)
  # from starting: the tests start their own, on ports they choose.
  local policy=/usr/sbin/policy-rc.d created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    created_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$created_policy" ] && $sudo rm -f "$policy"
  return 0
}

# ensure_npm [DIR]: an npm project's packages from its lockfile (the repository root's by default;
# the storefront, app/frontend, is a project of its own). A fresh clone gets `npm ci`; an existing
# node_modules is brought in line with `npm install`, which does not wipe it first (other
# processes may be running tests from it). flock serializes concurrent installs.
# shellcheck disable=SC2120 # the folder is optional; callers without one mean the root.
ensure_npm() {
  local dir="${1:-$REPO_ROOT}"
  local stamp="$dir/node_modules/.installed-lock-hash" hash
  hash="$(_hash_files "$dir/package-lock.json")"
  _stamp_matches "$stamp" "$hash" && return 0
  (
    cd "$dir" || exit 1
    if [ -d node_modules ]; then
      log "Updating npm packages in $dir to its package-lock.json (npm install)"
      flock /tmp/npm.lock npm install --no-audit --no-fund --loglevel=error
    else
      log "Installing npm packages in $dir (npm ci)"
      flock /tmp/npm.lock npm ci --no-audit --no-fund --loglevel=error
    fi
  ) && echo "$hash" >"$stamp"
}

# ensure_venv DIR REQUIREMENTS...: a Python virtual environment with those requirement files.
ensure_venv() {
  local dir="$1"
  shift
  # One install at a time per environment: suites run in parallel (and by several people on
  # one machine) must not pip into the same folder at once.
  (
    flock 9
    local stamp="$dir/.installed-requirements-hash" hash
    hash="$(_hash_files "$@")"
    if [ ! -x "$dir/bin/python" ]; then
      log "Creating virtual environment $dir"
      "$PYTHON" -m venv "$dir"
    fi
    if ! _stamp_matches "$stamp" "$hash"; then
      log "Installing Python packages into $dir from $*"
      local args=() req
      for req in "$@"; do args+=(-r "$req"); done
      # The stamp is written only after every install succeeded, so a failed one is retried.
      "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip &&
        "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}" &&
        echo "$hash" >"$stamp"
    fi
  ) 9>"/tmp/venv-$(printf '%s' "$dir" | md5sum | cut -c1-12).lock"
}

# The backend's environment (Django, pytest, ruff, mypy): .venv at the repository root.
ensure_backend_venv() {
  ensure_venv "$REPO_ROOT/.venv" "$REPO_ROOT/app/backend/requirements.txt" "$REPO_ROOT/app/backend/requirements-dev.txt"
}

# Static-analysis and stand-in tools from PyPI (checkov, hadolint, actionlint, moto): kept out
# of the backend's environment because their pins clash with the app's.
ensure_tools_venv() {
  ensure_venv "$REPO_ROOT/.venv-tools" "$REPO_ROOT/scripts/requirements-tools.txt"
}

# ensure_postgres: make PG* point at a PostgreSQL that answers. Uses the configured one
# (PGHOST/PGPORT, default 127.0.0.1:5432) when it is up; otherwise starts a throw-away cluster
# from Debian's packages in a temporary directory, stopped when the calling shell exits.
ensure_postgres() {
  export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
  if pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null &&
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    return 0
  fi
  ensure_apt postgresql
  local bindir
  bindir="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  local dir
  dir="$(mktemp -d /tmp/pg-throwaway.XXXXXX)"
  local port=55432
  while pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null; do port=$((port + 1)); done
  log "No PostgreSQL at $PGHOST:$PGPORT; starting a throw-away one on 127.0.0.1:$port ($dir)"
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: run the cluster as the postgres system user.
    chown postgres "$dir"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" start >/dev/null
  export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres PG_THROWAWAY_DIR="$dir"
  # shellcheck disable=SC2064 # expand now: the trap must stop this cluster, not a later one.
  trap "'${as[*]:-env}' '$bindir/pg_ctl' -D '$dir/data' -m fast stop >/dev/null 2>&1; rm -rf '$dir'" EXIT
}

# bench_database NAME [STOP]: for a benchmark, a fresh database NAME_<pid>_<random> on the
# PostgreSQL PG* points at ($database, and DATABASE_URL exported for it) and a work folder
# /tmp/<script>.XXXXXX ($work). At exit STOP runs first (the benchmark's function that stops the
# servers it started, so none holds the database), then the database is dropped and the folder
# removed. It sets the EXIT trap: a benchmark using it sets none of its own.
bench_database() {
  work="$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")"
  database="${1}_$$_$RANDOM"
  _bench_stop="${2:-}"
  trap _bench_cleanup EXIT
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "CREATE DATABASE $database" >/dev/null
  export DATABASE_URL="postgres://$PGUSER${PGPASSWORD:+:$PGPASSWORD}@$PGHOST:$PGPORT/$database"
}
# shellcheck disable=SC2317 # run by bench_database's EXIT trap, which shellcheck does not follow
_bench_cleanup() {
  if [ -n "$_bench_stop" ]; then "$_bench_stop" || true; fi
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}

# bench_backend NAME: what a benchmark of the backend's servers needs: the backend's environment,
# a fresh database (bench_database NAME) and production settings (DEBUG off) exported for the
# servers it starts. Each server goes into the array `pids`, started in a session of its own
# (setsid); every session is stopped at exit.
bench_backend() {
  ensure_backend_venv
  ensure_postgres
  unset DJANGO_SETTINGS_MODULE DJANGO_ENV DB_HOST
  pids=()
  bench_database "$1" _bench_stop_sessions
  export DJANGO_SECRET_KEY="benchmark-only-secret-key-0123456789abcdef"
  export CARD_FINGERPRINT_KEY="benchmark-only-fingerprint-key"
  export DJANGO_ALLOWED_HOSTS="127.0.0.1"
  export PATH="$REPO_ROOT/.venv/bin:$PATH" PYTHON="$REPO_ROOT/.venv/bin/python"
  export APP_DIR="$REPO_ROOT/app/backend" TMPDIR="$work"
}
# shellcheck disable=SC2317 # run by bench_database's EXIT trap
_bench_stop_sessions() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# free_port: an unused loopback TCP port.
free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http_ok URL: wait up to 60 s for URL to answer with a 2xx; fails if it never does.
wait_http_ok() {
  local _
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.5
  done
  return 1
}

# start_storefront_nginx DIR PORT UPSTREAM: the storefront's nginx as the image runs it
# (docker/frontend: nginx.conf with its /tmp/nginx/ paths moved into DIR, the server template
# rendered with envsubst as the image does), on loopback PORT in front of the backend at UPSTREAM
# (unix:/path or host:port), in its own session; its pid is in $storefront_nginx_pid and its log
# in DIR/nginx.log. DIR's parent is made readable by all: nginx's workers run as nobody when this
# runs as root, and must reach a socket kept there.
start_storefront_nginx() {
  local dir="$1" port="$2" upstream="$3"
  mkdir -p "$dir/conf.d" "$dir/root"
  echo '<!doctype html><title>bench</title>' >"$dir/root/index.html"
  chmod -R a+rX "$(dirname "$dir")"
  sed "s|/tmp/nginx/|$dir/|g" "$REPO_ROOT/docker/frontend/nginx.conf" >"$dir/nginx.conf"
  # shellcheck disable=SC2016 # envsubst is given the variable names themselves
  LISTEN_PORT="$port" STOREFRONT_ROOT="$dir/root" BACKEND_UPSTREAM="$upstream" \
    envsubst '${LISTEN_PORT} ${STOREFRONT_ROOT} ${BACKEND_UPSTREAM}' \
    <"$REPO_ROOT/docker/frontend/templates/default.conf.template" >"$dir/conf.d/default.conf"
  setsid nginx -g 'daemon off;' -p "$dir" -c "$dir/nginx.conf" -e stderr >"$dir/nginx.log" 2>&1 &
  # shellcheck disable=SC2034 # read by the caller
  storefront_nginx_pid="$!"
}

# Which suite runs which Jest tests. A suite script names the folders it runs on one line,
#   claims=(actions/python-venv actions/pytest)
# read here without running the script. A test file belongs to a claim when it lies in that
# folder. A claim ending in /* (the actions suite's 'actions/*') stands for every folder under
# that parent with a __tests__ folder that no other claim of any suite names: a new
# actions/<name>/__tests__ runs without editing a suite script. scripts/__tests__ checks that
# every test file under a __tests__ folder belongs to exactly one suite.

# suite_claims SCRIPT: the folders one suite script claims, one per line, as written.
suite_claims() {
  sed -n 's/^claims=(\(.*\))$/\1/p' "$1" | tr -d "'\"" | tr ' ' '\n' | sed '/^$/d'
}

# suite_jest_paths SCRIPT: the folders a suite's Jest run covers, relative to REPO_ROOT, with
# its /* claims expanded.
suite_jest_paths() {
  local claim script others dir
  others="$(for script in "$REPO_ROOT"/scripts/suites/*.sh; do suite_claims "$script"; done)"
  while IFS= read -r claim; do
    if [[ "$claim" != */\* ]]; then
      printf '%s\n' "$claim"
      continue
    fi
    for dir in "$REPO_ROOT/${claim%/\*}"/*/__tests__; do
      [ -d "$dir" ] || continue
      dir="${dir#"$REPO_ROOT"/}"
      dir="${dir%/__tests__}"
      grep -qxF "$dir" <<<"$others" || printf '%s\n' "$dir"
    done
  done < <(suite_claims "$1")
}

# jest_patterns FOLDER...: Jest test-path patterns that match exactly the files in those
# folders (a bare "terraform" would also match actions/terraform/).
jest_patterns() {
  local dir root
  root="$(printf '%s' "$REPO_ROOT" | sed 's/[][\.*^$+?(){}|]/\\&/g')"
  for dir in "$@"; do
    printf '^%s/%s/\n' "$root" "$(printf '%s' "$dir" | sed 's/[][\.*^$+?(){}|]/\\&/g')"
  done
}

# run_jest SUITE FOLDER...: Jest over the test files in those folders, with a JUnit report
# for the totals. JEST_ARGS adds options (JEST_ARGS=--verbose prints each test's time).
# One worker per core (JEST_WORKERS), not Jest's default of one fewer: the test files mostly wait
# on the servers and programs they start, so two files at a time on two cores took the deploy
# suite from 195 s to 117 s on the same loaded machine.
run_jest() {
  local suite="$1"
  shift
  local patterns extra=()
  mapfile -t patterns < <(jest_patterns "$@")
  read -r -a extra <<<"${JEST_ARGS:-}"
  mkdir -p "$TEST_RESULTS"
  (cd "$REPO_ROOT" && JEST_JUNIT_OUTPUT_DIR="$TEST_RESULTS" JEST_JUNIT_OUTPUT_NAME="$suite-jest.xml" \
    NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1 \
    npx jest --ci --maxWorkers="${JEST_WORKERS:-$(nproc)}" "${extra[@]}" \
    --reporters default --reporters jest-junit -- "${patterns[@]}")
}

# run_claimed_jest: Jest over what the calling suite script claims (see suite_claims).
run_claimed_jest() {
  local paths
  mapfile -t paths < <(suite_jest_paths "$0")
  [ ${#paths[@]} -gt 0 ] || die "$0 claims no test folders (a claims=(...) line)"
  run_jest "${SUITE:?scripts/test sets SUITE}" "${paths[@]}"
}

# check CASE COMMAND...: run a command as one named test case of the current suite (for tools
# such as checkov or promtool that have no test report of their own); its output goes to the
# log, the verdict to the suite's JUnit file.
check() {
  local name="$1"
  shift
  local suite="${SUITE:-checks}" start status=0
  mkdir -p "$TEST_RESULTS"
  start=$SECONDS
  log "check: $name"
  "$@" || status=$?
  "$PYTHON" -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "status": int(sys.argv[2]), "seconds": int(sys.argv[3])}))' \
    "$name" "$status" "$((SECONDS - start))" >>"$TEST_RESULTS/$suite-checks.jsonl"
  [ "$status" -eq 0 ] || warn "check failed: $name"
  return "$status"
}
