#!/usr/bin/env bash
# The storefront (app/frontend): lint, types, component tests (Vitest), the production build,
# and browser tests in Debian's Chromium against the real backend on a fresh PostgreSQL
# database. Screenshots of the main pages land in artifacts/screenshots/.
set -uo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
SUITE="${SUITE:-frontend}"
FRONTEND="$REPO_ROOT/app/frontend"

ensure_npm "$FRONTEND" || die "npm ci in app/frontend failed"
ensure_apt chromium
ensure_backend_venv
ensure_postgres
mkdir -p "$TEST_RESULTS"
cd "$FRONTEND" || exit 1

rc=0
check "storefront: eslint (import direction, hooks, no console)" npx eslint . --max-warnings 0 || rc=1
check "storefront: tsc -b (app and node tsconfigs)" npx tsc -b || rc=1
log "storefront: vitest"
npx vitest run --reporter=default --reporter=junit --outputFile.junit="$TEST_RESULTS/frontend-vitest.xml" || rc=1
# The browser tests serve dist/, so they only run on a build that succeeded.
if check "storefront: production build (vite build into dist/)" npx vite build --logLevel warn; then
  log "storefront: browser tests (Chromium, real backend, PostgreSQL at $PGHOST:$PGPORT)"
  npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=junit \
    --outputFile.junit="$TEST_RESULTS/frontend-e2e.xml" || rc=1
else
  rc=1
fi
exit $rc
