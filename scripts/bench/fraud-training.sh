#!/usr/bin/env bash
# Training time of the fraud model against Keras, on the original project's data, in one run:
#   1. Keras: the original pipeline (scripts/bench/fraud-original-keras.py: 6 columns, batch 32,
#      up to 100 epochs, patience 10) in the throw-away venv fraud-vs-original.sh uses; when
#      that venv cannot be built, the figure recorded in docs/benchmarks.md (14.3 s) instead.
#   2. Ours, production: `scan --profile stripemodel --train` with the defaults (both fits; the
#      epochs column shows each fit's, e.g. 86+16, when the model file records the first's).
#   3. Ours, the same original pipeline (reproduce-original: its batch 32 and epochs).
#   4. Detection: `evaluate` (held-out normals, every fraud row) beside the original model.
# Each timing is printed with the 1-minute load average beside it (2 shared cores: a loaded
# machine stretches wall time; the CPU seconds of our runs are printed too).
#   bash scripts/bench/fraud-training.sh [ORIGINAL_DATA_DIR (default ../shared/seed/data)]
#   FRAUD_TRAINING_BASELINE_CLI=/path/to/older/dist/cli.js  also times an older build, same run
#   FRAUD_TRAINING_NO_KERAS=1                                skip the venv, use the recorded figure
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
data="${1:-$REPO_ROOT/../shared/seed/data}"
normal="$data/training_data.csv"
fraud="$data/account_stripemodel_fraud_data.csv"
if [ ! -f "$normal" ] || [ ! -f "$fraud" ]; then
  warn "the original project's data is not at $data: nothing to measure (skipped)"
  exit 0
fi
ensure_npm
cli="$REPO_ROOT/actions/fraud-scan/dist/cli.js"
[ -f "$cli" ] || node "$REPO_ROOT/scripts/build-actions.mjs" fraud-scan
work="$(mktemp -d /tmp/fraud-training.XXXXXX)"
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1 /proc/loadavg; }

keras_seconds=14.3
keras_epochs=100
keras_note="recorded (docs/benchmarks.md), not measured in this run"
if [ -z "${FRAUD_TRAINING_NO_KERAS:-}" ]; then
  venv="${FRAUD_BENCH_VENV:-$REPO_ROOT/.venv-fraud-bench}"
  if ensure_venv "$venv" "$REPO_ROOT/scripts/bench/fraud-original-requirements.txt" &&
    "$venv/bin/python" -c 'import tensorflow' 2>/dev/null; then
    log "Keras (the original pipeline, batch 32)"
    before="$(load)"
    keras="$("$venv/bin/python" "$REPO_ROOT/scripts/bench/fraud-original-keras.py" "$normal" "$fraud" --repeat-scoring 1 | tail -n 1)"
    keras_seconds="$("$PYTHON" -c 'import json,sys; print(round(json.loads(sys.argv[1])["training_seconds"], 2))' "$keras")"
    keras_epochs="$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["epochs_run"])' "$keras")"
    keras_note="measured now (load $before -> $(load))"
  else
    warn "the Keras venv could not be built here: using the recorded $keras_seconds s"
  fi
fi

# One production training: prints "seconds epochs cpu-seconds wall load-before load-after".
production() {
  local bin="$1" out="$work/$2" before started
  before="$(load)"
  started="$(date +%s.%N)"
  /usr/bin/time -f '%U %S' -o "$out.time" node "$bin" scan --profile stripemodel --train \
    --source "$fraud" --training-source "$normal" --output-dir "$out" \
    --model-output "$out/model.json" >"$out.log" 2>&1 || {
    cat "$out.log"
    exit 1
  }
  "$PYTHON" - "$out/model.json" "$out.time" "$started" "$before" "$(load)" <<'PY'
import json, sys, time
training = json.load(open(sys.argv[1]))["training"]
user, system = map(float, open(sys.argv[2]).read().split()[-2:])
# Models from before firstFitEpochs name only the last fit's epochs.
first = training.get("firstFitEpochs")
epochs = f'{first}+{training["epochsRun"]}' if first is not None else str(training["epochsRun"])
print(f'{training["seconds"]:.2f} {epochs} {user + system:.2f} '
      f'{time.time() - float(sys.argv[3]):.1f} {sys.argv[4]} {sys.argv[5]}')
PY
}

log "Ours, production (scan --profile stripemodel --train, defaults)"
read -r ours_s ours_e ours_cpu ours_wall ours_l0 ours_l1 <<<"$(production "$cli" ours)"
if [ -n "${FRAUD_TRAINING_BASELINE_CLI:-}" ]; then
  log "Baseline build ($FRAUD_TRAINING_BASELINE_CLI), same command"
  read -r base_s base_e base_cpu base_wall base_l0 base_l1 <<<"$(production "$FRAUD_TRAINING_BASELINE_CLI" base)"
fi
log "Ours, the original pipeline (reproduce-original: batch 32, up to 100 epochs)"
repro_l0="$(load)"
repro="$(node "$cli" reproduce-original --original-data "$data" --json | tail -n 1)"
repro_l1="$(load)"

echo
printf '%-58s %10s %8s %12s %10s %14s\n' "training on training_data.csv" seconds epochs "CPU seconds" "vs Keras" "load avg"
row() { printf '%-58s %10s %8s %12s %9sx %14s\n' "$1" "$2" "$3" "$4" "$("$PYTHON" -c "print(f'{$2 / $keras_seconds:.2f}')")" "$5"; }
printf '%-58s %10s %8s %12s %10s %14s\n' "Keras, original pipeline ($keras_note)" "$keras_seconds" "$keras_epochs" - 1.00x -
row "ours, production (stripemodel, both fits; wall ${ours_wall} s)" "$ours_s" "$ours_e" "$ours_cpu" "$ours_l0 -> $ours_l1"
if [ -n "${base_s:-}" ]; then
  row "baseline build, production (wall ${base_wall} s)" "$base_s" "$base_e" "$base_cpu" "$base_l0 -> $base_l1"
fi
read -r repro_s repro_e <<<"$("$PYTHON" -c 'import json,sys; r=json.loads(sys.argv[1]); print(round(r["training_seconds"], 2), r["epochs_run"])' "$repro")"
row "ours, original pipeline (TF.js, batch 32)" "$repro_s" "$repro_e" - "$repro_l0 -> $repro_l1"
echo "goal: production <= 1/5 of Keras ($("$PYTHON" -c "print(f'{$keras_seconds / 5:.2f}')") s)"

echo
log "Detection: held-out normal rows and every fraud row (evaluate), beside the original model"
node "$cli" evaluate --original-data "$data" --no-ablations
