"""Writes for fraud scoring: a charge attempt's score, and staff approving or rejecting a held order."""

import logging

from django.conf import settings
from django.db import connection, transaction

from account.models import User
from core.exceptions import Conflict
from fraud.features import featurize
from fraud.metrics import SCORED, SCORING_FAILURES
from fraud.model_file import Assessment
from fraud.models import OrderReview, ReviewDecision
from fraud.scoring import current_model
from fraud.selectors import transaction_aggregates
from orders.models import Order, OrderStatus
from payments.gateways import get_gateway
from payments.models import Transaction, TransactionStatus

logger = logging.getLogger(__name__)

MESSAGE_NOT_IN_REVIEW = "Only an order held for review can be approved."
MESSAGE_NOT_IN_REVIEW_REJECT = "Only an order held for review can be rejected."


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


def _decided(order: Order) -> dict[str, str]:
    """The 409's extra: the order's status and, when staff decided it, what they decided."""
    review = OrderReview.objects.filter(order=order).first()
    return {"status": order.status, **({"decision": review.decision} if review else {})}


@transaction.atomic
def order_review_approve(*, order_id: int, user: User | None = None) -> Order:
    """A held order becomes paid (and can then be delivered); any other order is a 409."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.REVIEW:
        raise Conflict(MESSAGE_NOT_IN_REVIEW, _decided(order))
    order.status = OrderStatus.PAID
    order.full_clean()
    order.save(update_fields=["status"])
    OrderReview.objects.create(order=order, decision=ReviewDecision.APPROVED, decided_by=user)
    return order


def order_review_reject(*, order_id: int, user: User | None = None, reason: str = "") -> Order:
    """A held order is cancelled, its stock put back, and the charge refunded; any other order is a
    409. The refund is asked for after the cancellation has committed (never with rows locked, as
    checkout does); a gateway that fails is logged and recorded (`refunded` False), not retried."""
    from orders.services import order_cancel_held  # orders.services imports this module

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != OrderStatus.REVIEW:
            raise Conflict(MESSAGE_NOT_IN_REVIEW_REJECT, _decided(order))
        order_cancel_held(order=order)
        review = OrderReview.objects.create(
            order=order, decision=ReviewDecision.REJECTED, decided_by=user, reason=reason
        )
    charge = Transaction.objects.filter(order_id=order.pk, status=TransactionStatus.SUCCEEDED).order_by("-id").first()
    review.refunded = _refund(charge)
    review.save(update_fields=["refunded"])
    return order


def _refund(charge: Transaction | None) -> bool:
    if charge is None or not charge.gateway_reference:
        return False
    gateway = get_gateway()
    if gateway.name != charge.gateway:
        logger.error(
            "rejected order's charge was made by another gateway; refund it by hand",
            extra={"transaction_id": charge.pk},
        )
        return False
    try:
        gateway.refund(charge.gateway_reference)
    except Exception:
        logger.exception("refund of a rejected order failed; refund it by hand", extra={"transaction_id": charge.pk})
        return False
    return True
