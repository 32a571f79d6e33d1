"""Fill payments_transaction with a month of believable charge attempts, plus a few planted
fraud-like patterns, so the nightly fraud scan has something to find. Deterministic (--seed).

The patterns (documented in payments/README.md):
  card_testing   one account, ~30 attempts in under 3 minutes from one address: small amounts,
                 a different card almost every time, mostly declined or rejected.
  many_cards     one account paying with 9 different cards within a day.
  country_hop    one account whose billing country changes with every large purchase, from
                 addresses all over the place.
Rows this command writes have gateway_reference "demo_<pattern>_<n>"; --replace deletes them
first, so running it again gives the same table instead of a second copy.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from account.models import User
from payments.cards import card_brand, card_fingerprint
from payments.models import Transaction

DEMO_EMAIL_DOMAIN = "demo.shop.invalid"
# Luhn-valid numbers from issuer ranges; only their fingerprints, brands and last 4 are stored.
CARD_PREFIXES = ["4", "51", "52", "53", "54", "55", "2221", "34", "37", "6011"]
HOMES = [
    ("US", "Springfield", "IL", "62701"),
    ("US", "Portland", "OR", "97201"),
    ("US", "Austin", "TX", "73301"),
    ("CA", "Toronto", "ON", "M5H 2N2"),
    ("GB", "Leeds", "", "LS1 4AP"),
    ("DE", "Köln", "", "50667"),
    ("FR", "Lyon", "", "69001"),
]
FAR_AWAY = [
    ("NG", "Lagos", "", "100001"),
    ("RU", "Kazan", "", "420111"),
    ("BR", "Recife", "PE", "50010"),
    ("VN", "Hanoi", "", "100000"),
    ("ID", "Medan", "", "20111"),
]
DECLINES = [("insufficient_funds", "Your card has insufficient funds."), ("card_declined", "Your card was declined.")]


def _luhn_complete(partial: str) -> str:
    total = 0
    for index, digit in enumerate(int(d) for d in reversed(partial)):
        if index % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return partial + str((10 - total % 10) % 10)


class Command(BaseCommand):
    help = "Write a month of demo charge attempts with planted fraud patterns into payments_transaction."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024, help="random seed (same seed, same rows)")
        parser.add_argument("--users", type=int, default=80, help="ordinary buyers (default 80)")
        parser.add_argument("--days", type=int, default=30, help="history length in days (default 30)")
        parser.add_argument("--replace", action="store_true", help="delete rows from an earlier run first")
        parser.add_argument(
            "--until",
            type=datetime.fromisoformat,
            default=None,
            help="end of the history, ISO 8601 with an offset (default now); same seed and --until, same table",
        )

    def _card(self, rng: random.Random) -> tuple[str, int, int]:
        prefix = rng.choice(CARD_PREFIXES)
        length = 15 if prefix in ("34", "37") else 16
        body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
        return _luhn_complete(body), rng.randint(1, 12), rng.randint(2027, 2032)

    def _row(
        self, *, user, when, amount, card, home, ip, status="succeeded", code="", reason="", tag=""
    ) -> Transaction:
        number, exp_month, exp_year = card
        country, city, state, postal = home
        return Transaction(
            user=user,
            created_at=when,
            amount=Decimal(amount).quantize(Decimal("0.01")),
            currency="usd",
            status=status,
            decline_code=code,
            decline_reason=reason,
            card_fingerprint=card_fingerprint(number),
            card_brand=card_brand(number),
            card_last4=number[-4:],
            card_exp_month=exp_month,
            card_exp_year=exp_year,
            billing_city=city,
            billing_state=state,
            billing_postal_code=postal,
            billing_country=country,
            client_ip=ip,
            gateway="offline",
            gateway_reference=tag,
        )

    def _user(self, email: str, rng: random.Random) -> User:
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": rng.choice(["Sam", "Alex", "Kim", "Noor", "Lee"]),
                "password": make_password(None),
            },
        )
        return user

    @transaction.atomic
    def handle(self, *args, seed: int, users: int, days: int, replace: bool, until: datetime | None = None, **options):
        rng = random.Random(seed)  # noqa: S311 (demo data, reproducible by design)
        if replace:
            deleted, _ = Transaction.objects.filter(gateway_reference__startswith="demo_").delete()
            self.stdout.write(f"generate_demo_transactions: deleted {deleted} rows from an earlier run")
        if until is not None and timezone.is_naive(until):
            raise CommandError("--until needs a UTC offset, e.g. 2026-06-15T12:00:00+00:00")
        now = (until or timezone.now()).replace(microsecond=0)
        start = now - timedelta(days=days)
        rows: list[Transaction] = []
        counter = iter(range(10**9))

        def tag(pattern: str) -> str:
            return f"demo_{pattern}_{next(counter)}"

        # Ordinary buyers: one or two cards, their home address, a stable IP, mostly successful.
        for index in range(users):
            user = self._user(f"buyer{index:03d}@{DEMO_EMAIL_DOMAIN}", rng)
            home = rng.choice(HOMES)
            cards = [self._card(rng) for _ in range(rng.choice([1, 1, 1, 2]))]
            ip = f"198.51.{rng.randrange(100)}.{rng.randrange(1, 255)}"
            for _ in range(rng.randint(1, 8)):
                when = start + timedelta(seconds=rng.randrange(days * 86400))
                amount = min(max(rng.lognormvariate(4.0, 0.6), 8), 600)
                if rng.random() < 0.06:
                    code, reason = rng.choice(DECLINES)
                    rows.append(
                        self._row(
                            user=user,
                            when=when,
                            amount=amount,
                            card=rng.choice(cards),
                            home=home,
                            ip=ip,
                            status="declined",
                            code=code,
                            reason=reason,
                            tag=tag("normal"),
                        )
                    )
                else:
                    rows.append(
                        self._row(
                            user=user,
                            when=when,
                            amount=amount,
                            card=rng.choice(cards),
                            home=home,
                            ip=ip,
                            tag=tag("normal"),
                        )
                    )

        # card_testing: a burst of tiny charges with a new card nearly every time.
        tester = self._user(f"card-tester@{DEMO_EMAIL_DOMAIN}", rng)
        burst_start = now - timedelta(days=2, hours=3)
        for attempt in range(30):
            when = burst_start + timedelta(seconds=attempt * 5 + rng.randrange(4))
            card = self._card(rng)
            roll = rng.random()
            if roll < 0.5:
                status, code, reason = "declined", "card_declined", "Your card was declined."
            elif roll < 0.8:
                card = (card[0][:-1] + str((int(card[0][-1]) + 1) % 10), card[1], card[2])  # breaks the Luhn check
                status, code, reason = "rejected", "incorrect_number", "Your card number is incorrect."
            else:
                status, code, reason = "succeeded", "", ""
            rows.append(
                self._row(
                    user=tester,
                    when=when,
                    amount=rng.uniform(1, 5),
                    card=card,
                    home=HOMES[0],
                    ip="203.0.113.66",
                    status=status,
                    code=code,
                    reason=reason,
                    tag=tag("card_testing"),
                )
            )

        # many_cards: nine different cards within one day, moderate amounts.
        collector = self._user(f"many-cards@{DEMO_EMAIL_DOMAIN}", rng)
        day = now - timedelta(days=5)
        for _ in range(9):
            when = day + timedelta(minutes=rng.randrange(24 * 60))
            declined = rng.random() < 0.4
            rows.append(
                self._row(
                    user=collector,
                    when=when,
                    amount=rng.uniform(80, 300),
                    card=self._card(rng),
                    home=HOMES[2],
                    ip="198.51.100.23",
                    status="declined" if declined else "succeeded",
                    code="card_declined" if declined else "",
                    reason="Your card was declined." if declined else "",
                    tag=tag("many_cards"),
                )
            )

        # country_hop: one card, large purchases, a different country and address each time.
        hopper = self._user(f"country-hop@{DEMO_EMAIL_DOMAIN}", rng)
        card = self._card(rng)
        for hop, home in enumerate(FAR_AWAY):
            when = now - timedelta(days=1, hours=hop * 3)
            rows.append(
                self._row(
                    user=hopper,
                    when=when,
                    amount=rng.uniform(700, 1800),
                    card=card,
                    home=home,
                    ip=f"192.0.2.{10 + hop * 40}",
                    tag=tag("country_hop"),
                )
            )

        Transaction.objects.bulk_create(rows, batch_size=500)
        patterns: dict[str, int] = {}
        for row in rows:
            name = row.gateway_reference.split("_", 1)[1].rsplit("_", 1)[0]
            patterns[name] = patterns.get(name, 0) + 1
        summary = ", ".join(f"{name} {count}" for name, count in patterns.items())
        self.stdout.write(f"generate_demo_transactions: wrote {len(rows)} rows ({summary})")
