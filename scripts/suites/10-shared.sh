#!/usr/bin/env bash
# Unit tests of the code every action shares, and the test harness itself.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
run_jest "$SUITE" actions/shared tests/helpers
