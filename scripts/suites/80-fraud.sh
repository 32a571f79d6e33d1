#!/usr/bin/env bash
# The fraud scan: feature, model and report unit tests, the committed action bundle run as the
# runner runs it (CSV, SQLite and PostgreSQL sources, the GitHub REST stand-in), and — when the
# original project's data is present in ../shared/seed/data — the reproduction of its pipeline
# and the evaluation; the transactions profile on the shop's own table (the backend's
# migrations and its generate_demo_transactions command, hence the backend's virtualenv).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ensure_npm
ensure_backend_venv
ensure_apt sqlite3
ensure_postgres
if [ -d "$REPO_ROOT/../shared/seed/data" ]; then
  export FRAUD_ORIGINAL_DATA="${FRAUD_ORIGINAL_DATA:-$REPO_ROOT/../shared/seed/data}"
else
  warn "the original project's data is not at ../shared/seed/data: the tests reproducing its pipeline and the evaluation will be skipped"
fi
# shellcheck disable=SC2034 # read by suite_claims
claims=(actions/fraud-scan)
run_claimed_jest
