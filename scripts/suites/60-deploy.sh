#!/usr/bin/env bash
# The deploy path: the aws-credentials, terraform, rollout-check and instance-refresh actions run
# from their committed bundles against moto, a token-service stand-in, a stand-in `terraform` and loopback
# HTTP servers (tests/kit/stand-ins/); and the repository-wide tests of .github/workflows
# (tests/__tests__): every workflow file linted by actionlint and GitHub's parser, and the
# deploy workflow replayed job by job.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ensure_tools_venv # moto_server and actionlint
# shellcheck disable=SC2034 # read by suite_claims
claims=(actions/aws-credentials actions/terraform actions/rollout-check actions/instance-refresh tests/__tests__)
run_claimed_jest
