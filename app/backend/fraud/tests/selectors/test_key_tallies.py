"""The running counts PostgreSQL keeps per key (fraud migration 0003's triggers) against the scan's
definition, recounted here from the rows in Python: after inserts one by one and in bulk, updates
of every counted column (and of one no key reads), a user deleted (their attempts set to no user),
deletes, TRUNCATE, concurrent writers, and the backfill of a table that already has rows; the
recount that repairs tallies a write without triggers left stale. And a charge's scoring reads the
tallies, never the attempts."""

import dataclasses
import io
import math
import random
import threading
from collections import Counter, defaultdict
from datetime import timedelta
from ipaddress import ip_interface
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from account.tests.factories import UserFactory
from fraud.models import KeyTally, PairTally
from fraud.selectors import transaction_aggregates
from fraud.tests.attempts import AT, attempt
from payments.models import Transaction

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
# Values the scan normalizes: padded and empty keys, countries in any case, statuses in any case.
CARDS = ["c1", "c2", " c1 ", "c3", "", "   "]
IPS = ["198.51.100.1", "198.51.100.2", "2001:db8::7", None]
COUNTRIES = ["GB", "gb", "Fr", " F", "", "  "]  # two characters at most
STATUSES = ["succeeded", " Succeeded ", "declined", "error", "", "rejected"]


def random_attempt(rng: random.Random, users) -> Transaction:
    return attempt(
        rng.choice([*users, None]),
        rng.choice(CARDS),
        rng.choice(IPS),
        rng.choice(COUNTRIES),
        rng.choice(STATUSES),
        AT + timedelta(minutes=rng.randrange(-600, 600)),
    )


def recounted() -> tuple[dict[tuple[int, str], tuple[int, int, int, int]], dict[tuple[int, str, str], int]]:
    """The scan's counts of the table as it is (SQL trim: spaces only; an inet printed with its mask)."""
    keys: dict[tuple[int, str], list[Any]] = defaultdict(lambda: [0, 0, set(), set()])
    pairs: Counter[tuple[int, str, str]] = Counter()
    columns = ("user_id", "card_fingerprint", "client_ip", "billing_country", "status", "created_at")
    for user_id, card, ip, country, status, at in Transaction.objects.values_list(*columns):
        user = None if user_id is None else str(user_id)
        card = card.strip(" ") or None
        ip = None if ip is None else str(ip_interface(ip))
        country = country.strip(" ").upper() or None
        declined = int(status.strip(" ").lower() not in ("", "succeeded"))
        hour = str(math.floor(at.timestamp() / 3600))
        for kind, key in ((0, user), (1, card), (2, ip)):
            if key is not None:
                keys[kind, key][0] += 1
                keys[kind, key][1] += declined
        if user is not None and card is not None:
            keys[0, user][2].add(card)
            keys[1, card][2].add(user)
            pairs[0, user, card] += 1
        if user is not None and ip is not None:
            keys[0, user][3].add(ip)
            keys[2, ip][2].add(user)
            pairs[1, user, ip] += 1
        if user is not None and country is not None:
            pairs[2, user, country] += 1
        if card is not None:
            pairs[3, card, hour] += 1
    return {k: (v[0], v[1], len(v[2]), len(v[3])) for k, v in keys.items()}, dict(pairs)


def kept() -> tuple[dict[tuple[int, str], tuple[int, int, int, int]], dict[tuple[int, str, str], int]]:
    """The tallies, without the rows left at zero."""
    keys = {
        (t.kind, t.key): (t.attempts, t.declines, t.distinct_a, t.distinct_b)
        for t in KeyTally.objects.all()
        if (t.attempts, t.declines, t.distinct_a, t.distinct_b) != (0, 0, 0, 0)
    }
    pairs = {(p.kind, p.key, p.other): p.n for p in PairTally.objects.all() if p.n != 0}
    return keys, pairs


def assert_tallies_match_the_table() -> None:
    assert kept() == recounted()


def test_tallies_follow_every_kind_of_write():
    rng = random.Random(7)
    users = UserFactory.create_batch(4)
    Transaction.objects.bulk_create(random_attempt(rng, users) for _ in range(300))  # one statement
    assert_tallies_match_the_table()
    for _ in range(30):
        random_attempt(rng, users).save()
    assert_tallies_match_the_table()

    ids = list(Transaction.objects.values_list("pk", flat=True))
    Transaction.objects.filter(pk__in=rng.sample(ids, 60)).update(status="declined")
    Transaction.objects.filter(pk__in=rng.sample(ids, 40)).update(status=" SUCCEEDED")
    Transaction.objects.filter(pk__in=rng.sample(ids, 40)).update(card_fingerprint="c9", billing_country="de")
    Transaction.objects.filter(pk__in=rng.sample(ids, 40)).update(client_ip="203.0.113.5", user=users[1])
    Transaction.objects.filter(pk__in=rng.sample(ids, 40)).update(created_at=AT + timedelta(days=3))
    assert_tallies_match_the_table()

    before = kept()
    Transaction.objects.update(fraud_score=1.5, fraud_threshold=3.0)  # no key or count reads these
    assert kept() == before

    users[2].delete()  # SET NULL: the user's attempts stay, counted under no user
    assert_tallies_match_the_table()
    Transaction.objects.filter(pk__in=rng.sample(ids, 100)).delete()
    assert_tallies_match_the_table()

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending foreign-key checks
        cursor.execute("TRUNCATE payments_transaction")
    assert kept() == ({}, {})
    random_attempt(rng, users).save()
    assert_tallies_match_the_table()


def test_scoring_from_the_tallies_gives_what_counting_the_attempts_gives():
    rng = random.Random(3)
    users = UserFactory.create_batch(5)
    # Clean keys only: counting the attempts matches a card by equality, not trimmed as the scan does.
    clean = {"cards": ["c1", "c2", "c3", ""], "countries": ["GB", "gb", "US", "FR", ""]}
    rows = [
        attempt(
            rng.choice([*users, None]),
            rng.choice(clean["cards"]),
            rng.choice(IPS),
            rng.choice(clean["countries"]),
            rng.choice(STATUSES),
            AT + timedelta(minutes=rng.randrange(-300, 300)),
        )
        for _ in range(400)
    ]
    Transaction.objects.bulk_create(rows)
    candidates = rows[:60] + [
        attempt(rng.choice([*users, None]), card, ip, "FR", "declined", AT + timedelta(minutes=rng.randrange(-90, 90)))
        for card in ("c1", "c4", "")
        for ip in IPS
    ]
    for candidate in candidates:
        in_table = candidate.pk is not None
        tallied = transaction_aggregates(attempt=candidate, in_table=in_table, from_tallies=True)
        counted = transaction_aggregates(attempt=candidate, in_table=in_table, from_tallies=False)
        assert dataclasses.asdict(tallied) == dataclasses.asdict(counted), candidate.__dict__
        assert tallied.usual_country == counted.usual_country


def test_a_hammered_card_costs_a_charge_no_more_reads():
    """An attacker's 2,001st attempt on a card reads as many rows as a first-time buyer's second."""
    ada, bob = UserFactory(), UserFactory()
    Transaction.objects.bulk_create(attempt(ada, "hammered", status="declined") for _ in range(2000))
    attempt(bob, "fresh", "198.51.100.2").save()
    read = {}
    charges = {"hammered": attempt(ada, "hammered", status="declined"), "fresh": attempt(bob, "fresh", "198.51.100.2")}
    for name, new in charges.items():
        with CaptureQueriesContext(connection) as queries:
            read[name] = transaction_aggregates(attempt=new)
        statements = [q["sql"] for q in queries.captured_queries]
        assert len(statements) == 1 and "fraud_key_tally" in statements[0]
        assert "payments_transaction" not in statements[0]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statements[0]}")
            read[f"{name} rows"] = _rows_read(cursor.fetchone()[0][0]["Plan"])
    hammered = read["hammered"]
    assert (hammered.attempts_per_card, hammered.declines_per_card, hammered.attempts_per_card_hour) == (2001,) * 3
    assert read["fresh"].attempts_per_card == 2
    assert read["hammered rows"] == read["fresh rows"] < 40


def _rows_read(node: dict) -> int:
    """Rows the plan's scan nodes returned (index and heap: the tally rows it touched)."""
    own = node.get("Actual Rows", 0) if "Scan" in node["Node Type"] else 0
    return own + sum(_rows_read(child) for child in node.get("Plans", []))


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_sharing_keys_keep_exact_counts():
    users = UserFactory.create_batch(3)
    errors: list[BaseException] = []

    def write(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(40):
                if rng.random() < 0.2:
                    Transaction.objects.bulk_create(random_attempt(rng, users) for _ in range(5))
                else:
                    random_attempt(rng, users).save()
        except BaseException as error:  # reported below; a deadlock would land here
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Transaction.objects.count() > 240
    assert_tallies_match_the_table()


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_rows_already_there_and_its_reverse_removes_the_triggers():
    rng = random.Random(11)
    users = UserFactory.create_batch(3)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("fraud")
    try:
        executor.migrate([("fraud", "0002_training_upload_and_retraining_status")])
        Transaction.objects.bulk_create(random_attempt(rng, users) for _ in range(200))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'fraud_tally_%'")
            assert cursor.fetchone()[0] == 0
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        assert_tallies_match_the_table()
        random_attempt(rng, users).save()
        assert_tallies_match_the_table()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)


def test_recounting_repairs_tallies_a_write_without_triggers_left_stale():
    rng = random.Random(5)
    users = UserFactory.create_batch(3)
    Transaction.objects.bulk_create(random_attempt(rng, users) for _ in range(100))
    call_command("fraud_recount_tallies", "--check", stdout=io.StringIO())  # they match: exit 0

    with connection.cursor() as cursor:
        # A data-only restore with --disable-triggers, as an operator might run one.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending foreign-key checks
        cursor.execute("ALTER TABLE payments_transaction DISABLE TRIGGER fraud_tally_insert")
        Transaction.objects.bulk_create(random_attempt(rng, users) for _ in range(50))
        with pytest.raises(CommandError, match="fraud_tally_insert"):
            call_command("fraud_recount_tallies")  # refused while a trigger is off: nothing changed
        # Enabled for a logical replica only, it still does not fire here: refused too.
        cursor.execute("ALTER TABLE payments_transaction ENABLE REPLICA TRIGGER fraud_tally_insert")
        with pytest.raises(CommandError, match="replica-only or missing: fraud_tally_insert"):
            call_command("fraud_recount_tallies", "--check")
        cursor.execute("ALTER TABLE payments_transaction ENABLE TRIGGER fraud_tally_insert")
    stale = kept()
    assert stale != recounted()

    with pytest.raises(CommandError, match="differ from payments_transaction"):
        call_command("fraud_recount_tallies", "--check")
    assert kept() == stale  # a check changes nothing

    out = io.StringIO()
    call_command("fraud_recount_tallies", stdout=out)
    assert "recounted" in out.getvalue()
    assert_tallies_match_the_table()
    random_attempt(rng, users).save()  # and the triggers carry on from the recount
    assert_tallies_match_the_table()


def test_recounting_is_refused_on_sqlite(settings, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("fraud_recount_tallies", "--check")
