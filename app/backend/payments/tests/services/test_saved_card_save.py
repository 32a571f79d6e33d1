import pytest

from payments.cards import card_fingerprint
from payments.gateways.base import CardSummary
from payments.models import SavedCard
from payments.services import saved_card_save


@pytest.mark.django_db
class SavedCardSaveTests:
    def test_saving_the_same_card_twice_keeps_one_entry_with_the_new_expiry(self, buyer):
        fingerprint = card_fingerprint("4242424242424242")
        for year in (2030, 2031):
            saved_card_save(
                user=buyer,
                card=CardSummary("visa", "4242", 12, year, fingerprint),
                gateway="offline",
                gateway_reference=f"offline_card_{year}",
            )
        saved = SavedCard.objects.get()
        assert (saved.exp_year, saved.gateway_reference) == (2031, "offline_card_2031")
