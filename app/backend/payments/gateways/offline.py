"""A gateway with no network: follows Stripe's documented test cards
(https://docs.stripe.com/testing#cards and #declined-payments)."""

import uuid

from payments.cards import card_brand, card_fingerprint, digits_only
from payments.gateways.base import CardSummary, ChargeRequest, ChargeResult, PaymentGateway

MESSAGE_DECLINED = "Your card was declined."
MESSAGE_NOT_A_TEST_CARD = "Your card was declined: this shop is in test mode and accepts only test cards."

# Numbers Stripe documents as succeeding.
SUCCEEDING_TEST_CARDS = {
    "4242424242424242",  # Visa
    "4000056655665556",  # Visa (debit)
    "5555555555554444",  # Mastercard
    "2223003122003222",  # Mastercard (2-series)
    "5200828282828210",  # Mastercard (debit)
    "5105105105105100",  # Mastercard (prepaid)
    "378282246310005",  # American Express
    "371449635398431",  # American Express
    "6011111111111117",  # Discover
    "6011000990139424",  # Discover
    "6011981111111113",  # Discover (debit)
    "3056930009020004",  # Diners Club
    "36227206271667",  # Diners Club (14 digits)
    "3566002020360505",  # JCB
    "6200000000000005",  # UnionPay
}

# Numbers Stripe documents as declined: (status, decline code, message).
DECLINING_TEST_CARDS = {
    "4000000000000002": ("declined", "card_declined", MESSAGE_DECLINED),
    "4000000000009995": ("declined", "insufficient_funds", "Your card has insufficient funds."),
    "4000000000009987": ("declined", "lost_card", MESSAGE_DECLINED),
    "4000000000009979": ("declined", "stolen_card", MESSAGE_DECLINED),
    "4000000000000069": ("declined", "expired_card", "Your card has expired."),
    "4000000000000127": ("declined", "incorrect_cvc", "Your card's security code is incorrect."),
    "4000000000000119": ("error", "processing_error", "An error occurred while processing your card. Try again."),
    "4100000000000019": ("declined", "fraudulent", MESSAGE_DECLINED),
}


class OfflineGateway(PaymentGateway):
    name = "offline"

    def charge(self, request: ChargeRequest) -> ChargeResult:
        reference = f"offline_ch_{uuid.uuid4().hex[:24]}"
        if request.saved_reference:
            # Only cards that were charged successfully are saved: charging one again succeeds.
            return ChargeResult(status="succeeded", card=_unknown_card(), reference=reference)
        if request.card is None:
            return ChargeResult(
                status="error",
                card=_unknown_card(),
                decline_code="gateway_unavailable",
                decline_reason="Stripe payments are not configured on this shop.",
            )
        number = digits_only(request.card.number)
        card = CardSummary(
            brand=card_brand(number),
            last4=number[-4:],
            exp_month=request.card.exp_month,
            exp_year=request.card.exp_year,
            fingerprint=card_fingerprint(number),
        )
        if number in DECLINING_TEST_CARDS:
            status, code, message = DECLINING_TEST_CARDS[number]
            return ChargeResult(
                status=status, card=card, reference=reference, decline_code=code, decline_reason=message
            )
        if number not in SUCCEEDING_TEST_CARDS:
            return ChargeResult(
                status="declined",
                card=card,
                reference=reference,
                decline_code="card_declined",
                decline_reason=MESSAGE_NOT_A_TEST_CARD,
            )
        return ChargeResult(
            status="succeeded",
            card=card,
            reference=reference,
            reusable_reference=f"offline_card_{uuid.uuid4().hex[:24]}" if request.save_card else "",
        )

    def refund(self, reference: str) -> None:
        """Nothing left the buyer's account: nothing to give back."""


def _unknown_card() -> CardSummary:
    return CardSummary(brand="unknown", last4="", exp_month=None, exp_year=None, fingerprint="")
