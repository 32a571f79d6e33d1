import pytest
from django.urls import reverse

from account.apis import MESSAGE_LOGIN_FAILED
from account.models import User
from account.services import MESSAGE_EMAIL_TAKEN
from account.tests.factories import PASSWORD, UserFactory

REGISTER = reverse("auth:register")
TOKEN = reverse("auth:token")
REFRESH = reverse("auth:token-refresh")


@pytest.mark.django_db
class UserRegisterApiTests:
    def test_registering_creates_a_user_and_answers_201_with_it(self, anonymous_client):
        response = anonymous_client.post(
            REGISTER, {"email": "Grace@Example.com", "password": PASSWORD, "first_name": "Grace"}, format="json"
        )
        assert response.status_code == 201
        assert response.json() == {
            "id": User.objects.get().pk,
            "email": "grace@example.com",
            "first_name": "Grace",
            "last_name": "",
            "is_staff": False,
        }
        assert User.objects.get().check_password(PASSWORD)

    def test_a_missing_email_and_password_get_400_naming_both(self, anonymous_client):
        response = anonymous_client.post(REGISTER, {}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert set(body["extra"]["fields"]) == {"email", "password"}
        assert body["message"]

    def test_a_malformed_email_gets_400(self, anonymous_client):
        response = anonymous_client.post(REGISTER, {"email": "not-an-email", "password": PASSWORD}, format="json")
        assert response.status_code == 400
        assert "email" in response.json()["extra"]["fields"]

    def test_a_password_of_the_wrong_type_gets_400(self, anonymous_client):
        response = anonymous_client.post(REGISTER, {"email": "a@example.com", "password": ["x"]}, format="json")
        assert response.status_code == 400
        assert "password" in response.json()["extra"]["fields"]

    def test_a_weak_password_gets_400_with_djangos_reasons_and_no_user(self, anonymous_client):
        response = anonymous_client.post(REGISTER, {"email": "a@example.com", "password": "123"}, format="json")
        assert response.status_code == 400
        assert len(response.json()["extra"]["fields"]["password"]) >= 2
        assert User.objects.count() == 0

    def test_a_taken_email_in_any_case_gets_400(self, anonymous_client):
        UserFactory(email="taken@example.com")
        response = anonymous_client.post(REGISTER, {"email": "TAKEN@example.com", "password": PASSWORD}, format="json")
        assert response.status_code == 400
        assert response.json()["extra"]["fields"]["email"] == [MESSAGE_EMAIL_TAKEN]
        assert User.objects.count() == 1

    def test_a_body_that_is_not_json_gets_400(self, anonymous_client):
        response = anonymous_client.post(REGISTER, "{not json", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["message"].startswith("JSON parse error")


@pytest.mark.django_db
class UserLoginApiTests:
    def test_the_right_password_gives_tokens_and_the_user(self, anonymous_client, buyer):
        response = anonymous_client.post(TOKEN, {"email": "BUYER@example.com", "password": PASSWORD}, format="json")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access", "refresh", "user"}
        assert body["user"]["email"] == buyer.email

    def test_the_access_token_signs_requests_in(self, anonymous_client, buyer):
        access = anonymous_client.post(TOKEN, {"email": buyer.email, "password": PASSWORD}, format="json").json()[
            "access"
        ]
        anonymous_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        assert anonymous_client.get(reverse("account:me")).json()["email"] == buyer.email

    def test_a_wrong_password_gets_401_with_one_message_for_both_cases(self, anonymous_client, buyer):
        wrong = anonymous_client.post(TOKEN, {"email": buyer.email, "password": "nope"}, format="json")
        unknown = anonymous_client.post(TOKEN, {"email": "who@example.com", "password": PASSWORD}, format="json")
        assert wrong.status_code == unknown.status_code == 401
        assert (
            wrong.json()
            == unknown.json()
            == {"message": MESSAGE_LOGIN_FAILED, "extra": {"code": "authentication_failed"}}
        )

    def test_a_missing_password_gets_400(self, anonymous_client):
        response = anonymous_client.post(TOKEN, {"email": "a@example.com"}, format="json")
        assert response.status_code == 400
        assert list(response.json()["extra"]["fields"]) == ["password"]


@pytest.mark.django_db
class TokenRefreshApiTests:
    def test_refreshing_rotates_and_the_old_refresh_token_stops_working(self, anonymous_client, buyer):
        tokens = anonymous_client.post(TOKEN, {"email": buyer.email, "password": PASSWORD}, format="json").json()
        first = anonymous_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
        assert first.status_code == 200
        assert set(first.json()) == {"access", "refresh"}
        assert first.json()["refresh"] != tokens["refresh"]
        again = anonymous_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
        assert again.status_code == 401
        assert again.json()["message"]

    def test_a_garbage_refresh_token_gets_401(self, anonymous_client):
        response = anonymous_client.post(REFRESH, {"refresh": "garbage"}, format="json")
        assert response.status_code == 401
        assert response.json()["extra"]["code"] == "token_not_valid"

    def test_a_missing_refresh_token_gets_400(self, anonymous_client):
        response = anonymous_client.post(REFRESH, {}, format="json")
        assert response.status_code == 400
        assert "refresh" in response.json()["extra"]["fields"]


@pytest.mark.django_db
class LoginThrottleTests:
    def test_too_many_logins_in_a_minute_get_429_with_the_wait(self, anonymous_client, monkeypatch):
        from django.core.cache import cache
        from rest_framework.throttling import ScopedRateThrottle

        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "2/min"})
        cache.clear()
        try:
            statuses = [
                anonymous_client.post(TOKEN, {"email": "a@example.com", "password": "x"}, format="json")
                for _ in range(3)
            ]
        finally:
            cache.clear()
        assert [r.status_code for r in statuses] == [401, 401, 429]
        body = statuses[-1].json()
        assert body["message"] == "Too many requests: try again later."
        assert 0 < body["extra"]["wait_seconds"] <= 60
