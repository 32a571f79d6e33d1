#!/usr/bin/env bash
# The actions' own tests and what the other suites stand on: the library every action shares
# (actions/shared), the test kit's own tests (tests/kit), the test runner (scripts/__tests__),
# and every action whose tests need nothing beyond Node. 'actions/*' takes each
# actions/<name>/__tests__ that no other suite claims, so a new action's tests run here without
# editing this file; an action whose tests need more (Python, Docker tools, moto, PostgreSQL)
# is claimed by the suite that installs it.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck disable=SC2034 # read by suite_claims
claims=(tests/kit scripts/__tests__ 'actions/*')
run_claimed_jest
