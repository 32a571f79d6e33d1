#!/usr/bin/env bash
# The actions' own tests and what the other suites stand on: the library every action shares
# (actions/shared), the test kit's own tests (tests/kit), the test runner (scripts/__tests__),
# and every action no other suite claims. 'actions/*' takes each actions/<name>/__tests__ that
# no other suite claims, so a new action's tests run here without editing this file — with moto
# and the field's tools at hand (.venv-tools), since an AWS action's tests need moto; an action
# whose tests need more (the backend's Python, Docker tools, PostgreSQL) is claimed by the suite
# that installs it.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ensure_tools_venv # moto for the AWS actions' bundle tests
# shellcheck disable=SC2034 # read by suite_claims
claims=(tests/kit scripts/__tests__ 'actions/*')
run_claimed_jest
