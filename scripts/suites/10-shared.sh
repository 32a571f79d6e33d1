#!/usr/bin/env bash
# Unit tests of the code every action shares, the test harness and the test runner itself.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
run_jest "$SUITE" actions/shared tests/helpers tests/scripts
