from datetime import date

import pytest
from django.test import override_settings

from payments.cards import card_brand, card_fingerprint, expiry_in_past, luhn_valid


class CardChecksTests:
    @pytest.mark.parametrize("number", ["4242424242424242", "4242 4242 4242 4242", "378282246310005"])
    def test_real_test_numbers_pass_luhn(self, number):
        assert luhn_valid(number)

    @pytest.mark.parametrize("number", ["4242424242424241", "1234", "4242x24242424242", ""])
    def test_typos_short_numbers_and_letters_fail_luhn(self, number):
        assert not luhn_valid(number)

    @pytest.mark.parametrize(
        ("number", "brand"),
        [
            ("4242424242424242", "visa"),
            ("5555555555554444", "mastercard"),
            ("2223003122003222", "mastercard"),
            ("378282246310005", "amex"),
            ("6011111111111117", "discover"),
            ("3566002020360505", "unknown"),
        ],
    )
    def test_the_brand_follows_the_number_prefix(self, number, brand):
        assert card_brand(number) == brand

    def test_the_fingerprint_is_stable_keyed_and_never_the_number(self):
        fingerprint = card_fingerprint("4242 4242 4242 4242")
        assert fingerprint == card_fingerprint("4242424242424242")
        assert len(fingerprint) == 64 and "4242" not in fingerprint
        with override_settings(CARD_FINGERPRINT_KEY="another-key"):
            assert card_fingerprint("4242424242424242") != fingerprint

    def test_a_card_is_valid_through_its_expiry_month(self):
        today = date(2030, 6, 15)
        assert not expiry_in_past(6, 2030, today)
        assert expiry_in_past(5, 2030, today)
        assert expiry_in_past(12, 2029, today)
