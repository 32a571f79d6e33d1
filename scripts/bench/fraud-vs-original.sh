#!/usr/bin/env bash
# The original project's Keras fraud pipeline (Python, rebuilt from its write-up in
# fraud-original-keras.py) against ours (TensorFlow.js, wasm) on the original project's data,
# in one run: training time, scoring throughput, detection figures; then our honest evaluation
# beside the original Keras model.
#   bash scripts/bench/fraud-vs-original.sh [ORIGINAL_DATA_DIR (default ../shared/seed/data)]
# The Keras side runs in a throw-away venv (FRAUD_BENCH_VENV, default .venv-fraud-bench) with
# tensorflow-cpu, pandas and scikit-learn from PyPI. Reads the data; writes none of it.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
data="${1:-$REPO_ROOT/../shared/seed/data}"
if [ ! -f "$data/training_data.csv" ] || [ ! -f "$data/account_stripemodel_fraud_data.csv" ]; then
  warn "the original project's data is not at $data: nothing to compare (skipped)"
  exit 0
fi
venv="${FRAUD_BENCH_VENV:-$REPO_ROOT/.venv-fraud-bench}"
ensure_npm
ensure_venv "$venv" "$REPO_ROOT/scripts/bench/fraud-original-requirements.txt"
[ -f "$REPO_ROOT/actions/fraud-scan/dist/cli.js" ] || node "$REPO_ROOT/scripts/build-actions.mjs" fraud-scan

log "Keras (the original pipeline)"
keras="$("$venv/bin/python" "$REPO_ROOT/scripts/bench/fraud-original-keras.py" "$data/training_data.csv" "$data/account_stripemodel_fraud_data.csv" | tail -n 1)"
log "TensorFlow.js (ours, same pipeline)"
ours="$(node "$REPO_ROOT/actions/fraud-scan/dist/cli.js" reproduce-original --original-data "$data" --json | tail -n 1)"

"$PYTHON" - "$keras" "$ours" <<'PY'
import json, sys
k, o = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = [
    ("trainable parameters", "trainable_parameters", "{:.0f}"),
    ("epochs run", "epochs_run", "{:.0f}"),
    ("training seconds", "training_seconds", "{:.1f}"),
    ("scoring rows/s (1,052-row batches)", "scoring_rows_per_second", "{:,.0f}"),
    ("threshold (p95 of test errors)", "threshold", "{:.4f}"),
    ("test anomalies", "test_anomalies", "{:.0f}"),
    ("fraud-file anomalies (of 1,052)", "fraud_anomalies", "{:.0f}"),
]
print(f"{'':40}{'original published':>22}{'Keras':>14}{'TF.js (ours)':>14}{'ours/Keras':>12}")
published = {"trainable_parameters": 570, "threshold": 2.0501, "test_anomalies": 30, "fraud_anomalies": 718}
for label, key, fmt in rows:
    ratio = o[key] / k[key] if k[key] else float("nan")
    pub = fmt.format(published[key]) if key in published else "-"
    print(f"{label:40}{pub:>22}{fmt.format(k[key]):>14}{fmt.format(o[key]):>14}{ratio:>11.2f}x")
for name in ("mean", "median", "min", "max", "std"):
    print(f"{'test error ' + name:40}{'-':>22}{k['test_errors'][name]:>14.4f}{o['test_errors'][name]:>14.4f}")
PY

log "Honest evaluation (held-out normal rows, all fraud rows) beside the original Keras model"
node "$REPO_ROOT/actions/fraud-scan/dist/cli.js" evaluate --original-data "$data" --no-ablations
