"""Stripe: the storefront collects the card with Stripe Elements and sends a PaymentMethod id;
this charges it with a PaymentIntent confirmed at once (https://docs.stripe.com/api/payment_intents).

The tests run it against a loopback stand-in for Stripe's API (payments/tests/stripe_standin.py)."""

import logging
from decimal import Decimal

import stripe

from payments.cards import keyed_fingerprint
from payments.gateways.base import CardSummary, ChargeRequest, ChargeResult, PaymentGateway

logger = logging.getLogger(__name__)
MESSAGE_NEEDS_AUTHENTICATION = "This card needs extra authentication, which this shop does not support yet."


def _minor_units(amount: Decimal) -> int:
    # Every currency this shop sells in (usd) has two decimal places.
    return int((amount * 100).to_integral_value())


class StripeGateway(PaymentGateway):
    name = "stripe"

    def __init__(self, secret_key: str, api_base: str = "", timeout: float = 10):
        # api_base: another Stripe-compatible endpoint (stripe-mock, the tests' stand-in).
        addresses = {"api": api_base} if api_base else None
        # stripe-python waits 80 s by default, with retries: longer than gunicorn (30 s) and nginx
        # (60 s) wait for the checkout. `timeout` per try and one retry (same idempotency key)
        # keep a checkout's gateway time under 2 x timeout + Stripe's backoff.
        self.client = stripe.StripeClient(
            secret_key,
            max_network_retries=1,
            base_addresses=addresses,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def _card(self, payment_method_id: str) -> CardSummary:
        method = self.client.v1.payment_methods.retrieve(payment_method_id)
        card = method.card
        # We never see the number: the keyed fingerprint is taken over Stripe's own card fingerprint,
        # which is stable per card number, so the fraud scan can still count distinct cards.
        return CardSummary(
            brand=card.brand if card.brand in {"visa", "mastercard", "amex", "discover"} else "unknown",
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            fingerprint=keyed_fingerprint(f"stripe:{card.fingerprint}") if card.fingerprint else "",
        )

    @staticmethod
    def _options(request: ChargeRequest, what: str) -> dict:
        # Stripe answers a repeated key with the first call's result instead of charging again.
        return {"idempotency_key": f"{request.idempotency_key}-{what}"} if request.idempotency_key else {}

    def charge(self, request: ChargeRequest) -> ChargeResult:
        payment_method = request.payment_method_id or request.saved_reference
        card = CardSummary(brand="unknown", last4="", exp_month=None, exp_year=None, fingerprint="")
        try:
            card = self._card(payment_method)
            params: dict = {
                "amount": _minor_units(request.amount),
                "currency": request.currency,
                "payment_method": payment_method,
                "confirm": True,
                "description": request.description,
                "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            }
            customer = request.saved_customer
            if request.save_card and not customer:
                customer = self.client.v1.customers.create(
                    params={"email": request.email}, options=self._options(request, "customer")
                ).id
            if customer:
                params["customer"] = customer
            if request.save_card:
                params["setup_future_usage"] = "off_session"
            if request.saved_reference:
                params["off_session"] = True
            intent = self.client.v1.payment_intents.create(params=params, options=self._options(request, "charge"))
        except stripe.CardError as error:
            code = getattr(error.error, "decline_code", None) or error.code or "card_declined"
            return ChargeResult(
                status="declined",
                card=card,
                decline_code=code,
                decline_reason=error.user_message or "Your card was declined.",
            )
        except stripe.StripeError as error:
            logger.warning("stripe charge failed", extra={"error": error.__class__.__name__})
            return ChargeResult(
                status="error",
                card=card,
                decline_code="gateway_error",
                decline_reason="The payment could not be processed. Try again.",
            )
        if intent.status != "succeeded":
            return ChargeResult(
                status="declined",
                card=card,
                reference=intent.id,
                decline_code="authentication_required",
                decline_reason=MESSAGE_NEEDS_AUTHENTICATION,
            )
        return ChargeResult(
            status="succeeded",
            card=card,
            reference=intent.id,
            reusable_reference=payment_method if request.save_card else "",
            customer_reference=customer or "",
        )

    def refund(self, reference: str) -> None:
        self.client.v1.refunds.create(params={"payment_intent": reference})
