import pytest
from django.test import override_settings
from django.urls import reverse

from payments.models import SavedCard
from payments.tests.factories import SavedCardFactory

CARDS = reverse("payments:cards")
CONFIG = reverse("config")


@pytest.mark.django_db
class SavedCardApiTests:
    def test_the_list_holds_only_the_users_cards_without_fingerprints(self, buyer_client, buyer, other_buyer):
        mine = SavedCardFactory(user=buyer)
        SavedCardFactory(user=other_buyer)
        assert buyer_client.get(CARDS).json() == [
            {
                "id": mine.pk,
                "brand": "visa",
                "last4": "4242",
                "exp_month": 12,
                "exp_year": 2035,
                "created_at": mine.created_at.isoformat().replace("+00:00", "Z"),
            }
        ]

    def test_deleting_an_own_card_answers_204(self, buyer_client, buyer):
        card = SavedCardFactory(user=buyer)
        assert buyer_client.delete(reverse("payments:card", args=[card.pk])).status_code == 204
        assert not SavedCard.objects.filter(pk=card.pk).exists()

    def test_deleting_someone_elses_card_is_404_and_keeps_it(self, buyer_client, other_buyer):
        card = SavedCardFactory(user=other_buyer)
        assert buyer_client.delete(reverse("payments:card", args=[card.pk])).status_code == 404
        assert SavedCard.objects.filter(pk=card.pk).exists()

    def test_anonymous_clients_get_401(self, anonymous_client):
        assert anonymous_client.get(CARDS).status_code == 401


@pytest.mark.django_db
class ShopConfigApiTests:
    def test_without_stripe_there_is_no_publishable_key(self, anonymous_client):
        assert anonymous_client.get(CONFIG).json() == {"stripe_publishable_key": None, "currency": "usd"}

    @override_settings(STRIPE_SECRET_KEY="sk_test_x", STRIPE_PUBLISHABLE_KEY="pk_test_y")
    def test_with_stripe_the_publishable_key_is_public(self, anonymous_client):
        assert anonymous_client.get(CONFIG).json()["stripe_publishable_key"] == "pk_test_y"
