"""Running counts of payments_transaction per key (fraud.models.KeyTally, PairTally), kept by
statement triggers on PostgreSQL so that every way a row is written (checkout, the admin, bulk
loads, a user deleted and their attempts set to no user) keeps them exact, in the writer's own
transaction. The backfill counts the rows already there with the table locked against writers,
so no row is counted twice or missed. SQLite (local use) has no triggers here: scoring reads the
attempts themselves there (fraud/selectors.py).

One statement (COUNT_ROWS, also run by `manage.py fraud_recount_tallies`) counts a set of changed
rows, each with a sign (+1 inserted, -1 deleted, an update is both): the pairs first, then the
keys, with the distinct counts moving where a pair appears or disappears. Rows are upserted in key order, so concurrent statements lock shared keys in one order.
"""

from django.db import migrations, models

# The keys of a row, with the scan's expressions (actions/fraud-scan/src/features/aggregates.ts).
_KEYED = """
  SELECT s,
    CAST(user_id AS TEXT) AS u,
    NULLIF(trim(CAST(card_fingerprint AS TEXT)), '') AS c,
    NULLIF(trim(CAST(client_ip AS TEXT)), '') AS ip,
    NULLIF(upper(trim(CAST(billing_country AS TEXT))), '') AS country,
    CASE WHEN coalesce(lower(trim(CAST(status AS TEXT))), '') NOT IN ('', 'succeeded') THEN 1 ELSE 0 END AS d,
    CAST(CAST(floor(extract(epoch FROM created_at) / 3600) AS BIGINT) AS TEXT) AS h
  FROM changed"""

COUNT_ROWS = (
    "WITH changed AS ({changed}),\n"
    "keyed AS (" + _KEYED + "),\n"
    """pair_delta AS (
  SELECT 0 AS kind, u AS key, c AS other, sum(s) AS n FROM keyed WHERE u IS NOT NULL AND c IS NOT NULL GROUP BY u, c
  UNION ALL SELECT 1, u, ip, sum(s) FROM keyed WHERE u IS NOT NULL AND ip IS NOT NULL GROUP BY u, ip
  UNION ALL SELECT 2, u, country, sum(s) FROM keyed WHERE u IS NOT NULL AND country IS NOT NULL GROUP BY u, country
  UNION ALL SELECT 3, c, h, sum(s) FROM keyed WHERE c IS NOT NULL AND h IS NOT NULL GROUP BY c, h
),
pairs AS (
  INSERT INTO fraud_pair_tally AS t (kind, key, other, n)
  SELECT kind, key, other, n FROM pair_delta WHERE n <> 0 ORDER BY kind, key, other
  ON CONFLICT (kind, key, other) DO UPDATE SET n = t.n + EXCLUDED.n
  RETURNING t.kind, t.key, t.other, t.n
),
turned AS (
  SELECT p.kind, p.key, p.other, CAST(p.n > 0 AS INTEGER) - CAST(p.n - d.n > 0 AS INTEGER) AS turn
  FROM pairs p JOIN pair_delta d USING (kind, key, other)
),
key_delta AS (
  SELECT 0 AS kind, u AS key, sum(s) AS attempts, sum(s * d) AS declines, 0 AS a, 0 AS b FROM keyed WHERE u IS NOT NULL GROUP BY u
  UNION ALL SELECT 1, c, sum(s), sum(s * d), 0, 0 FROM keyed WHERE c IS NOT NULL GROUP BY c
  UNION ALL SELECT 2, ip, sum(s), sum(s * d), 0, 0 FROM keyed WHERE ip IS NOT NULL GROUP BY ip
  UNION ALL SELECT 0, key, 0, 0, turn, 0 FROM turned WHERE kind = 0 AND turn <> 0
  UNION ALL SELECT 0, key, 0, 0, 0, turn FROM turned WHERE kind = 1 AND turn <> 0
  UNION ALL SELECT 1, other, 0, 0, turn, 0 FROM turned WHERE kind = 0 AND turn <> 0
  UNION ALL SELECT 2, other, 0, 0, turn, 0 FROM turned WHERE kind = 1 AND turn <> 0
)
INSERT INTO fraud_key_tally AS t (kind, key, attempts, declines, distinct_a, distinct_b)
SELECT kind, key, sum(attempts), sum(declines), sum(a), sum(b) FROM key_delta GROUP BY kind, key
HAVING sum(attempts) <> 0 OR sum(declines) <> 0 OR sum(a) <> 0 OR sum(b) <> 0
ORDER BY kind, key
ON CONFLICT (kind, key) DO UPDATE SET attempts = t.attempts + EXCLUDED.attempts,
  declines = t.declines + EXCLUDED.declines, distinct_a = t.distinct_a + EXCLUDED.distinct_a,
  distinct_b = t.distinct_b + EXCLUDED.distinct_b"""
)

# An update counts only when a column a key or count reads changed (a score written later does not).
_COUNTED = "user_id, card_fingerprint, client_ip, billing_country, status, created_at"
_UPDATED = (
    "SELECT -1 AS s, o.* FROM old_rows o JOIN new_rows n USING (id)"
    " WHERE ({old}) IS DISTINCT FROM ({new})"
    " UNION ALL SELECT 1 AS s, n.* FROM old_rows o JOIN new_rows n USING (id)"
    " WHERE ({old}) IS DISTINCT FROM ({new})"
).format(
    old=", ".join(f"o.{c}" for c in _COUNTED.split(", ")), new=", ".join(f"n.{c}" for c in _COUNTED.split(", "))
)
_TRIGGERS = {
    "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows", "SELECT 1 AS s, * FROM new_rows"),
    "update": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", _UPDATED),
    "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows", "SELECT -1 AS s, * FROM old_rows"),
}

FORWARD = [
    "LOCK TABLE payments_transaction IN SHARE ROW EXCLUSIVE MODE",
    COUNT_ROWS.format(changed="SELECT 1 AS s, * FROM payments_transaction"),
    *(
        f"CREATE FUNCTION fraud_tally_{name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{COUNT_ROWS.format(changed=changed)};\nRETURN NULL;\nEND\n$$"
        for name, (_, _, changed) in _TRIGGERS.items()
    ),
    *(
        f"CREATE TRIGGER fraud_tally_{name} AFTER {event} ON payments_transaction {transition}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION fraud_tally_{name}()"
        for name, (event, transition, _) in _TRIGGERS.items()
    ),
    # TRUNCATE fires no row-set trigger; DELETE, not TRUNCATE, since a flush truncates these too.
    "CREATE FUNCTION fraud_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\nDELETE FROM fraud_pair_tally;\nDELETE FROM fraud_key_tally;\nRETURN NULL;\nEND\n$$",
    "CREATE TRIGGER fraud_tally_truncate AFTER TRUNCATE ON payments_transaction"
    " FOR EACH STATEMENT EXECUTE FUNCTION fraud_tally_truncate()",
]
BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS fraud_tally_{name} ON payments_transaction" for name in [*_TRIGGERS, "truncate"]),
    *(f"DROP FUNCTION IF EXISTS fraud_tally_{name}()" for name in [*_TRIGGERS, "truncate"]),
]


def _run(statements: list[str]):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('fraud', '0002_training_upload_and_retraining_status'),
        ('payments', '0002_transaction_fraud_verdict'),
    ]

    operations = [
        migrations.CreateModel(
            name='KeyTally',
            fields=[
                ('pk', models.CompositePrimaryKey('kind', 'key', blank=True, editable=False, primary_key=True, serialize=False)),
                ('kind', models.SmallIntegerField(choices=[(0, 'User'), (1, 'Card'), (2, 'Ip')])),
                ('key', models.TextField()),
                ('attempts', models.BigIntegerField()),
                ('declines', models.BigIntegerField()),
                ('distinct_a', models.BigIntegerField()),
                ('distinct_b', models.BigIntegerField()),
            ],
            options={
                'db_table': 'fraud_key_tally',
            },
        ),
        migrations.CreateModel(
            name='PairTally',
            fields=[
                ('pk', models.CompositePrimaryKey('kind', 'key', 'other', blank=True, editable=False, primary_key=True, serialize=False)),
                ('kind', models.SmallIntegerField(choices=[(0, 'User Card'), (1, 'User Ip'), (2, 'User Country'), (3, 'Card Hour')])),
                ('key', models.TextField()),
                ('other', models.TextField()),
                ('n', models.BigIntegerField()),
            ],
            options={
                'db_table': 'fraud_pair_tally',
            },
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
