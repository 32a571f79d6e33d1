#!/usr/bin/env bash
# The shop's backend (app/backend) and its image recipe: lint and format, committed migrations,
# gunicorn's config check, hadolint, then pytest twice — every test against the real PostgreSQL
# (row locks, the advisory-locked entrypoint start-up), and again against SQLite, the default
# database of `scripts/dev` (tests that need PostgreSQL are skipped there, saying so). The
# PostgreSQL run spreads the test files over the cores.
set -uo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT" || exit 1

ensure_backend_venv
ensure_tools_venv
ensure_postgres
bin="$REPO_ROOT/.venv/bin"
ruff_config=app/backend/pyproject.toml
rc=0

# Django's own variables from the caller's shell must not leak into the runs below.
unset DJANGO_SETTINGS_MODULE DJANGO_ENV DATABASE_URL DB_HOST

check "ruff check (app/backend, docker/backend)" "$bin/ruff" check --config "$ruff_config" app/backend docker/backend || rc=1
check "ruff format --check (app/backend, docker/backend)" \
  "$bin/ruff" format --check --config "$ruff_config" app/backend docker/backend || rc=1
check "every model change has a committed migration (makemigrations --check)" \
  env -C app/backend DJANGO_SETTINGS_MODULE=config.settings.test \
  "$bin/python" manage.py makemigrations --check --dry-run || rc=1
check "gunicorn --check-config docker/backend/gunicorn.conf.py" \
  env -C app/backend DJANGO_SECRET_KEY=check-config-only CARD_FINGERPRINT_KEY=check-config-only \
  PYTHONWARNINGS=ignore "$bin/gunicorn" --check-config -c "$REPO_ROOT/docker/backend/gunicorn.conf.py" config.wsgi || rc=1
static_root="$(mktemp -d)"
check "collectstatic with production settings, as the image build runs it" \
  env -C app/backend DJANGO_SECRET_KEY=collectstatic-only CARD_FINGERPRINT_KEY=collectstatic-only \
  DJANGO_STATIC_ROOT="$static_root" "$bin/python" manage.py collectstatic --noinput --verbosity 0 || rc=1
rm -rf "$static_root"
check "hadolint docker/Dockerfile.backend" "$REPO_ROOT/.venv-tools/bin/hadolint" docker/Dockerfile.backend || rc=1

mkdir -p "$TEST_RESULTS"
password="${PGPASSWORD:+:$PGPASSWORD}"
# The URL names the maintenance database; each run creates (and drops) its own uniquely named
# test database next to it (config/settings/test.py), so concurrent runs do not collide.
# One pytest-xdist worker per core, each with its own test database; a file's tests stay
# together and in order on one worker (--dist loadfile: some classes build on their first test).
workers="${PYTEST_WORKERS:-$(nproc)}"
log "pytest against PostgreSQL at $PGHOST:$PGPORT ($workers workers)"
(cd app/backend && DATABASE_URL="postgres://$PGUSER$password@$PGHOST:$PGPORT/postgres" PATH="$bin:$PATH" \
  "$bin/pytest" -q -n "$workers" --dist loadfile \
  -o junit_suite_name=backend-postgres --junitxml="$TEST_RESULTS/backend-postgres.xml") || rc=1

log "pytest against SQLite (tests that never touch the database ran above)"
(cd app/backend && PATH="$bin:$PATH" "$bin/pytest" -q -m "not database_agnostic" \
  -o junit_suite_name=backend-sqlite --junitxml="$TEST_RESULTS/backend-sqlite.xml") || rc=1

exit $rc
