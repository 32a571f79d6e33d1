"""Count payments_transaction's fraud tallies again from the rows (fraud migration 0003), or with
--check only compare. The triggers keep them exact on every write; this is for a table written
with its triggers disabled (a data-only restore with --disable-triggers, a bulk load after
ALTER TABLE ... DISABLE TRIGGER), after which charges would be scored on stale counts.

Writers wait while it runs (the table is locked as the migration's backfill locks it: about 21 s
per 1,000,000 rows on two cores). Exit 1 with --check when the tallies differ from the rows, or
when a tally trigger is disabled; nothing is changed then.
"""

import importlib

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# The statement the triggers run, from the migration that made them (a later migration that changes
# the counting must be the one imported here).
COUNT_ROWS = importlib.import_module("fraud.migrations.0003_key_tallies").COUNT_ROWS
TRIGGERS = ("fraud_tally_insert", "fraud_tally_update", "fraud_tally_delete", "fraud_tally_truncate")

# Rows at zero are kept by the triggers and never made by a count: compare without them.
_KEYS = (
    "SELECT kind, key, attempts, declines, distinct_a, distinct_b FROM {}"
    " WHERE (attempts, declines, distinct_a, distinct_b) <> (0, 0, 0, 0)"
)
_PAIRS = "SELECT kind, key, other, n FROM {} WHERE n <> 0"


class Command(BaseCommand):
    help = "Count the fraud tallies of payments_transaction again from its rows (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 if they differ")

    def handle(self, *args, check: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("the fraud tallies exist on PostgreSQL only (on SQLite scoring counts the attempts)")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'payments_transaction'::regclass"
                # 'O' (origin) and 'A' (always) fire in an ordinary session; 'D' is disabled and 'R'
                # fires only on a logical replica (session_replication_role = replica), so counts kept
                # by either would go stale again at the next write. The nightly scan trusts the
                # tallies on the same two states (actions/fraud-scan/src/features/tallies.ts).
                " AND tgname = ANY(%s) AND tgenabled IN ('O', 'A')",
                [list(TRIGGERS)],
            )
            missing = sorted(set(TRIGGERS) - {name for (name,) in cursor.fetchall()})
            if missing:
                raise CommandError(
                    f"tally triggers disabled, replica-only or missing: {', '.join(missing)}; enable them first"
                    " (ALTER TABLE payments_transaction ENABLE TRIGGER <name>), or migrate"
                )
            cursor.execute("LOCK TABLE payments_transaction IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"CREATE TEMP TABLE kept_keys ON COMMIT DROP AS {_KEYS.format('fraud_key_tally')}")
            cursor.execute(f"CREATE TEMP TABLE kept_pairs ON COMMIT DROP AS {_PAIRS.format('fraud_pair_tally')}")
            cursor.execute("DELETE FROM fraud_pair_tally")
            cursor.execute("DELETE FROM fraud_key_tally")
            cursor.execute(COUNT_ROWS.format(changed="SELECT 1 AS s, * FROM payments_transaction"))
            differing = []
            for name, kept, counted in (
                ("keys", "kept_keys", _KEYS.format("fraud_key_tally")),
                ("pairs", "kept_pairs", _PAIRS.format("fraud_pair_tally")),
            ):
                cursor.execute(
                    f"SELECT (SELECT count(*) FROM ({counted} EXCEPT ALL SELECT * FROM {kept}) AS a),"  # noqa: S608
                    f" (SELECT count(*) FROM (SELECT * FROM {kept} EXCEPT ALL {counted}) AS b),"
                    f" (SELECT count(*) FROM {kept})"
                )
                wrong, stale, total = cursor.fetchone()
                differing.append((name, wrong, stale, total))
            summary = "; ".join(
                f"{name}: {total} kept, {wrong} missing or wrong, {stale} stale"
                for name, wrong, stale, total in differing
            )
            drift = any(wrong or stale for _, wrong, stale, _ in differing)
            if check:
                transaction.set_rollback(True)
                if drift:
                    raise CommandError(
                        f"the fraud tallies differ from payments_transaction ({summary}); run without --check"
                    )
                self.stdout.write(f"the fraud tallies match payments_transaction ({summary})")
                return
        self.stdout.write(f"recounted the fraud tallies from payments_transaction ({summary})")
