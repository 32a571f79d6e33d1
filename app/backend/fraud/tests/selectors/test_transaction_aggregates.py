"""The attempt's cross-row aggregates: an attempt about to be recorded gets the counts the scan
would give its row once written, and each part of the query reads an index, not the table."""

import dataclasses
import random
from datetime import timedelta

import pytest
from django.db import connection

from account.tests.factories import UserFactory
from fraud.selectors import aggregate_query, transaction_aggregates
from fraud.tests.attempts import AT, attempt
from payments.models import Transaction

pytestmark = pytest.mark.django_db


def test_an_unsaved_attempt_counts_as_its_saved_row_does():
    ada, bob = UserFactory(), UserFactory()
    history = [
        attempt(ada, "c1", "198.51.100.1", "GB"),
        attempt(ada, "c2", "198.51.100.2", "FR", status="declined", at=AT - timedelta(minutes=20)),
        attempt(bob, "c1", "198.51.100.2", "fr", at=AT - timedelta(days=2)),
        attempt(bob, "", None, ""),
    ]
    Transaction.objects.bulk_create(history)
    for new in [
        attempt(ada, "c1", "198.51.100.1", "FR"),
        attempt(ada, "c3", "198.51.100.9", "DE", status="declined"),
        attempt(bob, "c2", "198.51.100.1", "GB", at=AT + timedelta(hours=1)),
        attempt(None, "c1", None, "GB"),
        attempt(UserFactory(), "", None, ""),
    ]:
        before = transaction_aggregates(attempt=new)
        new.save()
        after = transaction_aggregates(attempt=new, in_table=True)
        assert dataclasses.asdict(before) == dataclasses.asdict(after)
        assert before.usual_country == after.usual_country
        new.delete()


@pytest.mark.postgres
def test_every_part_of_the_query_reads_an_index_on_postgresql():
    rng = random.Random(1)
    users = UserFactory.create_batch(50)
    Transaction.objects.bulk_create(
        attempt(
            rng.choice(users),
            f"card{rng.randrange(2000)}",
            f"198.51.{rng.randrange(40)}.{rng.randrange(250)}",
            rng.choice(["GB", "US", "FR"]),
            at=AT - timedelta(minutes=rng.randrange(100_000)),
        )
        for _ in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE payments_transaction")
        sql, params = aggregate_query(attempt=attempt(users[0], "card7", "198.51.3.4", "GB"))
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    for index in ("transaction_user_time_idx", "transaction_client_ip_idx", "payments_transaction_card_fingerprint"):
        assert index in plan, plan
