"""Writes for fraud scoring: a charge attempt's score, and staff approving a held order."""

import logging

from django.conf import settings
from django.db import connection, transaction

from core.exceptions import Conflict
from fraud.features import featurize
from fraud.metrics import SCORED, SCORING_FAILURES
from fraud.model_file import Assessment
from fraud.scoring import current_model
from fraud.selectors import transaction_aggregates
from orders.models import Order, OrderStatus
from payments.models import Transaction, TransactionStatus

logger = logging.getLogger(__name__)

MESSAGE_NOT_IN_REVIEW = "Only an order held for review can be approved."


def fraud_assess(*, record: Transaction) -> Assessment | None:
    """Score an attempt that is about to be recorded (not saved yet) and set its fraud fields.
    Never raises: an attempt that cannot be scored is recorded unscored, and the sale goes on."""
    model = current_model()
    if model is None:
        return None
    try:
        if connection.in_atomic_block:
            # A failing query must not abort checkout's own transaction.
            with transaction.atomic():
                aggregates = transaction_aggregates(attempt=record)
        else:
            aggregates = transaction_aggregates(attempt=record)
        assessment = model.assess(featurize(record, aggregates))
    except Exception:
        logger.exception("fraud scoring failed; the attempt is recorded unscored")
        SCORING_FAILURES.inc()
        return None
    record.fraud_score = assessment.score
    record.fraud_threshold = assessment.threshold
    record.fraud_drivers = [{"feature": d.feature, "share": round(d.share, 4)} for d in assessment.drivers]
    held = assessment.flagged and settings.FRAUD_SCORING == "hold" and record.status == TransactionStatus.SUCCEEDED
    SCORED.labels("held" if held else "flagged" if assessment.flagged else "passed").inc()
    return assessment


def fraud_holds(*, record: Transaction) -> bool:
    """Whether a recorded successful charge puts its order on hold (FRAUD_SCORING=hold)."""
    return (
        settings.FRAUD_SCORING == "hold"
        and record.fraud_score is not None
        and record.fraud_threshold is not None
        and record.fraud_score > record.fraud_threshold
    )


@transaction.atomic
def order_review_approve(*, order_id: int) -> Order:
    """A held order becomes paid (and can then be delivered); any other order is a 409."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.REVIEW:
        raise Conflict(MESSAGE_NOT_IN_REVIEW, {"status": order.status})
    order.status = OrderStatus.PAID
    order.full_clean()
    order.save(update_fields=["status"])
    return order
