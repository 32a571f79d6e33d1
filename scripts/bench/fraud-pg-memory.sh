#!/usr/bin/env bash
# Peak memory of a scan reading payments_transaction from PostgreSQL (its rows with their
# aggregates, streamed as the scan takes them): 1,000,000 rows against a 100,000-row baseline in
# the same run (flat memory means the ratio stays near 1 while the rows grow tenfold). A
# throw-away database, filled with generate_series, dropped at the end.
#   bash scripts/bench/fraud-pg-memory.sh [ROWS] [BASELINE_ROWS]
#   FRAUD_SCAN_CLI=path/to/cli.js measures another build (a worktree of an older commit).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ensure_npm
ensure_apt time
ensure_postgres
rows="${1:-1000000}"
base_rows="${2:-100000}"
db="fraud_bench_$$"
work="$(mktemp -d /tmp/fraud-bench.XXXXXX)"
trap 'psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; rm -rf "$work"' EXIT
cli="${FRAUD_SCAN_CLI:-$REPO_ROOT/actions/fraud-scan/dist/cli.js}"
[ -f "$cli" ] || node "$REPO_ROOT/scripts/build-actions.mjs" fraud-scan
psql -q -d postgres -c "CREATE DATABASE $db" >/dev/null
url="postgres://$PGUSER@$PGHOST:$PGPORT/$db"

fill() { # fill N: a payments_transaction of N synthetic attempts (some users, cards, IPs reused)
  psql -q -v ON_ERROR_STOP=1 -d "$db" <<SQL >/dev/null
DROP TABLE IF EXISTS payments_transaction;
CREATE TABLE payments_transaction AS
SELECT g::bigint AS id,
       timestamptz '2026-01-01' + (g * interval '2 seconds') AS created_at,
       (g % ($1 / 3 + 1))::bigint AS user_id,
       NULL::bigint AS order_id,
       round((5 + (g::bigint * 7919 % 20000) / 100.0)::numeric, 2) AS amount,
       'usd'::varchar(3) AS currency,
       CASE WHEN g % 29 = 0 THEN 'declined' ELSE 'succeeded' END::varchar(16) AS status,
       CASE WHEN g % 29 = 0 THEN 'card_declined' ELSE '' END::varchar(64) AS decline_code,
       ''::varchar(255) AS decline_reason,
       md5((g % ($1 / 2 + 1))::text) AS card_fingerprint,
       (ARRAY['visa','mastercard','amex','discover'])[1 + g % 4]::varchar(16) AS card_brand,
       lpad((g % 10000)::text, 4, '0')::varchar(4) AS card_last4,
       (1 + g % 12)::smallint AS card_exp_month,
       (2027 + g % 6)::smallint AS card_exp_year,
       'Austin'::varchar(120) AS billing_city, 'TX'::varchar(120) AS billing_state,
       '73301'::varchar(20) AS billing_postal_code, 'US'::varchar(2) AS billing_country,
       ('10.' || (g % 250) || '.' || (g / 250 % 250) || '.1')::varchar(45) AS client_ip,
       'offline'::varchar(16) AS gateway, ''::varchar(255) AS gateway_reference
FROM generate_series(1, $1) AS g;
ALTER TABLE payments_transaction ADD PRIMARY KEY (id);
SQL
}

scan() { # scan LABEL: peak RSS (kB) and seconds of a full scan with the model trained earlier
  # --full-scan: training left a watermark at the table's last row, after which an ordinary run
  # reads only newer rows (the baseline would read none, the refilled table only its new ids).
  /usr/bin/time -f '%M %e' -o "$work/$1.time" node "$cli" \
    --source postgres --database-url "$url" --model "$work/model.json" --output-dir "$work/$1" \
    --batch-size 5000 --full-scan >"$work/$1.log" 2>&1 || { cat "$work/$1.log"; exit 1; }
  grep -q "Scanned every row" "$work/$1/summary.md" || { echo "the $1 scan did not read every row" >&2; exit 1; }
  read -r kb secs <"$work/$1.time"
  echo "$kb $secs"
}

log "Training a model on $base_rows rows"
fill "$base_rows"
node "$cli" --source postgres --database-url "$url" --train \
  --epochs 5 --max-training-rows 20000 --model-output "$work/model.json" --output-dir "$work/train" >/dev/null 2>&1
read -r base_kb base_s < <(scan base)
log "Scanning $rows rows"
fill "$rows"
read -r big_kb big_s < <(scan big)
awk -v br="$base_rows" -v bk="$base_kb" -v bs="$base_s" -v r="$rows" -v k="$big_kb" -v s="$big_s" 'BEGIN {
  printf "%-28s %12s %10s %14s\n", "rows", "peak RSS MB", "seconds", "rows/s"
  printf "%-28s %12.1f %10.1f %14.0f\n", br " (baseline)", bk / 1024, bs, br / bs
  printf "%-28s %12.1f %10.1f %14.0f\n", r, k / 1024, s, r / s
  printf "memory ratio %s / %s rows: %.2fx for %.0fx the rows\n", r, br, k / bk, r / br
}'
