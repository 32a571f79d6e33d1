"""One charge attempt as the `transactions` feature profile sees it
(actions/fraud-scan/src/features/transactions.ts, profile version 3).

The row's own features are computed here from the attempt; the cross-row ones (cards per user,
attempts per card in the hour, ...) come from `Aggregates`, which fraud/selectors.py reads from
payments_transaction by indexed queries. Every rule follows the TypeScript one it names, and the
parity test holds the two to each other on the same table.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

PROFILE_NAME = "transactions"
PROFILE_VERSION = 3
FEATURES: list[tuple[str, str]] = [
    ("amount_log", "numeric"),
    ("amount_band", "categorical"),
    ("status", "categorical"),
    ("decline_code", "categorical"),
    ("card_brand", "categorical"),
    ("card_expired", "binary"),
    ("outcome_mismatch", "binary"),
    ("years_to_expiry", "categorical"),
    ("hour_of_day", "categorical"),
    ("billing_complete", "categorical"),
    ("zip_matches_state", "categorical"),
    ("cards_per_user", "categorical"),
    ("users_per_card", "categorical"),
    ("card_attempts_in_hour", "categorical"),
    ("card_decline_ratio", "numeric"),
    ("user_decline_ratio", "numeric"),
    ("ips_per_user", "categorical"),
    ("users_per_ip", "categorical"),
    ("countries_per_user", "categorical"),
    ("country_mismatch", "binary"),
]

# What JavaScript's String.prototype.trim removes (Python's strip() also removes \x1c-\x1f, \x85).
_JS_WHITESPACE = "".join(
    ["\t\n\v\f\r \u00a0\u1680", *map(chr, range(0x2000, 0x200B)), "\u2028\u2029\u202f\u205f\u3000\ufeff"]
)

_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
    "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM",
    "new york": "NY", "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR",
}  # fmt: skip
_STATE_CODES = set(_STATES.values())
# USPS national areas: the first ZIP digit and the states whose codes start with it.
_ZIP_REGIONS = {
    "0": {"CT", "MA", "ME", "NH", "NJ", "NY", "PR", "RI", "VT"},
    "1": {"DE", "NY", "PA"},
    "2": {"DC", "MD", "NC", "SC", "VA", "WV"},
    "3": {"AL", "FL", "GA", "MS", "TN"},
    "4": {"IN", "KY", "MI", "OH"},
    "5": {"IA", "MN", "MT", "ND", "SD", "WI"},
    "6": {"IL", "KS", "MO", "NE"},
    "7": {"AR", "LA", "OK", "TX"},
    "8": {"AZ", "CO", "ID", "NM", "NV", "UT", "WY"},
    "9": {"AK", "CA", "HI", "OR", "WA"},
}
_ZIP = re.compile(r"^\d{5}(-\d{4})?$", re.ASCII)


def text(value: Any) -> str:
    """row.ts text(): '' for None, numbers as text, trimmed as JavaScript trims."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(value).strip(_JS_WHITESPACE)


def _state_code(value: Any) -> str | None:
    raw = text(value).lower()
    if raw == "":
        return None
    if len(raw) == 2:
        upper = raw.upper()
        return upper if upper in _STATE_CODES else None
    return _STATES.get(raw)


def zip_matches_state(postal_code: Any, state: Any) -> float:
    """address.ts zipMatchesState: 1 when the ZIP's region holds the state, 0 when not, 0.5 unknown."""
    code = _state_code(state)
    raw = text(postal_code)
    if not code or not _ZIP.match(raw):
        return 0.5
    return 1.0 if code in _ZIP_REGIONS.get(raw[0], set()) else 0.0


def match_text(value: float) -> str:
    """profile.ts matchText: a 1 / 0 / 0.5 check as "match", "mismatch" or "unknown"."""
    return "match" if value == 1 else "mismatch" if value == 0 else "unknown"


def is_decline(status: Any) -> bool:
    """transactions.ts declined(): any outcome but success (an empty status is neither)."""
    value = text(status).lower()
    return value not in ("", "succeeded")


@dataclass
class Aggregates:
    """The cross-row counts of one attempt, over the whole payments_transaction table with the
    attempt in it (the scan computes them over the table it reads, which holds the row)."""

    cards_per_user: int = 0
    users_per_card: int = 0
    ips_per_user: int = 0
    users_per_ip: int = 0
    countries_per_user: int = 0
    attempts_per_card_hour: int = 0
    attempts_per_card: int = 0
    declines_per_card: int = 0
    attempts_per_user: int = 0
    declines_per_user: int = 0
    # Billing country (upper case) → the user's attempts with it; the usual one is the mode.
    user_countries: dict[str, int] = field(default_factory=dict)

    @property
    def usual_country(self) -> str:
        """The most frequent, ties to the smallest (aggregates.ts mode)."""
        if not self.user_countries:
            return ""
        return min(self.user_countries.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def count_bucket(n: int) -> str:
    """transactions.ts countBucket: exact up to 8, then powers of two ("9-16", "17-32", ...)."""
    if n <= 8:
        return str(max(0, n))
    upper = 16
    while n > upper:
        upper *= 2
    return f"{upper // 2 + 1}-{upper}"


def amount_band(amount: float) -> str:
    """transactions.ts amountBand: the power-of-two band, by the same exact halvings and doublings."""
    if not amount > 0:
        return "zero"
    band, value = 0, amount
    while value >= 2:
        value /= 2
        band += 1
    while value < 1:
        value *= 2
        band -= 1
    return str(band)


def years_to_expiry(months: float | None) -> str:
    """transactions.ts yearsToExpiry: "none", "expired", whole years, "30+"."""
    if months is None:
        return "none"
    if months < 0:
        return "expired"
    years = math.floor(months / 12)
    return "30+" if years >= 30 else str(years)


def outcome_mismatch(status: str, decline_code: str) -> int:
    """transactions.ts outcomeMismatch: a success with a decline code, or a decline without one."""
    if status == "succeeded":
        return 0 if decline_code == "" else 1
    if status == "declined":
        return 1 if decline_code == "" else 0
    return 0


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole > 0 else 0.0


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
    else:
        raw = text(value)
        if raw == "":
            return None
        try:
            number = float(raw)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def featurize(attempt: Any, aggregates: Aggregates) -> list[float | str]:
    """transactions.ts extract() for one attempt (a payments.Transaction, saved or not)."""
    amount = _finite(attempt.amount)
    if amount is None:
        raise ValueError("amount is not a finite number")
    at = attempt.created_at.astimezone(UTC)
    country = text(attempt.billing_country).upper()
    exp_month, exp_year = _finite(attempt.card_exp_month), _finite(attempt.card_exp_year)
    months_to_expiry = None
    if exp_month is not None and exp_year is not None:
        months_to_expiry = (exp_year - at.year) * 12 + (exp_month - at.month)
    status = text(attempt.status).lower()
    decline_code = text(attempt.decline_code).lower()
    filled = sum(
        text(v) != ""
        for v in (attempt.billing_city, attempt.billing_state, attempt.billing_postal_code, attempt.billing_country)
    )
    usual = aggregates.usual_country
    a = aggregates
    return [
        math.log1p(max(0.0, amount)),
        amount_band(amount),
        status,
        decline_code,
        text(attempt.card_brand).lower() or "unknown",
        1 if months_to_expiry is not None and months_to_expiry < 0 else 0,
        outcome_mismatch(status, decline_code),
        years_to_expiry(months_to_expiry),
        str(at.hour),
        str(filled),
        match_text(zip_matches_state(attempt.billing_postal_code, attempt.billing_state) if country == "US" else 0.5),
        count_bucket(a.cards_per_user),
        count_bucket(a.users_per_card),
        count_bucket(a.attempts_per_card_hour),
        _ratio(a.declines_per_card, a.attempts_per_card),
        _ratio(a.declines_per_user, a.attempts_per_user),
        count_bucket(a.ips_per_user),
        count_bucket(a.users_per_ip),
        count_bucket(a.countries_per_user),
        1 if usual != "" and country != "" and country != usual else 0,
    ]
