"""Writes for payments: the record of each charge attempt, and saved cards."""

from decimal import Decimal

from django.db import IntegrityError, transaction

from account.models import User
from fraud.services import fraud_assess
from payments.gateways.base import CardSummary
from payments.models import SavedCard, Transaction


def transaction_record(
    *,
    user: User | None,
    amount: Decimal,
    currency: str,
    status: str,
    card: CardSummary,
    billing: dict[str, str],
    client_ip: str,
    gateway: str,
    order_id: int | None = None,
    decline_code: str = "",
    decline_reason: str = "",
    gateway_reference: str = "",
) -> Transaction:
    """One row of payments_transaction. Called inside checkout's database transaction when the
    charge succeeded, and after its rollback when it did not, so failed attempts survive. The
    fraud model scores the attempt before it is saved (fraud_assess never raises)."""
    record = Transaction(
        user=user,
        order_id=order_id,
        amount=amount,
        currency=currency,
        status=status,
        decline_code=decline_code[:64],
        decline_reason=decline_reason[:255],
        card_fingerprint=card.fingerprint,
        card_brand=card.brand,
        card_last4=card.last4,
        card_exp_month=card.exp_month,
        card_exp_year=card.exp_year,
        billing_city=billing.get("city", "")[:100],
        billing_state=billing.get("state", "")[:100],
        billing_postal_code=billing.get("postal_code", "")[:20],
        billing_country=billing.get("country", "")[:2],
        client_ip=client_ip or None,
        gateway=gateway,
        gateway_reference=gateway_reference[:255],
    )
    fraud_assess(record=record)
    record.full_clean()
    record.save()
    return record


def saved_card_save(
    *, user: User, card: CardSummary, gateway: str, gateway_reference: str, gateway_customer: str = ""
) -> SavedCard:
    """Keep brand, last 4, expiry and fingerprint; the same card saved twice stays one entry."""
    existing = SavedCard.objects.filter(user=user, fingerprint=card.fingerprint, gateway=gateway).first()
    if existing:
        existing.exp_month, existing.exp_year = card.exp_month, card.exp_year
        existing.gateway_reference, existing.gateway_customer = gateway_reference, gateway_customer
        existing.save(update_fields=["exp_month", "exp_year", "gateway_reference", "gateway_customer"])
        return existing
    saved = SavedCard(
        user=user,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        fingerprint=card.fingerprint,
        gateway=gateway,
        gateway_reference=gateway_reference,
        gateway_customer=gateway_customer,
    )
    saved.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            saved.save()
    except IntegrityError:  # saved by a concurrent checkout a moment ago
        return SavedCard.objects.get(user=user, fingerprint=card.fingerprint, gateway=gateway)
    return saved


@transaction.atomic
def saved_card_delete(*, card: SavedCard) -> None:
    card.delete()
