#!/usr/bin/env bash
# Scoring throughput of the transactions profile on synthetic transactions (default 1,000,000):
# the aggregate pass plus features + scoring, against the model-only cost measured in the same
# run (the baseline: what scoring would cost if features were free).
#   bash scripts/bench/fraud-throughput.sh [ROWS] [BATCH]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ensure_npm
[ -f "$REPO_ROOT/actions/fraud-scan/dist/cli.js" ] || node "$REPO_ROOT/scripts/build-actions.mjs" fraud-scan
node --max-old-space-size=4096 "$REPO_ROOT/actions/fraud-scan/dist/cli.js" bench-throughput --rows "${1:-1000000}" --batch-size "${2:-50000}"
