#!/usr/bin/env bash
# The deploy path (issue 5): the aws-credentials, terraform and rollout-check actions run from
# their committed bundles against moto, a token-service stand-in, a stand-in `terraform` and
# loopback HTTP servers; and every workflow file linted by actionlint and GitHub's parser.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ensure_tools_venv # moto_server and actionlint
run_jest "$SUITE" actions/aws-credentials actions/terraform actions/rollout-check tests/workflows
