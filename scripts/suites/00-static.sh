#!/usr/bin/env bash
# Lint, formatting, types and the committed action bundles' freshness for the TypeScript side.
set -uo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT" || exit 1
ensure_apt shellcheck
rc=0
check "eslint" npx eslint . || rc=1
check "prettier --check" npx prettier --check . || rc=1
check "tsc --noEmit" npx tsc --noEmit -p tsconfig.json || rc=1
check "action bundles are fresh (dist/ rebuilt from src/)" node scripts/build-actions.mjs --check || rc=1
# The repository's own shell scripts (Terraform's deploy.sh is checked, rendered, by its suite).
mapfile -t shell_scripts < <(git ls-files -- .ci/run scripts/test scripts/dev 'scripts/*.sh' 'docker/*.sh')
check "shellcheck (${#shell_scripts[@]} scripts)" shellcheck -x "${shell_scripts[@]}" || rc=1
exit $rc
