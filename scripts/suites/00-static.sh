#!/usr/bin/env bash
# Lint, formatting, types and the committed action bundles' freshness for the TypeScript side.
set -uo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"
rc=0
check "eslint" npx eslint . || rc=1
check "prettier --check" npx prettier --check . || rc=1
check "tsc --noEmit" npx tsc --noEmit -p tsconfig.json || rc=1
check "action bundles are fresh (dist/ rebuilt from src/)" node scripts/build-actions.mjs --check || rc=1
exit $rc
