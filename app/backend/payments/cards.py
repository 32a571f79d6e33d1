"""Card numbers: checks done before any gateway sees them, brand, and the keyed fingerprint."""

import hashlib
import hmac
from datetime import date

from django.conf import settings

from payments.models import CardBrand


def digits_only(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def luhn_valid(number: str) -> bool:
    """The Luhn checksum every real card number satisfies (catches most typos)."""
    digits = digits_only(number)
    if not 12 <= len(digits) <= 19 or digits != number.replace(" ", "").replace("-", ""):
        return False
    total = 0
    for index, digit in enumerate(int(d) for d in reversed(digits)):
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_brand(number: str) -> str:
    digits = digits_only(number)
    if digits.startswith("4"):
        return CardBrand.VISA
    if digits[:2] in {"34", "37"}:
        return CardBrand.AMEX
    prefix2, prefix3, prefix4 = (int(digits[:n] or 0) for n in (2, 3, 4))
    if 51 <= prefix2 <= 55 or 2221 <= prefix4 <= 2720:
        return CardBrand.MASTERCARD
    if digits.startswith("6011") or digits.startswith("65") or 644 <= prefix3 <= 649:
        return CardBrand.DISCOVER
    return CardBrand.UNKNOWN


def card_fingerprint(number: str) -> str:
    """Hex HMAC-SHA256 of the digits, keyed by CARD_FINGERPRINT_KEY: the same card always gets
    the same fingerprint, yet the number cannot be recovered by hashing all 10^16 candidates
    without the key."""
    digits = digits_only(number)
    return keyed_fingerprint(digits) if digits else ""


def keyed_fingerprint(value: str) -> str:
    return hmac.new(settings.CARD_FINGERPRINT_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def expiry_in_past(exp_month: int, exp_year: int, today: date | None = None) -> bool:
    """A card is valid through the last day of its expiry month."""
    today = today or date.today()
    return (exp_year, exp_month) < (today.year, today.month)
