"""A charge attempt for the fraud tests: a payments_transaction row, unsaved, with the columns
the cross-row counts read set and the rest at ordinary values."""

from datetime import UTC, datetime
from decimal import Decimal

from payments.models import Transaction

AT = datetime(2026, 6, 1, 14, 30, tzinfo=UTC)


def attempt(user, card="c1", ip="198.51.100.1", country="GB", status="succeeded", at=AT) -> Transaction:
    return Transaction(
        user=user,
        amount=Decimal("10.00"),
        currency="usd",
        status=status,
        card_fingerprint=card,
        client_ip=ip,
        billing_country=country,
        created_at=at,
        gateway="offline",
    )
