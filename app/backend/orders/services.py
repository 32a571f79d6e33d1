"""Checkout and delivery.

Checkout follows API.md: prices come from the database, and in one database transaction the
products' rows are locked (in id order, so two checkouts cannot deadlock), stock is checked and
decremented, the order is written and the card is charged. Any failure rolls all of it back;
the record of the charge attempt is written after the rollback, so it alone survives.
"""

import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from account.models import Address, User
from core.exceptions import Conflict, OutOfStock, PaymentDeclined, PaymentGatewayError
from orders.metrics import CHECKOUTS, REVENUE
from orders.models import Order, OrderItem, OrderStatus
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
CENT = Decimal("0.01")


class _ChargeFailed(Exception):
    def __init__(self, result: ChargeResult):
        self.result = result


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

    result: ChargeResult | None = None
    amount = estimate
    try:
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
                status=OrderStatus.PAID,
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

            result = gateway.charge(
                ChargeRequest(
                    amount=amount,
                    currency=currency,
                    description=f"Order {order.pk}",
                    email=user.email,
                    card=card,
                    payment_method_id=payment.get("payment_method_id", ""),
                    saved_reference=saved.gateway_reference if saved else "",
                    saved_customer=saved.gateway_customer if saved else "",
                    save_card=save_card,
                )
            )
            if not result.succeeded:
                raise _ChargeFailed(result)
            charged_card = result.card
            if saved is not None and not charged_card.last4:
                charged_card = CardSummary(saved.brand, saved.last4, saved.exp_month, saved.exp_year, saved.fingerprint)
            order.card_brand, order.card_last4 = charged_card.brand, charged_card.last4
            order.paid_at = timezone.now()
            order.save(update_fields=["card_brand", "card_last4", "paid_at"])
            if save_card and saved is None and charged_card.fingerprint:
                saved_card_save(
                    user=user,
                    card=charged_card,
                    gateway=gateway.name,
                    gateway_reference=result.reusable_reference,
                    gateway_customer=result.customer_reference,
                )
            transaction_record(
                **record,
                amount=amount,
                order_id=order.pk,
                status=TransactionStatus.SUCCEEDED,
                card=charged_card,
                gateway_reference=result.reference,
            )
    except _ChargeFailed as failed:
        declined = failed.result
        transaction_record(
            **record,
            amount=amount,
            status=declined.status,
            card=declined.card,
            decline_code=declined.decline_code,
            decline_reason=declined.decline_reason,
            gateway_reference=declined.reference,
        )
        CHECKOUTS.labels(declined.status).inc()
        if declined.status == TransactionStatus.ERROR:
            raise PaymentGatewayError(MESSAGE_GATEWAY_ERROR, {"decline_code": declined.decline_code}) from None
        raise PaymentDeclined(declined.decline_reason, {"decline_code": declined.decline_code}) from None
    except Exception:
        if result is not None and result.succeeded:
            # Charged, but the order could not be committed: give the money back.
            logger.error("checkout failed after a successful charge; refunding", extra={"reference": result.reference})
            try:
                gateway.refund(result.reference)
            except Exception:
                logger.exception("refund failed", extra={"reference": result.reference})
        raise
    CHECKOUTS.labels("paid").inc()
    REVENUE.labels(currency).inc(float(amount))
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
