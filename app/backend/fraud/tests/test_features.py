"""The backend's port of the transactions profile's value rules (features.ts): the same category
for the same input, including inputs a crafted charge could carry."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fraud.features import (
    FEATURES,
    Aggregates,
    amount_band,
    count_bucket,
    featurize,
    outcome_mismatch,
    years_to_expiry,
    zip_matches_state,
)
from fraud.tests.test_model_file import Attempt


@pytest.mark.parametrize(
    ("n", "bucket"),
    [
        (-1, "0"),
        (0, "0"),
        (1, "1"),
        (8, "8"),
        (9, "9-16"),
        (16, "9-16"),
        (17, "17-32"),
        (10**9, "536870913-1073741824"),
    ],
)
def test_counts_are_exact_to_eight_then_powers_of_two(n, bucket):
    assert count_bucket(n) == bucket


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        (0.0, "zero"),
        (-5.0, "zero"),
        (float("nan"), "zero"),
        (0.01, "-7"),
        (1.0, "0"),
        (1.99, "0"),
        (2.0, "1"),
        (63.99, "5"),
        (64.0, "6"),
        (1e300, "996"),
    ],
)
def test_an_amount_falls_in_its_power_of_two_band(amount, band):
    assert amount_band(amount) == band


@pytest.mark.parametrize(
    ("months", "years"),
    [(None, "none"), (-1, "expired"), (0, "0"), (11, "0"), (12, "1"), (359, "29"), (360, "30+"), (95_000, "30+")],
)
def test_years_to_expiry_names_expired_missing_and_far_expiries(months, years):
    assert years_to_expiry(months) == years


@pytest.mark.parametrize(
    ("status", "code", "mismatch"),
    [
        ("succeeded", "", 0),
        ("succeeded", "card_declined", 1),
        ("declined", "card_declined", 0),
        ("declined", "", 1),
        ("error", "", 0),
        ("rejected", "incorrect_number", 0),
    ],
)
def test_an_outcome_and_its_decline_code_must_agree(status, code, mismatch):
    assert outcome_mismatch(status, code) == mismatch


def test_featurize_gives_one_value_per_feature_of_the_profile_with_the_kinds_it_declares():
    values = featurize(Attempt(), Aggregates(1, 1, 1, 1, 1, 1, 1, 0, 1, 0, {"GB": 1}))
    assert len(values) == len(FEATURES)
    for (name, kind), value in zip(FEATURES, values, strict=True):
        assert isinstance(value, str) if kind == "categorical" else isinstance(value, (int, float)), name


def test_an_expiry_year_far_beyond_any_issued_is_its_own_category_not_a_clipped_number():
    names = [name for name, _ in FEATURES]
    far = featurize(Attempt(card_exp_year=9999), Aggregates(user_countries={"GB": 1}))
    assert far[names.index("years_to_expiry")] == "30+"
    assert far[names.index("card_expired")] == 0


def test_a_success_carrying_a_decline_code_sets_outcome_mismatch_and_the_hour_is_the_utc_clock_hour():
    names = [name for name, _ in FEATURES]
    at = datetime(2026, 6, 1, 23, 59, tzinfo=UTC)
    values = featurize(
        Attempt(decline_code=" Card_Declined ", created_at=at, amount=Decimal("3.5")),
        Aggregates(user_countries={"GB": 1}),
    )
    assert values[names.index("outcome_mismatch")] == 1
    assert values[names.index("decline_code")] == "card_declined"
    assert values[names.index("hour_of_day")] == "23"
    assert values[names.index("amount_band")] == "1"


def test_a_zip_of_another_state_is_a_mismatch_and_a_foreign_address_unknown():
    names = [name for name, _ in FEATURES]
    at = names.index("zip_matches_state")
    us = {"billing_country": "US", "billing_state": "TX"}
    assert featurize(Attempt(**us, billing_postal_code="73301"), Aggregates())[at] == "match"
    assert featurize(Attempt(**us, billing_postal_code="98101"), Aggregates())[at] == "mismatch"
    assert featurize(Attempt(), Aggregates(user_countries={"GB": 1}))[at] == "unknown"


@pytest.mark.parametrize("name", ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])
def test_a_state_named_like_an_object_member_is_unknown_as_in_the_scan(name):
    """The scan looks states up in a Map for this reason (address.ts); both must say "unknown"."""
    assert zip_matches_state("73301", name) == 0.5
