from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import Conflict, OutOfStock, PaymentDeclined
from orders.models import Order
from orders.services import (
    MESSAGE_INVALID_EXPIRY,
    MESSAGE_NOT_DELIVERABLE,
    MESSAGE_OUT_OF_STOCK,
    MESSAGE_UNKNOWN_PRODUCT,
    order_checkout,
    order_deliver,
)
from orders.tests.factories import OrderFactory
from payments.models import Transaction
from product.tests.factories import ProductFactory

BILLING = {"full_name": "Ada", "line1": "1 Row", "line2": "", "city": "Leeds", "state": "", "postal_code": "LS1"}


def checkout(user, product, quantity=1, number="4242424242424242", exp_year=2035):
    card = {"number": number, "exp_month": 1, "exp_year": exp_year, "cvc": "123", "name": ""}
    return order_checkout(
        user=user,
        items=[{"product_id": product.pk, "quantity": quantity}],
        payment={"card": card},
        client_ip="198.51.100.4",
        billing_address={**BILLING, "country": "gb"},
    )


@pytest.mark.django_db
class OrderCheckoutTests:
    def test_a_paid_order_copies_names_prices_and_the_billing_address(self, buyer):
        product = ProductFactory(name="Kettle", price=Decimal("12.34"), stock=3)
        order = checkout(buyer, product, 2)
        assert (order.total, order.billing_country, order.card_last4) == (Decimal("24.68"), "GB", "4242")
        product.name = "Renamed"
        product.save()
        assert order.items.get().name == "Kettle"
        assert Transaction.objects.get().client_ip == "198.51.100.4"

    def test_an_unknown_product_raises_a_validation_error_and_writes_nothing(self, buyer):
        product = ProductFactory()
        product.pk += 1000
        with pytest.raises(ValidationError) as raised:
            checkout(buyer, product)
        assert raised.value.message_dict == {"items.0.product_id": [MESSAGE_UNKNOWN_PRODUCT]}
        assert Order.objects.count() == Transaction.objects.count() == 0

    def test_missing_stock_raises_out_of_stock_and_writes_nothing(self, buyer):
        product = ProductFactory(stock=1)
        with pytest.raises(OutOfStock, match=MESSAGE_OUT_OF_STOCK):
            checkout(buyer, product, 2)
        assert Order.objects.count() == Transaction.objects.count() == 0

    def test_a_past_expiry_raises_payment_declined_and_keeps_only_the_attempt(self, buyer):
        product = ProductFactory(stock=1)
        with pytest.raises(PaymentDeclined, match=MESSAGE_INVALID_EXPIRY):
            checkout(buyer, product, exp_year=2001)
        assert Order.objects.count() == 0
        assert Transaction.objects.get().decline_code == "invalid_expiry"


@pytest.mark.django_db
class OrderDeliverTests:
    def test_a_paid_order_becomes_delivered_once(self, buyer):
        order = order_deliver(order_id=OrderFactory(user=buyer).pk)
        assert order.status == "delivered" and order.delivered_at is not None
        with pytest.raises(Conflict, match=MESSAGE_NOT_DELIVERABLE):
            order_deliver(order_id=order.pk)
