"""Checkout and delivery.

Checkout follows API.md: prices come from the database, and the gateway is never called while
a row is locked or a transaction is open (a slow gateway would hold every buyer of the same
products behind it). Three steps:

1. reserve: in one short transaction, lock the products' rows (in id order, so two checkouts
   cannot deadlock), check and take the stock, write the order as `pending`;
2. charge, outside any transaction, with a bounded timeout and an idempotency key the gateway
   honours, so a retried checkout is charged at most once;
3. confirm (the order becomes `paid`, the attempt is recorded) or release (the stock goes back,
   the pending order is deleted, only the record of the attempt stays).

A worker killed between 1 and 3 leaves a pending order: order_release_stale puts it back.
Idempotency-Key handling (a repeated submission gets the first outcome) is
order_checkout_idempotent, around all of this.
"""

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from account.models import Address, User
from core.exceptions import (
    ApplicationError,
    CheckoutRefunded,
    Conflict,
    OutOfStock,
    PaymentDeclined,
    PaymentGatewayError,
)
from fraud.services import fraud_holds
from orders.metrics import CHECKOUTS, REVENUE
from orders.models import CheckoutAttempt, Order, OrderItem, OrderStatus
from payments.cards import card_brand, card_fingerprint, digits_only, expiry_in_past, luhn_valid
from payments.gateways import get_gateway
from payments.gateways.base import CardInput, CardSummary, ChargeRequest, ChargeResult, PaymentGateway
from payments.models import SavedCard, TransactionStatus
from payments.services import saved_card_save, transaction_record
from product.models import Product

logger = logging.getLogger(__name__)

MESSAGE_UNKNOWN_PRODUCT = "There is no product with this id in the catalog."
MESSAGE_UNKNOWN_ADDRESS = "There is no address with this id in your account."
MESSAGE_ONE_ADDRESS = "Send exactly one of billing_address_id and billing_address."
MESSAGE_UNKNOWN_SAVED_CARD = "There is no saved card with this id in your account."
MESSAGE_OUT_OF_STOCK = "Some products do not have enough stock left."
MESSAGE_INCORRECT_NUMBER = "Your card number is incorrect."
MESSAGE_INVALID_EXPIRY = "Your card's expiration date is in the past."
MESSAGE_STRIPE_NOT_CONFIGURED = "Card payments through Stripe are not configured on this shop."
MESSAGE_CARD_NUMBERS_NOT_ACCEPTED = "This shop takes cards through Stripe: send a payment_method_id."
MESSAGE_GATEWAY_ERROR = "The payment could not be processed. Nothing was charged; try again."
MESSAGE_NOT_DELIVERABLE = "Only a paid order can be marked delivered."
MESSAGE_NOT_CANCELLABLE = "Only an order held for review can be cancelled."
MESSAGE_REFUNDED = "Your order could not be completed, and the payment was refunded. Try again later."
MESSAGE_KEY_REUSED = "This Idempotency-Key was used for a different checkout: send a new key for a new checkout."
MESSAGE_KEY_IN_PROGRESS = "A checkout with this Idempotency-Key is still being processed: try again in a few seconds."
CENT = Decimal("0.01")
# A pending order older than this was abandoned by a killed worker (the gateway's own timeout,
# PAYMENT_GATEWAY_TIMEOUT with one retry, is far shorter).
RESERVATION_TTL = timedelta(minutes=10)


def _billing(*, user: User, address_id: int | None, address: dict[str, str] | None) -> dict[str, str]:
    if address_id is None:
        if address is None:
            raise ValidationError({"billing_address": [MESSAGE_ONE_ADDRESS]})
        return {**address, "country": address["country"].upper()}
    saved = Address.objects.filter(pk=address_id, user=user).first()
    if saved is None:
        raise ValidationError({"billing_address_id": [MESSAGE_UNKNOWN_ADDRESS]})
    return {
        name: getattr(saved, name)
        for name in ("full_name", "line1", "line2", "city", "state", "postal_code", "country")
    }


def _quantities(items: list[dict[str, int]]) -> dict[int, int]:
    """Lines for the same product are merged: the stock check must see the total asked for."""
    quantities: dict[int, int] = {}
    for item in items:
        quantities[item["product_id"]] = quantities.get(item["product_id"], 0) + item["quantity"]
    return quantities


def _card_summary(card: CardInput) -> CardSummary:
    number = digits_only(card.number)
    return CardSummary(
        brand=card_brand(number),
        last4=number[-4:],
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        fingerprint=card_fingerprint(number),
    )


def _rejection(card: CardInput) -> tuple[str, str, list[str]] | None:
    """Checks made before any gateway sees the card: (decline code, message, fields)."""
    if not luhn_valid(card.number):
        return "incorrect_number", MESSAGE_INCORRECT_NUMBER, ["payment.card.number"]
    if expiry_in_past(card.exp_month, card.exp_year):
        return "invalid_expiry", MESSAGE_INVALID_EXPIRY, ["payment.card.exp_month", "payment.card.exp_year"]
    return None


def order_checkout(
    *,
    user: User,
    items: list[dict[str, int]],
    payment: dict[str, Any],
    client_ip: str,
    billing_address_id: int | None = None,
    billing_address: dict[str, str] | None = None,
    save_card: bool = False,
    gateway: PaymentGateway | None = None,
    idempotency_key: str = "",
) -> Order:
    gateway = gateway or get_gateway()
    currency = settings.SHOP_CURRENCY
    billing = _billing(user=user, address_id=billing_address_id, address=billing_address)
    quantities = _quantities(items)

    catalog = Product.objects.filter(pk__in=quantities, is_archived=False).in_bulk()
    unknown = {
        f"items.{index}.product_id": [MESSAGE_UNKNOWN_PRODUCT]
        for index, item in enumerate(items)
        if item["product_id"] not in catalog
    }
    if unknown:
        raise ValidationError(unknown)

    card: CardInput | None = None
    saved: SavedCard | None = None
    if "card" in payment:
        if gateway.name != "offline":
            raise ValidationError({"payment.card": [MESSAGE_CARD_NUMBERS_NOT_ACCEPTED]})
        card = CardInput(**payment["card"])
    elif "payment_method_id" in payment and gateway.name != "stripe":
        raise ValidationError({"payment.payment_method_id": [MESSAGE_STRIPE_NOT_CONFIGURED]})
    elif "saved_card_id" in payment:
        saved = SavedCard.objects.filter(pk=payment["saved_card_id"], user=user, gateway=gateway.name).first()
        if saved is None:
            raise ValidationError({"payment.saved_card_id": [MESSAGE_UNKNOWN_SAVED_CARD]})

    estimate = sum((catalog[pid].price * qty for pid, qty in quantities.items()), Decimal(0)).quantize(CENT)
    record = {"user": user, "currency": currency, "billing": billing, "client_ip": client_ip, "gateway": gateway.name}

    if card is not None and (rejection := _rejection(card)) is not None:
        code, message, fields = rejection
        transaction_record(
            **record,
            amount=estimate,
            status=TransactionStatus.REJECTED,
            card=_card_summary(card),
            decline_code=code,
            decline_reason=message,
        )
        CHECKOUTS.labels("rejected").inc()
        raise PaymentDeclined(message, {"decline_code": code, "fields": {field: [message] for field in fields}})

    order = _reserve(user=user, quantities=quantities, currency=currency, billing=billing)
    amount = order.total
    request = ChargeRequest(
        amount=amount,
        currency=currency,
        description=f"Order {order.pk}",
        email=user.email,
        card=card,
        payment_method_id=payment.get("payment_method_id", ""),
        saved_reference=saved.gateway_reference if saved else "",
        saved_customer=saved.gateway_customer if saved else "",
        save_card=save_card,
        # The same key for every retry of one checkout: the gateway charges it at most once.
        idempotency_key=f"checkout-{user.pk}-{idempotency_key}" if idempotency_key else f"order-{order.pk}",
    )
    # No transaction and no lock here: the gateway may take its whole (bounded) timeout.
    try:
        result = gateway.charge(request)
    except Exception:
        logger.exception("payment gateway failed", extra={"order_id": order.pk})
        result = ChargeResult(
            status=TransactionStatus.ERROR,
            card=_card_summary(card) if card else CardSummary("unknown", "", None, None, ""),
            decline_code="gateway_error",
            decline_reason=MESSAGE_GATEWAY_ERROR,
        )
    if not result.succeeded:
        _release(order=order)
        transaction_record(
            **record,
            amount=amount,
            status=result.status,
            card=result.card,
            decline_code=result.decline_code,
            decline_reason=result.decline_reason,
            gateway_reference=result.reference,
        )
        CHECKOUTS.labels(result.status).inc()
        if result.status == TransactionStatus.ERROR:
            raise PaymentGatewayError(MESSAGE_GATEWAY_ERROR, {"decline_code": result.decline_code})
        raise PaymentDeclined(result.decline_reason, {"decline_code": result.decline_code})

    try:
        order = _confirm(order=order, result=result, saved=saved, save_card=save_card, record=record)
    except Exception:
        # Charged, but the order could not be committed: give the money back, put the stock back.
        logger.error("checkout failed after a successful charge; refunding", extra={"reference": result.reference})
        try:
            gateway.refund(result.reference)
        except Exception:
            logger.exception("refund failed", extra={"reference": result.reference})
        try:
            _release(order=order)
        except Exception:
            logger.exception("releasing the reservation failed; order_release_stale will", extra={"order_id": order.pk})
        raise CheckoutRefunded(MESSAGE_REFUNDED, {"decline_code": "refunded"}) from None
    CHECKOUTS.labels(order.status).inc()  # paid, or review when the fraud model held it
    REVENUE.labels(currency).inc(float(amount))
    return order


def order_checkout_idempotent(
    *, user: User, idempotency_key: str, request_hash: str, **checkout: Any
) -> tuple[Order, bool]:
    """order_checkout under an Idempotency-Key: (order, replayed).

    The first request with a key claims it (a unique row per user and key; a concurrent duplicate
    waits on PostgreSQL's unique index, then finds the claim) and its outcome is kept: a paid
    order, or a decline, missing stock or refund, which a repeat gets again without reaching the
    gateway. Failures that charged nothing and that a retry may cure (invalid input, the gateway
    failing, the database failing before the charge) free the key. The same key with another
    body is refused (422); a repeat while the first still runs gets 409.
    """
    try:
        with transaction.atomic():
            attempt = CheckoutAttempt.objects.create(user=user, key=idempotency_key, request_hash=request_hash)
    except IntegrityError:
        attempt = CheckoutAttempt.objects.get(user=user, key=idempotency_key)
        if attempt.request_hash != request_hash:
            raise ApplicationError(MESSAGE_KEY_REUSED, {"code": "idempotency_key_reused"}, status_code=422) from None
        if attempt.status_code is None:
            raise Conflict(MESSAGE_KEY_IN_PROGRESS, {"code": "idempotency_key_in_progress"}) from None
        if attempt.order_id is not None:
            return Order.objects.get(pk=attempt.order_id), True
        raise ApplicationError(
            attempt.error.get("message", ""), attempt.error.get("extra", {}), status_code=attempt.status_code
        ) from None
    kept = CheckoutAttempt.objects.filter(pk=attempt.pk)
    try:
        order = order_checkout(user=user, idempotency_key=idempotency_key, **checkout)
    except (PaymentDeclined, OutOfStock, CheckoutRefunded) as outcome:
        kept.update(status_code=outcome.status_code, error={"message": outcome.message, "extra": outcome.extra})
        raise
    except BaseException:
        kept.delete()
        raise
    kept.update(status_code=201, order=order)
    return order, False


def _reserve(*, user: User, quantities: dict[int, int], currency: str, billing: dict[str, str]) -> Order:
    """Take the stock and write a pending order, in one short transaction. The rows are locked in
    id order (two checkouts cannot deadlock) and only until it commits."""
    with transaction.atomic():
        locked = Product.objects.select_for_update().filter(pk__in=quantities).order_by("pk").in_bulk()
        short = [pid for pid, qty in quantities.items() if locked[pid].is_archived or locked[pid].stock < qty]
        if short:
            CHECKOUTS.labels("out_of_stock").inc()
            raise OutOfStock(MESSAGE_OUT_OF_STOCK, {"product_ids": short})
        lines = [(locked[pid], qty, (locked[pid].price * qty).quantize(CENT)) for pid, qty in quantities.items()]
        amount = sum((line_total for _, _, line_total in lines), Decimal(0))
        order = Order.objects.create(
            user=user,
            status=OrderStatus.PENDING,
            subtotal=amount,
            total=amount,
            currency=currency,
            **{f"billing_{name}": value for name, value in billing.items()},
        )
        OrderItem.objects.bulk_create(
            OrderItem(
                order=order,
                product=product,
                name=product.name,
                unit_price=product.price,
                quantity=qty,
                line_total=line_total,
            )
            for product, qty, line_total in lines
        )
        for product, qty, _ in lines:
            product.stock -= qty
            product.save(update_fields=["stock", "updated_at"])
    return order


def _release(*, order: Order) -> None:
    """Put a pending order's stock back and delete it (nothing is left of it but the attempt)."""
    with transaction.atomic():
        pending = Order.objects.select_for_update().filter(pk=order.pk, status=OrderStatus.PENDING).first()
        if pending is None:
            return  # already released (order_release_stale) or paid
        for item in pending.items.order_by("product_id"):
            Product.objects.filter(pk=item.product_id).update(stock=F("stock") + item.quantity)
        pending.delete()


def _confirm(
    *, order: Order, result: ChargeResult, saved: SavedCard | None, save_card: bool, record: dict[str, Any]
) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk, status=OrderStatus.PENDING)
        charged_card = result.card
        if saved is not None and not charged_card.last4:
            charged_card = CardSummary(saved.brand, saved.last4, saved.exp_month, saved.exp_year, saved.fingerprint)
        # Recorded (and scored by the fraud model) before the order's status is decided.
        attempt = transaction_record(
            **record,
            amount=order.total,
            order_id=order.pk,
            status=TransactionStatus.SUCCEEDED,
            card=charged_card,
            gateway_reference=result.reference,
        )
        order.status = OrderStatus.REVIEW if fraud_holds(record=attempt) else OrderStatus.PAID
        order.card_brand, order.card_last4 = charged_card.brand, charged_card.last4
        order.paid_at = timezone.now()
        order.save(update_fields=["status", "card_brand", "card_last4", "paid_at"])
        if save_card and saved is None and charged_card.fingerprint:
            saved_card_save(
                user=order.user,
                card=charged_card,
                gateway=record["gateway"],
                gateway_reference=result.reusable_reference,
                gateway_customer=result.customer_reference,
            )
    return order


def checkout_attempt_prune(*, older_than: timedelta | None = None) -> int:
    """Forget Idempotency-Keys older than the retention (settings.IDEMPOTENCY_KEY_RETENTION, a day
    by default, as Stripe keeps its keys): a repeat after that is a new checkout. The orders stay.
    No checkout runs that long (the gateway's timeout and RESERVATION_TTL are minutes)."""
    cutoff = timezone.now() - (older_than if older_than is not None else settings.IDEMPOTENCY_KEY_RETENTION)
    deleted, _ = CheckoutAttempt.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def order_release_stale(*, older_than: timedelta = RESERVATION_TTL) -> int:
    """Release reservations whose checkout never finished (its worker was killed mid-charge).
    The gateway's timeout is far shorter than the TTL, so none of these is still being charged."""
    stale = Order.objects.filter(status=OrderStatus.PENDING, created_at__lt=timezone.now() - older_than)
    released = 0
    for order in stale.only("pk"):
        _release(order=order)
        released += 1
    return released


def order_cancel_held(*, order: Order) -> Order:
    """A held order (locked by the caller, fraud.services.order_review_reject) is cancelled and its
    stock put back; the charge is refunded by the caller once this has committed."""
    if order.status != OrderStatus.REVIEW:
        raise Conflict(MESSAGE_NOT_CANCELLABLE, {"status": order.status})
    for item in order.items.order_by("product_id"):
        Product.objects.filter(pk=item.product_id).update(stock=F("stock") + item.quantity)
    order.status = OrderStatus.CANCELLED
    order.full_clean()
    order.save(update_fields=["status"])
    return order


@transaction.atomic
def order_deliver(*, order_id: int) -> Order:
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.PAID:
        raise Conflict(MESSAGE_NOT_DELIVERABLE, {"status": order.status})
    order.status = OrderStatus.DELIVERED
    order.delivered_at = timezone.now()
    order.full_clean()
    order.save(update_fields=["status", "delivered_at"])
    return order
