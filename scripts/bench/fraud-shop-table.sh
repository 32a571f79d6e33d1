#!/usr/bin/env bash
# Detection on the shop's own table, the way the nightly workflow runs (train on the table,
# score it): for several generator seeds, the backend's generate_demo_transactions fills a
# throw-away PostgreSQL database (ordinary buyers plus planted card testing, many cards and
# country hopping, tagged in gateway_reference), the committed CLI scans it with each
# threshold method, and the flagged share per pattern is printed. Training uses the defaults
# the nightly workflow uses (100 epochs at most, early stopping with patience 10).
#   bash scripts/bench/fraud-shop-table.sh [SEEDS (default "1 2 3 4 7")]
#   FRAUD_SHOP_VARIANTS="robust,trim empirical,no-trim" FRAUD_SHOP_UNTIL=2026-06-15T12:00:00+00:00
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ensure_npm
ensure_backend_venv
ensure_postgres
seeds="${1:-1 2 3 4 7}"
# A fixed end of history, so a seed gives the same table at any time (the hour of day is a feature).
until="${FRAUD_SHOP_UNTIL:-2026-06-15T12:00:00+00:00}"
work="$(mktemp -d /tmp/fraud-shop.XXXXXX)"
db="fraud_shop_bench_$$"
trap 'psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; rm -rf "$work"' EXIT
[ -f "$REPO_ROOT/actions/fraud-scan/dist/cli.js" ] || node "$REPO_ROOT/scripts/build-actions.mjs" fraud-scan
url="postgres://$PGUSER@$PGHOST:$PGPORT/$db"

printf '%-5s %-18s %10s %22s %14s %14s %14s\n' seed "threshold,trim" threshold "normal flagged" card_testing many_cards country_hop
for seed in $seeds; do
  PGOPTIONS="-c client_min_messages=warning" psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  (cd "$REPO_ROOT/app/backend" && DATABASE_URL="$url" DJANGO_ENV=development LOG_LEVEL=WARNING \
    "$REPO_ROOT/.venv/bin/python" manage.py migrate --no-input -v 0 &&
    DATABASE_URL="$url" DJANGO_ENV=development LOG_LEVEL=WARNING \
      "$REPO_ROOT/.venv/bin/python" manage.py generate_demo_transactions --seed "$seed" --users 300 --until "$until" >/dev/null)
  for variant in ${FRAUD_SHOP_VARIANTS:-robust,trim empirical,trim robust,no-trim empirical,no-trim}; do
    method="${variant%,*}"
    out="$work/$seed-$method-${variant#*,}"
    node "$REPO_ROOT/actions/fraud-scan/dist/cli.js" --source postgres --database-url "$url" --train \
      --threshold-method "$method" "--${variant#*,}" --output-dir "$out" --model-output "$out/model.json" \
      >"$out.log" 2>&1 || { cat "$out.log"; exit 1; }
    threshold="$(awk '/^fraud_scan_threshold/ {print $2}' "$out/fraud_scan.prom")"
    cut -d, -f1 "$out/flagged.csv" | tail -n +2 >"$out/ids"
    psql -q -d "$db" -At -F ' ' -v ON_ERROR_STOP=1 <<SQL >"$out/figures"
CREATE TEMP TABLE flagged (id bigint);
\copy flagged FROM '$out/ids'
SELECT p, count(f.id) || '/' || count(*)
FROM (SELECT id, substring(gateway_reference FROM '^demo_(.*)_[0-9]+\$') AS p FROM payments_transaction) t
LEFT JOIN flagged f USING (id) GROUP BY p ORDER BY p;
SQL
    get() { awk -v p="$1" '$1 == p {print $2}' "$out/figures"; }
    printf '%-5s %-18s %10.4f %22s %14s %14s %14s\n' "$seed" "$variant" "$threshold" \
      "$(get normal)" "$(get card_testing)" "$(get many_cards)" "$(get country_hop)"
  done
done
