"""POST /api/auth/logout/: a refresh token stops working once its owner signs out."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from account.tests.factories import PASSWORD, UserFactory

TOKEN = reverse("auth:token")
REFRESH = reverse("auth:token-refresh")
LOGOUT = reverse("auth:logout")


@pytest.mark.django_db
class UserLogoutApiTests:
    def _sign_in(self, client) -> dict:
        UserFactory(email="ada@example.com")
        response = client.post(TOKEN, {"email": "ada@example.com", "password": PASSWORD}, format="json")
        assert response.status_code == 200
        return response.json()

    def test_a_refresh_token_stops_working_after_logout(self, anonymous_client):
        tokens = self._sign_in(anonymous_client)
        stolen = tokens["refresh"]
        assert anonymous_client.post(LOGOUT, {"refresh": stolen}, format="json").status_code == 204
        attempt = anonymous_client.post(REFRESH, {"refresh": stolen}, format="json")
        assert attempt.status_code == 401
        assert attempt.json()["extra"]["code"] == "token_not_valid"

    def test_tokens_rotated_before_logout_are_dead_too(self, anonymous_client):
        tokens = self._sign_in(anonymous_client)
        rotated = anonymous_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()
        assert anonymous_client.post(LOGOUT, {"refresh": rotated["refresh"]}, format="json").status_code == 204
        for refresh in (tokens["refresh"], rotated["refresh"]):
            assert anonymous_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401

    def test_logging_out_twice_or_with_a_forged_token_gets_401(self, anonymous_client):
        tokens = self._sign_in(anonymous_client)
        assert anonymous_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 204
        assert anonymous_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 401
        forged = tokens["refresh"][:-4] + "AAAA"
        response = anonymous_client.post(LOGOUT, {"refresh": forged}, format="json")
        assert response.status_code == 401
        assert response.json()["extra"]["code"] == "token_not_valid"

    def test_an_access_token_cannot_be_used_to_log_out(self, anonymous_client):
        tokens = self._sign_in(anonymous_client)
        assert anonymous_client.post(LOGOUT, {"refresh": tokens["access"]}, format="json").status_code == 401
        assert anonymous_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 200

    def test_a_missing_token_gets_400(self, anonymous_client):
        assert anonymous_client.post(LOGOUT, {}, format="json").status_code == 400

    def test_flushexpiredtokens_deletes_expired_ones_only(self, anonymous_client):
        self._sign_in(anonymous_client)
        from django.utils import timezone

        OutstandingToken.objects.update(expires_at=timezone.now() - timezone.timedelta(days=1))
        self._sign_in_again(anonymous_client)
        call_command("flushexpiredtokens")
        assert OutstandingToken.objects.count() == 1

    def _sign_in_again(self, client) -> None:
        response = client.post(TOKEN, {"email": "ada@example.com", "password": PASSWORD}, format="json")
        assert response.status_code == 200
