#!/usr/bin/env bash
# Scanning payments_transaction from PostgreSQL with the CLI end to end (process start, model
# load, the query with its cross-row aggregates, features, scoring, reports), beside the model
# alone (bench-throughput's baseline) measured in the same run, each line with the load average:
#  1. full scans of FULL_ROWS-row tables: seconds, rows/s, peak RSS and the fixed start-up (a
#     scan that reads no rows);
#  2. a night's cost of an incremental scan (only the rows since the watermark, aggregates over
#     WINDOW before them) on tables of TOTALS rows, for each count of NEW_ROWS.
# A throw-away database, filled with generate_series (one attempt every 2 seconds, the shop's
# indexes), dropped at the end.
#   bash scripts/bench/fraud-pg-incremental.sh ["TOTALS"] ["NEW_ROWS"] [WINDOW] ["FULL_ROWS"]
#   e.g. bash scripts/bench/fraud-pg-incremental.sh "100000 400000" "5000 20000" 1d "200000 1000000"
#   FULL_ROWS "" skips the full scans. FRAUD_SCAN_CLI=path/to/cli.js measures another build (a
#   worktree of an older commit), so two builds can be compared back to back. BASELINE_CLI=path
#   runs that build's full scan right after this one's on the same table, FULL_REPEATS times
#   (default 1), alternating: on a machine whose speed drifts, the fairest comparison.
#   SHOP_TABLE=1: the table as the shop has it, made by the backend's migrations, with its running
#   counts per key kept by their triggers (fraud migration 0003): a night whose window is the
#   whole table (WINDOW all) reads them instead of grouping the table. The attempts' user ids are
#   not accounts here, so that one foreign key is dropped. Filling takes longer: the triggers
#   count every row as it is inserted.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
ensure_npm
ensure_apt time
ensure_postgres
totals="${1:-100000 400000}"
news="${2:-5000 20000}"
window="${3:-1d}"
fulls="${4-200000 1000000}"
db="fraud_incr_$$"
work="$(mktemp -d /tmp/fraud-incr.XXXXXX)"
trap 'psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; rm -rf "$work"' EXIT
cli="${FRAUD_SCAN_CLI:-$REPO_ROOT/actions/fraud-scan/dist/cli.js}"
[ -f "$cli" ] || node "$REPO_ROOT/scripts/build-actions.mjs" fraud-scan
psql -q -d postgres -c "CREATE DATABASE $db" >/dev/null
url="postgres://$PGUSER@$PGHOST:$PGPORT/$db"

rows_sql() { # rows_sql FROM TO: attempts FROM..TO (ids and times continue the series)
  cat <<SQL
SELECT g::bigint AS id,
       timestamptz '2026-01-01' + (g * interval '2 seconds') AS created_at,
       (g % 33334)::bigint AS user_id, NULL::bigint AS order_id,
       round((5 + (g::bigint * 7919 % 20000) / 100.0)::numeric, 2) AS amount,
       'usd'::varchar(3) AS currency,
       CASE WHEN g % 29 = 0 THEN 'declined' ELSE 'succeeded' END::varchar(16) AS status,
       CASE WHEN g % 29 = 0 THEN 'card_declined' ELSE '' END::varchar(64) AS decline_code,
       ''::varchar(255) AS decline_reason,
       md5((g % 50001)::text)::varchar(64) AS card_fingerprint,
       (ARRAY['visa','mastercard','amex','discover'])[1 + g % 4]::varchar(16) AS card_brand,
       lpad((g % 10000)::text, 4, '0')::varchar(4) AS card_last4,
       (1 + g % 12)::smallint AS card_exp_month, (2027 + g % 6)::smallint AS card_exp_year,
       'Austin'::varchar(120) AS billing_city, 'TX'::varchar(120) AS billing_state,
       '73301'::varchar(20) AS billing_postal_code, 'US'::varchar(2) AS billing_country,
       ('10.' || (g % 250) || '.' || (g / 250 % 250) || '.1')::varchar(45) AS client_ip,
       'offline'::varchar(16) AS gateway, ''::varchar(255) AS gateway_reference
FROM generate_series($1, $2) AS g
SQL
}

# The generated attempts in the shop's own table (its column types), counted by its triggers.
shop_insert() { # shop_insert FROM TO
  cat <<SQL
INSERT INTO payments_transaction (id, created_at, user_id, order_id, amount, currency, status, decline_code,
  decline_reason, card_fingerprint, card_brand, card_last4, card_exp_month, card_exp_year, billing_city,
  billing_state, billing_postal_code, billing_country, client_ip, gateway, gateway_reference)
SELECT id, created_at, user_id, order_id, amount, currency, status, decline_code, decline_reason,
  card_fingerprint, card_brand, card_last4, card_exp_month, card_exp_year, billing_city, billing_state,
  billing_postal_code, billing_country, client_ip::inet, gateway, gateway_reference
FROM ($(rows_sql "$1" "$2")) AS g
SQL
}

if [ "${SHOP_TABLE:-0}" = 1 ]; then
  ensure_backend_venv
  (cd "$REPO_ROOT/app/backend" && DATABASE_URL="$url" DJANGO_ENV=development LOG_LEVEL=WARNING \
    "$REPO_ROOT/.venv/bin/python" manage.py migrate --no-input -v 0)
  psql -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL
DO \$\$ DECLARE fk text; BEGIN
  SELECT conname INTO fk FROM pg_constraint WHERE conrelid = 'payments_transaction'::regclass
    AND contype = 'f' AND conkey = ARRAY[(SELECT attnum FROM pg_attribute
      WHERE attrelid = 'payments_transaction'::regclass AND attname = 'user_id')];
  EXECUTE format('ALTER TABLE payments_transaction DROP CONSTRAINT %I', fk);
END \$\$;
SQL
fi

fill() { # fill TOTAL: a fresh table of TOTAL attempts, indexed as the shop's migrations index it
  if [ "${SHOP_TABLE:-0}" = 1 ]; then
    # TRUNCATE empties the running counts too (its trigger). The triggers update a count for
    # every row inserted, leaving the count tables full of dead row versions that autovacuum
    # clears in the minutes after; VACUUM clears them now, as a shop's tables are between
    # payments (a 1,000,000-row full scan took 12.8 s right after the fill, 10.8 s after it).
    psql -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL
TRUNCATE payments_transaction;
$(shop_insert 1 "$1");
VACUUM (ANALYZE) payments_transaction, fraud_key_tally, fraud_pair_tally;
SQL
    return
  fi
  psql -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL
DROP TABLE IF EXISTS payments_transaction;
CREATE TABLE payments_transaction AS $(rows_sql 1 "$1");
ALTER TABLE payments_transaction ADD PRIMARY KEY (id);
CREATE INDEX ON payments_transaction (created_at);
CREATE INDEX ON payments_transaction (card_fingerprint);
CREATE INDEX ON payments_transaction (user_id, created_at);
CREATE INDEX ON payments_transaction (client_ip);
ANALYZE payments_transaction;
SQL
}

scan() { # scan LABEL ARGS...: "seconds rows flagged" of one CLI scan
  local started ended
  started=$(date +%s.%N)
  node "$cli" --source postgres --database-url "$url" --model "$work/model.json" \
    --output-dir "$work/$1" --aggregate-window "$window" "${@:2}" >"$work/$1.log" 2>&1 ||
    { cat "$work/$1.log"; exit 1; }
  ended=$(date +%s.%N)
  echo "$(echo "$ended - $started" | bc) $(counts "$work/$1.log")"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
# counts LOG: "scanned flagged" from the CLI's summary line (a flagged row costs more: drivers,
# report line, issue cluster; a model trained on another table's counts flags many).
counts() { sed -n 's/^Scanned \([0-9]*\) rows: .* \([0-9]*\) above the threshold.*/\1 \2/p' "$1"; }

first_total="${totals%% *}"
train() { # train MODEL: a model of the table as it is (5 epochs on a 20,000-row sample)
  node "$cli" --source postgres --database-url "$url" --train --epochs 5 --max-training-rows 20000 \
    --model-output "$1" --output-dir "$work/train" --since 2100-01-01 >/dev/null 2>&1
}
model_only=$(node "$cli" bench-throughput --rows 50000 --batch-size 5000 |
  sed -n 's/^baseline, model only.*: \([0-9]*\) rows\/s.*/\1/p')

if [ -n "$fulls" ]; then
  # "less empty": rows/s once the cost of the same CLI run reading no rows is taken off.
  printf '%-13s %8s %8s %10s %8s %11s %10s %14s  %s\n' "full scan" "flagged" "seconds" \
    "rows/s" "RSS MB" "empty run s" "less empty" "model alone" "load average"
  for rows in $fulls; do
    fill "$rows"
    # Trained on this table, as the weekly training would be: a model of another table's
    # counts flags most rows, and a flagged row costs far more than a scored one.
    train "$work/model.json"
    rm -f "$work/model.watermark.json"
    # The fixed cost: the same CLI run reading no rows (a window that begins after the table).
    read -r fixed _ _ < <(scan empty --since 2100-01-01)
    for _ in $(seq "${FULL_REPEATS:-1}"); do
      for build in "$cli" ${BASELINE_CLI:+"$BASELINE_CLI"}; do
        rm -f "$work/model.watermark.json"
        started=$(date +%s.%N)
        /usr/bin/time -f '%M' -o "$work/full-$rows.rss" node "$build" --source postgres \
          --database-url "$url" --model "$work/model.json" --output-dir "$work/full-$rows" \
          --full-scan >"$work/full-$rows.log" 2>&1 || { cat "$work/full-$rows.log"; exit 1; }
        secs=$(echo "$(date +%s.%N) - $started" | bc)
        read -r scanned flagged < <(counts "$work/full-$rows.log")
        label=$scanned
        [ -n "${BASELINE_CLI:-}" ] && label="$scanned$([ "$build" = "$cli" ] && echo " this" || echo " base")"
        printf '%-13s %8s %8.2f %10.0f %8.0f %11.2f %10.0f %14s  %s\n' "$label" "$flagged" "$secs" \
          "$(echo "$scanned / $secs" | bc -l)" "$(echo "$(cat "$work/full-$rows.rss") / 1024" | bc -l)" \
          "$fixed" "$(echo "$scanned / ($secs - $fixed)" | bc -l)" "$model_only" "$(load)"
      done
    done
  done
  echo
fi

log "Training a model on $first_total rows"
fill "$first_total"
train "$work/model.json"
printf '%-12s %-10s %10s %8s %10s %12s %14s  %s\n' "table rows" "new rows" "scanned" "flagged" "seconds" "rows/s" "model alone" "load average"
for total in $totals; do
  for new in $news; do
    fill "$total"
    # The watermark at the table's last row: a --since scan of its last hour (the overlap
    # margin), from no watermark (a mark never moves back, and the table was just refilled).
    rm -f "$work/model.watermark.json"
    scan mark --since "$(psql -Atq -d "$db" -c "SELECT to_char((max(created_at) - interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM payments_transaction")" >/dev/null
    if [ "${SHOP_TABLE:-0}" = 1 ]; then
      psql -q -v ON_ERROR_STOP=1 -d "$db" -c "$(shop_insert "$((total + 1))" "$((total + new))")" >/dev/null
    else
      psql -q -v ON_ERROR_STOP=1 -d "$db" -c "INSERT INTO payments_transaction $(rows_sql "$((total + 1))" "$((total + new))")" >/dev/null
    fi
    read -r secs scanned flagged < <(scan "night-$total-$new")
    printf '%-12s %-10s %10s %8s %10.2f %12.0f %14s  %s\n' "$total" "$new" "$scanned" "$flagged" "$secs" \
      "$(echo "$scanned / $secs" | bc -l)" "$model_only" "$(load)"
  done
done
