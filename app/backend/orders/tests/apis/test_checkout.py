"""POST /api/orders/: checkout, and every way it can refuse (each leaves nothing behind but,
for a card that was tried, the record of the attempt)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from account.tests.factories import AddressFactory, UserFactory
from orders.models import Order, OrderItem
from orders.services import (
    MESSAGE_GATEWAY_ERROR,
    MESSAGE_INCORRECT_NUMBER,
    MESSAGE_OUT_OF_STOCK,
    MESSAGE_UNKNOWN_ADDRESS,
)
from payments.cards import card_fingerprint
from payments.models import SavedCard, Transaction
from payments.tests.factories import SavedCardFactory
from product.models import Product
from product.tests.factories import ProductFactory

ORDERS = reverse("orders:orders")
BILLING = {
    "full_name": "Ada Lovelace",
    "line1": "12 Analytical Row",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
}


def card(number: str = "4242424242424242", **overrides) -> dict:
    return {"card": {"number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123", **overrides}}


def checkout_body(product: Product, quantity: int = 1, payment: dict | None = None, **overrides) -> dict:
    return {
        "items": [{"product_id": product.pk, "quantity": quantity}],
        "billing_address": BILLING,
        "payment": payment or card(),
        **overrides,
    }


def assert_nothing_changed(product: Product, stock: int) -> None:
    product.refresh_from_db()
    assert product.stock == stock
    assert Order.objects.count() == 0
    assert OrderItem.objects.count() == 0


@pytest.mark.django_db
class CheckoutSuccessTests:
    def test_a_good_card_creates_a_paid_order_priced_by_the_server(self, buyer_client, buyer):
        lamp = ProductFactory(price=Decimal("19.99"), stock=5)
        mug = ProductFactory(price=Decimal("7.50"), stock=5)
        body = checkout_body(lamp, 2)
        body["items"].append({"product_id": mug.pk, "quantity": 1, "unit_price": "0.01"})
        response = buyer_client.post(ORDERS, body, format="json")
        assert response.status_code == 201, response.json()
        order = response.json()
        assert (order["status"], order["subtotal"], order["total"], order["currency"]) == (
            "paid",
            "47.48",
            "47.48",
            "usd",
        )
        assert order["items"] == [
            {"product_id": lamp.pk, "name": lamp.name, "unit_price": "19.99", "quantity": 2, "line_total": "39.98"},
            {"product_id": mug.pk, "name": mug.name, "unit_price": "7.50", "quantity": 1, "line_total": "7.50"},
        ]
        assert order["card"] == {"brand": "visa", "last4": "4242"}
        assert order["billing_address"] == {**BILLING, "line2": ""}
        assert order["paid_at"] and order["delivered_at"] is None
        lamp.refresh_from_db()
        assert lamp.stock == 3

    def test_checkouts_are_counted_on_metrics_by_outcome(self, buyer_client, client):
        def paid() -> float:
            for line in client.get("/metrics").content.decode().splitlines():
                if line.startswith('shop_checkouts_total{outcome="paid"}'):
                    return float(line.split()[-1])
            return 0.0

        before = paid()
        assert buyer_client.post(ORDERS, checkout_body(ProductFactory()), format="json").status_code == 201
        assert paid() == before + 1

    def test_the_attempt_is_recorded_for_the_fraud_scan(self, buyer_client, buyer):
        product = ProductFactory(price=Decimal("10.00"))
        response = buyer_client.post(
            ORDERS,
            checkout_body(product, 3),
            format="json",
            REMOTE_ADDR="172.18.0.5",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.1.20",
        )
        assert response.status_code == 201
        record = Transaction.objects.get()
        assert (record.status, record.amount, record.currency, record.order_id, record.user_id) == (
            "succeeded",
            Decimal("30.00"),
            "usd",
            response.json()["id"],
            buyer.pk,
        )
        assert (record.card_brand, record.card_last4, record.card_exp_month, record.card_exp_year) == (
            "visa",
            "4242",
            12,
            2035,
        )
        assert record.card_fingerprint == card_fingerprint("4242424242424242")
        assert (record.billing_city, record.billing_state, record.billing_postal_code, record.billing_country) == (
            "Springfield",
            "IL",
            "62701",
            "US",
        )
        # The buyer is the first hop the load balancer (10.x) saw, not what the client claimed.
        assert record.client_ip == "203.0.113.7"
        assert (record.gateway, record.decline_code) == ("offline", "")
        assert record.gateway_reference.startswith("offline_ch_")

    def test_a_saved_address_can_be_the_billing_address(self, buyer_client, buyer):
        address = AddressFactory(user=buyer, city="Shelbyville")
        body = checkout_body(ProductFactory())
        del body["billing_address"]
        response = buyer_client.post(ORDERS, {**body, "billing_address_id": address.pk}, format="json")
        assert response.status_code == 201
        assert response.json()["billing_address"]["city"] == "Shelbyville"

    def test_save_card_keeps_brand_last4_expiry_and_fingerprint_but_never_the_number(self, buyer_client):
        response = buyer_client.post(
            ORDERS, checkout_body(ProductFactory(), payment=card("5555 5555 5555 4444"), save_card=True), format="json"
        )
        assert response.status_code == 201
        saved = SavedCard.objects.get()
        assert (saved.brand, saved.last4, saved.exp_month, saved.exp_year) == ("mastercard", "4444", 12, 2035)
        assert saved.fingerprint == card_fingerprint("5555555555554444")
        stored = " ".join(str(value) for value in vars(saved).values())
        assert "5555555555554444" not in stored and "123" not in stored.split()

    def test_a_saved_card_pays_again(self, buyer_client, buyer):
        saved = SavedCardFactory(user=buyer, last4="1117", brand="discover")
        response = buyer_client.post(
            ORDERS, checkout_body(ProductFactory(), payment={"saved_card_id": saved.pk}), format="json"
        )
        assert response.status_code == 201
        assert response.json()["card"] == {"brand": "discover", "last4": "1117"}
        assert Transaction.objects.get().card_fingerprint == saved.fingerprint

    def test_two_lines_of_one_product_are_checked_against_stock_together(self, buyer_client):
        product = ProductFactory(stock=3)
        body = checkout_body(product, 2)
        body["items"].append({"product_id": product.pk, "quantity": 2})
        response = buyer_client.post(ORDERS, body, format="json")
        assert response.status_code == 409
        assert_nothing_changed(product, 3)


@pytest.mark.django_db
class CheckoutRefusalTests:
    @pytest.mark.parametrize(
        ("number", "code", "message"),
        [
            ("4000000000000002", "card_declined", "Your card was declined."),
            ("4000000000009995", "insufficient_funds", "Your card has insufficient funds."),
            ("4000000000000069", "expired_card", "Your card has expired."),
            ("4000000000000127", "incorrect_cvc", "Your card's security code is incorrect."),
        ],
    )
    def test_a_declined_card_gets_402_and_only_the_attempt_is_kept(self, buyer_client, number, code, message):
        product = ProductFactory(stock=5)
        response = buyer_client.post(ORDERS, checkout_body(product, 2, payment=card(number)), format="json")
        assert response.status_code == 402
        assert response.json() == {"message": message, "extra": {"decline_code": code}}
        assert_nothing_changed(product, 5)
        record = Transaction.objects.get()
        assert (record.status, record.decline_code, record.decline_reason, record.order_id) == (
            "declined",
            code,
            message,
            None,
        )
        assert record.card_last4 == number[-4:] and record.amount == Decimal("20.00")
        assert SavedCard.objects.count() == 0

    def test_a_gateway_processing_error_gets_502_and_is_recorded_as_an_error(self, buyer_client):
        product = ProductFactory(stock=5)
        response = buyer_client.post(ORDERS, checkout_body(product, payment=card("4000000000000119")), format="json")
        assert response.status_code == 502
        assert response.json() == {"message": MESSAGE_GATEWAY_ERROR, "extra": {"decline_code": "processing_error"}}
        assert_nothing_changed(product, 5)
        assert Transaction.objects.get().status == "error"

    def test_a_luhn_invalid_number_is_rejected_with_402_naming_the_field(self, buyer_client):
        product = ProductFactory(stock=5)
        response = buyer_client.post(ORDERS, checkout_body(product, payment=card("4242424242424241")), format="json")
        assert response.status_code == 402
        assert response.json() == {
            "message": MESSAGE_INCORRECT_NUMBER,
            "extra": {
                "decline_code": "incorrect_number",
                "fields": {"payment.card.number": [MESSAGE_INCORRECT_NUMBER]},
            },
        }
        assert_nothing_changed(product, 5)
        assert Transaction.objects.get().status == "rejected"

    def test_a_past_expiry_is_rejected_with_402(self, buyer_client):
        product = ProductFactory(stock=5)
        response = buyer_client.post(ORDERS, checkout_body(product, payment=card(exp_year=2020)), format="json")
        assert response.status_code == 402
        assert response.json()["extra"]["decline_code"] == "invalid_expiry"
        assert set(response.json()["extra"]["fields"]) == {"payment.card.exp_month", "payment.card.exp_year"}
        assert_nothing_changed(product, 5)

    def test_missing_stock_gets_409_naming_the_products_and_changes_nothing(self, buyer_client):
        plenty = ProductFactory(stock=10)
        scarce = ProductFactory(stock=1)
        body = checkout_body(plenty, 2)
        body["items"].append({"product_id": scarce.pk, "quantity": 2})
        response = buyer_client.post(ORDERS, body, format="json")
        assert response.status_code == 409
        assert response.json() == {"message": MESSAGE_OUT_OF_STOCK, "extra": {"product_ids": [scarce.pk]}}
        assert_nothing_changed(plenty, 10)
        assert_nothing_changed(scarce, 1)
        assert Transaction.objects.count() == 0  # no card was charged

    def test_an_unknown_or_archived_product_gets_400_naming_the_line(self, buyer_client):
        archived = ProductFactory(is_archived=True)
        body = checkout_body(ProductFactory())
        body["items"] += [{"product_id": archived.pk, "quantity": 1}, {"product_id": 999999, "quantity": 1}]
        response = buyer_client.post(ORDERS, body, format="json")
        assert response.status_code == 400
        assert set(response.json()["extra"]["fields"]) == {"items.1.product_id", "items.2.product_id"}
        assert Order.objects.count() == Transaction.objects.count() == 0

    def test_missing_fields_get_400_naming_each(self, buyer_client):
        response = buyer_client.post(ORDERS, {}, format="json")
        assert response.status_code == 400
        assert set(response.json()["extra"]["fields"]) == {"items", "payment"}

    def test_wrong_types_get_400_with_dotted_field_names(self, buyer_client):
        body = {
            "items": [{"product_id": "three", "quantity": 0}],
            "billing_address": {**BILLING, "postal_code": None},
            "payment": {"card": {"number": 4242, "exp_month": 13, "exp_year": "soon", "cvc": "12"}},
            "save_card": "maybe",
        }
        response = buyer_client.post(ORDERS, body, format="json")
        assert response.status_code == 400
        assert set(response.json()["extra"]["fields"]) == {
            "items.0.product_id",
            "items.0.quantity",
            "billing_address.postal_code",
            "payment.card.number",
            "payment.card.exp_month",
            "payment.card.exp_year",
            "payment.card.cvc",
            "save_card",
        }
        assert Transaction.objects.count() == 0

    def test_an_empty_cart_gets_400(self, buyer_client):
        body = checkout_body(ProductFactory())
        response = buyer_client.post(ORDERS, {**body, "items": []}, format="json")
        assert response.status_code == 400
        assert "items" in response.json()["extra"]["fields"]

    def test_both_or_neither_billing_address_gets_400(self, buyer_client, buyer):
        address = AddressFactory(user=buyer)
        body = checkout_body(ProductFactory())
        both = buyer_client.post(ORDERS, {**body, "billing_address_id": address.pk}, format="json")
        del body["billing_address"]
        neither = buyer_client.post(ORDERS, body, format="json")
        assert both.status_code == neither.status_code == 400
        assert "billing_address" in both.json()["extra"]["fields"]

    def test_two_payment_methods_at_once_get_400(self, buyer_client):
        response = buyer_client.post(
            ORDERS, checkout_body(ProductFactory(), payment={**card(), "saved_card_id": 1}), format="json"
        )
        assert response.status_code == 400
        assert "payment" in response.json()["extra"]["fields"]

    def test_someone_elses_address_or_saved_card_gets_400(self, buyer_client, other_buyer):
        product = ProductFactory(stock=5)
        body = checkout_body(product)
        del body["billing_address"]
        address = buyer_client.post(
            ORDERS, {**body, "billing_address_id": AddressFactory(user=other_buyer).pk}, format="json"
        )
        assert address.json()["extra"]["fields"] == {"billing_address_id": [MESSAGE_UNKNOWN_ADDRESS]}
        saved = SavedCardFactory(user=other_buyer)
        paid = buyer_client.post(ORDERS, checkout_body(product, payment={"saved_card_id": saved.pk}), format="json")
        assert paid.status_code == 400 and "payment.saved_card_id" in paid.json()["extra"]["fields"]
        assert_nothing_changed(product, 5)

    def test_a_stripe_payment_method_without_stripe_configured_gets_400(self, buyer_client):
        response = buyer_client.post(
            ORDERS, checkout_body(ProductFactory(), payment={"payment_method_id": "pm_card_visa"}), format="json"
        )
        assert response.status_code == 400
        assert "payment.payment_method_id" in response.json()["extra"]["fields"]

    def test_anonymous_checkout_gets_401(self, anonymous_client):
        assert anonymous_client.post(ORDERS, checkout_body(ProductFactory()), format="json").status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class CheckoutConcurrencyTests:
    def test_concurrent_checkouts_for_the_last_unit_sell_it_exactly_once(self):
        """Real threads, real PostgreSQL connections: the row lock serialises them."""
        product = ProductFactory(stock=1)
        buyers = [UserFactory(email=f"racer{i}@example.com") for i in range(4)]
        statuses: list[int] = []
        start = threading.Barrier(len(buyers))

        def buy(user) -> None:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
            try:
                start.wait()
                statuses.append(client.post(ORDERS, checkout_body(product), format="json").status_code)
            finally:
                connection.close()  # this thread's own connection

        threads = [threading.Thread(target=buy, args=(user,)) for user in buyers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(statuses) == [201, 409, 409, 409]
        product.refresh_from_db()
        assert product.stock == 0
        assert Order.objects.count() == 1
        assert Transaction.objects.filter(status="succeeded").count() == 1
