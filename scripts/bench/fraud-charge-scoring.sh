#!/usr/bin/env bash
# What fraud scoring adds to one charge (not a test): a fresh PostgreSQL database migrated by the
# backend and filled by generate_demo_transactions (USERS buyers), a model trained on it by the
# committed fraud-scan CLI, then ATTEMPTS of its rows scored as new attempts at checkout would be
# (unsaved, counted into their own aggregates), timed two ways: the model alone (featurize with
# the aggregates already read, encode, forward pass, calibrated score, drivers) and with its
# aggregate query.
#
#   bash scripts/bench/fraud-charge-scoring.sh      # USERS=2000 ATTEMPTS=3000 EPOCHS=20
#
# Prints p50/p99/max per charge for both, the table's size and the load average. Goal (issue 16):
# p99 <= 1 ms for the model, <= 5 ms with its queries.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
cd "$REPO_ROOT"

ensure_backend_venv
ensure_postgres
bin="$REPO_ROOT/.venv/bin"
unset DJANGO_SETTINGS_MODULE DJANGO_ENV DB_HOST
USERS="${USERS:-2000}"
ATTEMPTS="${ATTEMPTS:-3000}"
EPOCHS="${EPOCHS:-20}"

bench_database bench_fraud_charge
export DJANGO_ENV=development LOG_LEVEL=WARNING

(cd app/backend && "$bin/python" manage.py migrate --no-input -v 0 &&
  "$bin/python" manage.py generate_demo_transactions --seed 1 --users "$USERS" --until 2026-06-15T12:00:00+00:00)
node actions/fraud-scan/dist/cli.js scan --source postgres --database-url "$DATABASE_URL" --profile transactions \
  --train --epochs "$EPOCHS" --model-output "$work/model.json" --output-dir "$work/report" >/dev/null 2>&1

cd app/backend
ATTEMPTS="$ATTEMPTS" MODEL="$work/model.json" "$bin/python" - <<'PY'
import os
import time

import django

from config.settings_module import default_settings_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_settings_module())
django.setup()

from django.utils import timezone  # noqa: E402

from fraud.features import featurize  # noqa: E402
from fraud.model_file import load_model  # noqa: E402
from fraud.selectors import transaction_aggregates  # noqa: E402
from payments.models import Transaction  # noqa: E402

model = load_model(os.environ["MODEL"])
rows = list(Transaction.objects.order_by("?")[: int(os.environ["ATTEMPTS"])])
for row in rows:  # each as a new attempt made now
    row.pk, row.created_at = None, timezone.now()


def timed(fn):
    times = []
    for row in rows:
        start = time.perf_counter_ns()
        fn(row)
        times.append((time.perf_counter_ns() - start) / 1e6)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99)], times[-1]


aggregates = {id(r): transaction_aggregates(attempt=r) for r in rows}
for _ in range(2):  # warm up, then measure
    model_only = timed(lambda r: model.assess(featurize(r, aggregates[id(r)])))
    with_queries = timed(lambda r: model.assess(featurize(r, transaction_aggregates(attempt=r))))
print(f"table: {Transaction.objects.count()} rows; {len(rows)} attempts; model inputs {model.width}")
for name, (p50, p99, top) in (("model alone", model_only), ("model + aggregate query", with_queries)):
    print(f"{name:>24}: p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {top:.3f} ms")
print("load average:", " ".join(f"{v:.2f}" for v in os.getloadavg()), f"on {os.cpu_count()} CPUs")
PY
