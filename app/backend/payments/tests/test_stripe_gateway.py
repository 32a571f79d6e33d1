"""Checkout through the Stripe gateway: the real `stripe` client against a loopback stand-in."""

import pytest
from django.test import override_settings
from django.urls import reverse

from orders.models import Order
from payments.cards import keyed_fingerprint
from payments.models import SavedCard, Transaction
from payments.tests.stripe_standin import CARD, StripeStandIn
from product.tests.factories import ProductFactory

ORDERS = reverse("orders:orders")
BILLING = {
    "full_name": "Ada",
    "line1": "1 Row",
    "city": "Austin",
    "state": "TX",
    "postal_code": "73301",
    "country": "US",
}


@pytest.fixture
def stripe_api():
    with (
        StripeStandIn() as standin,
        override_settings(
            STRIPE_SECRET_KEY="sk_test_standin", STRIPE_PUBLISHABLE_KEY="pk_test_standin", STRIPE_API_BASE=standin.url
        ),
    ):
        yield standin


def body(product, payment: dict, **extra) -> dict:
    return {
        "items": [{"product_id": product.pk, "quantity": 2}],
        "billing_address": BILLING,
        "payment": payment,
        **extra,
    }


@pytest.mark.django_db
class StripeCheckoutTests:
    def test_a_payment_method_is_charged_in_cents_and_recorded(self, buyer_client, stripe_api):
        product = ProductFactory(price="12.25", stock=3)
        response = buyer_client.post(ORDERS, body(product, {"payment_method_id": "pm_card_visa"}), format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["card"] == {"brand": "visa", "last4": "4242"}
        (intent,) = stripe_api.posted("/v1/payment_intents")
        assert (intent["amount"], intent["currency"], intent["payment_method"], intent["confirm"]) == (
            "2450",
            "usd",
            "pm_card_visa",
            "true",
        )
        record = Transaction.objects.get()
        assert (record.gateway, record.status) == ("stripe", "succeeded")
        assert record.gateway_reference.startswith("pi_")
        assert record.card_fingerprint == keyed_fingerprint(f"stripe:{CARD['fingerprint']}")

    def test_a_declined_card_gets_402_with_stripes_decline_code_and_nothing_changes(self, buyer_client, stripe_api):
        product = ProductFactory(stock=3)
        response = buyer_client.post(
            ORDERS, body(product, {"payment_method_id": "pm_card_chargeDeclined"}), format="json"
        )
        assert response.status_code == 402
        assert response.json() == {"message": "Your card was declined.", "extra": {"decline_code": "generic_decline"}}
        product.refresh_from_db()
        assert product.stock == 3 and Order.objects.count() == 0
        assert Transaction.objects.get().status == "declined"

    def test_a_card_needing_authentication_is_declined_with_a_clear_code(self, buyer_client, stripe_api):
        response = buyer_client.post(
            ORDERS, body(ProductFactory(), {"payment_method_id": "pm_card_authenticationRequired"}), format="json"
        )
        assert response.status_code == 402
        assert response.json()["extra"]["decline_code"] == "authentication_required"

    def test_card_numbers_are_refused_when_stripe_is_configured(self, buyer_client, stripe_api):
        card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
        response = buyer_client.post(ORDERS, body(ProductFactory(), {"card": card}), format="json")
        assert response.status_code == 400
        assert "payment.card" in response.json()["extra"]["fields"]
        assert stripe_api.requests == []

    def test_a_saved_stripe_card_becomes_a_customer_and_pays_again_off_session(self, buyer_client, stripe_api):
        product = ProductFactory(stock=5)
        first = buyer_client.post(
            ORDERS, body(product, {"payment_method_id": "pm_card_visa"}, save_card=True), format="json"
        )
        assert first.status_code == 201
        saved = SavedCard.objects.get()
        assert (saved.gateway, saved.gateway_reference) == ("stripe", "pm_card_visa")
        assert saved.gateway_customer.startswith("cus_")
        again = buyer_client.post(ORDERS, body(product, {"saved_card_id": saved.pk}), format="json")
        assert again.status_code == 201
        intents = stripe_api.posted("/v1/payment_intents")
        assert intents[0]["setup_future_usage"] == "off_session"
        assert (intents[1]["customer"], intents[1]["off_session"]) == (saved.gateway_customer, "true")

    def test_the_storefront_is_given_the_publishable_key(self, anonymous_client, stripe_api):
        assert anonymous_client.get(reverse("config")).json()["stripe_publishable_key"] == "pk_test_standin"


@pytest.mark.django_db
class StripeIdempotencyAndTimeoutTests:
    def test_the_payment_intent_carries_a_key_derived_from_the_checkouts_idempotency_key(
        self, buyer, buyer_client, stripe_api
    ):
        product = ProductFactory(stock=5)
        payment = {"payment_method_id": "pm_card_visa"}
        buyer_client.post(ORDERS, body(product, payment), format="json", HTTP_IDEMPOTENCY_KEY="attempt-1")
        buyer_client.post(ORDERS, body(product, payment), format="json", HTTP_IDEMPOTENCY_KEY="attempt-1")
        keys = [key for path, key in stripe_api.idempotency_keys if path == "/v1/payment_intents"]
        assert keys == [f"checkout-{buyer.pk}-attempt-1-charge"]  # the repeat never reached Stripe

    def test_a_stripe_that_does_not_answer_in_time_gets_502_quickly_and_puts_the_stock_back(
        self, buyer_client, stripe_api
    ):
        import time

        stripe_api.intent_delay = 3
        product = ProductFactory(stock=5)
        with override_settings(PAYMENT_GATEWAY_TIMEOUT=0.5):
            started = time.monotonic()
            response = buyer_client.post(ORDERS, body(product, {"payment_method_id": "pm_card_visa"}), format="json")
            elapsed = time.monotonic() - started
        assert response.status_code == 502
        # Two tries of 0.5 s and stripe-python's short backoff, not 80 s with retries.
        assert elapsed < 2.5, elapsed
        assert len(stripe_api.posted("/v1/payment_intents")) == 2  # one retry, with the same key
        assert len({key for path, key in stripe_api.idempotency_keys if path == "/v1/payment_intents"}) == 1
        product.refresh_from_db()
        assert product.stock == 5
        assert Order.objects.count() == 0
