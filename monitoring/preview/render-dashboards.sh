#!/usr/bin/env bash
# Redraws the dashboard pictures in monitoring/docs/ from real data: starts the monitoring
# stack of monitoring/__tests__/live.test.ts (Prometheus, node_exporter, blackbox exporter,
# Alertmanager, the real backend with traffic), lets it collect for SECONDS (default 300) so the
# graphs have a history, then draws every panel with the preview renderer (monitoring/preview/:
# an imitation of Grafana drawn from the dashboard JSON) and photographs it with headless
# Chromium.
#
#   bash monitoring/preview/render-dashboards.sh [SECONDS]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../../scripts/lib/common.sh"
cd "$REPO_ROOT"

seconds="${1:-300}"
[[ "$seconds" =~ ^[0-9]+$ ]] || die "SECONDS must be a whole number of seconds, got: $seconds"

ensure_apt prometheus prometheus-node-exporter prometheus-blackbox-exporter prometheus-alertmanager chromium
ensure_npm
ensure_backend_venv

log "Collecting for ${seconds}s, then drawing monitoring/docs/*.png"
MONITORING_RENDER_DIR="$REPO_ROOT/monitoring/docs" MONITORING_COLLECT_SECONDS="$seconds" \
  NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1 \
  npx jest --ci monitoring/__tests__/live.test.ts
log "Pictures written: $(printf '%s ' monitoring/docs/*.png)"
