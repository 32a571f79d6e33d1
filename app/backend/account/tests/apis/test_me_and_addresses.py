import pytest
from django.urls import reverse

from account.models import Address
from account.tests.factories import AddressFactory

ME = reverse("account:me")
ADDRESSES = reverse("account:addresses")
ADDRESS = {
    "full_name": "Ada Lovelace",
    "line1": "12 Analytical Row",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "us",
}


def address_url(address_id: int) -> str:
    return reverse("account:address", args=[address_id])


@pytest.mark.django_db
class UserMeApiTests:
    def test_anonymous_requests_get_401(self, anonymous_client):
        response = anonymous_client.get(ME)
        assert response.status_code == 401
        assert response.json()["message"] == "Authentication credentials were not provided."

    def test_a_bad_token_gets_401(self, anonymous_client):
        anonymous_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
        assert anonymous_client.get(ME).status_code == 401

    def test_the_profile_is_the_signed_in_user(self, buyer_client, buyer):
        response = buyer_client.get(ME)
        assert response.status_code == 200
        assert response.json() == {
            "id": buyer.pk,
            "email": buyer.email,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "is_staff": False,
        }

    def test_patching_changes_only_the_names_given(self, buyer_client, buyer):
        response = buyer_client.patch(ME, {"first_name": "Augusta", "email": "new@example.com"}, format="json")
        assert response.status_code == 200
        buyer.refresh_from_db()
        assert (buyer.first_name, buyer.last_name, buyer.email) == ("Augusta", "Lovelace", "buyer@example.com")

    def test_a_name_of_the_wrong_type_gets_400(self, buyer_client):
        response = buyer_client.patch(ME, {"first_name": {"a": 1}}, format="json")
        assert response.status_code == 400
        assert "first_name" in response.json()["extra"]["fields"]


@pytest.mark.django_db
class AddressApiTests:
    def test_the_first_address_is_the_default_and_the_second_is_not(self, buyer_client):
        first = buyer_client.post(ADDRESSES, ADDRESS, format="json")
        second = buyer_client.post(ADDRESSES, {**ADDRESS, "line1": "1 Other St"}, format="json")
        assert first.status_code == second.status_code == 201
        assert first.json()["is_default"] is True and first.json()["country"] == "US"
        assert second.json()["is_default"] is False
        assert set(first.json()) == {
            "id", "full_name", "line1", "line2", "city", "state", "postal_code", "country", "is_default"
        }  # fmt: skip

    def test_making_one_default_clears_the_others(self, buyer_client, buyer):
        first = AddressFactory(user=buyer, is_default=True)
        second = AddressFactory(user=buyer)
        response = buyer_client.patch(address_url(second.pk), {"is_default": True}, format="json")
        assert response.status_code == 200
        first.refresh_from_db()
        assert first.is_default is False
        assert [a["id"] for a in buyer_client.get(ADDRESSES).json()] == [second.pk, first.pk]

    def test_the_list_holds_only_the_users_own_addresses(self, buyer_client, buyer, other_buyer):
        mine = AddressFactory(user=buyer)
        AddressFactory(user=other_buyer)
        assert [a["id"] for a in buyer_client.get(ADDRESSES).json()] == [mine.pk]

    def test_missing_fields_get_400_naming_each(self, buyer_client):
        response = buyer_client.post(ADDRESSES, {"full_name": "Ada"}, format="json")
        assert response.status_code == 400
        assert set(response.json()["extra"]["fields"]) == {"line1", "city", "postal_code", "country"}
        assert Address.objects.count() == 0

    def test_a_country_that_is_not_two_letters_gets_400(self, buyer_client):
        response = buyer_client.post(ADDRESSES, {**ADDRESS, "country": "USA"}, format="json")
        assert response.status_code == 400
        assert "country" in response.json()["extra"]["fields"]

    def test_someone_elses_address_is_404_to_patch_and_delete(self, buyer_client, other_buyer):
        theirs = AddressFactory(user=other_buyer)
        assert buyer_client.patch(address_url(theirs.pk), {"city": "X"}, format="json").status_code == 404
        assert buyer_client.delete(address_url(theirs.pk)).status_code == 404
        theirs.refresh_from_db()
        assert theirs.city == "Springfield"

    def test_deleting_the_default_makes_the_oldest_remaining_one_default(self, buyer_client, buyer):
        first = AddressFactory(user=buyer, is_default=True)
        second = AddressFactory(user=buyer)
        assert buyer_client.delete(address_url(first.pk)).status_code == 204
        second.refresh_from_db()
        assert second.is_default is True
