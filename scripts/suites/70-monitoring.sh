#!/usr/bin/env bash
# Monitoring as code (monitoring/): Prometheus configuration and alert rules checked and
# unit-tested with promtool, Alertmanager and blackbox configurations checked by their own
# binaries, Grafana dashboards validated, and every dashboard panel's query run against a real
# Prometheus scraping a real node_exporter and the real backend, and the production template's
# EC2 discovery run against moto (monitoring/__tests__/).
set -uo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT" || exit 1

ensure_apt prometheus prometheus-node-exporter prometheus-blackbox-exporter prometheus-alertmanager chromium shellcheck
ensure_npm
ensure_backend_venv
ensure_tools_venv # moto, the EC2 API that ec2-discovery.test.ts points Prometheus at

rc=0
check "shellcheck monitoring/preview/render-dashboards.sh" shellcheck -x monitoring/preview/render-dashboards.sh || rc=1
# shellcheck disable=SC2034 # read by suite_claims
claims=(monitoring)
run_claimed_jest || rc=1
exit $rc
