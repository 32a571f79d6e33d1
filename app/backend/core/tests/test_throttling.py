"""The throttles, played by an attacker: forged X-Forwarded-For headers, a second gunicorn worker,
and the admin's login form."""

import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from core.exception_handler import MESSAGE_THROTTLED
from core.tests.servers import (
    database_url,
    fresh_database,
    request,
    start_server,
    stop,
)

TOKEN = reverse("auth:token")
BAD_LOGIN = {"email": "victim@example.com", "password": "guess"}


def _random_ip() -> str:
    return ".".join(str(random.randrange(1, 255)) for _ in range(4))


@pytest.fixture
def auth_rate(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min", "checkout": "3/min"})


@pytest.mark.django_db
class ForgedForwardedForTests:
    def test_a_random_forwarded_for_per_request_gets_no_more_than_the_limit(self, anonymous_client, auth_rate):
        # What nginx passes on: whatever the client sent, then the address it connected from.
        statuses = [
            anonymous_client.post(
                TOKEN, BAD_LOGIN, format="json", HTTP_X_FORWARDED_FOR=f"{_random_ip()}, 198.51.100.7"
            ).status_code
            for _ in range(10)
        ]
        assert statuses == [401] * 3 + [429] * 7

    def test_a_forged_header_that_is_one_address_of_ours_does_not_help_either(self, anonymous_client, auth_rate):
        statuses = [
            anonymous_client.post(
                TOKEN, BAD_LOGIN, format="json", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1, 198.51.100.7"
            ).status_code
            for n in range(5)
        ]
        assert statuses == [401] * 3 + [429] * 2

    def test_another_client_has_its_own_budget(self, anonymous_client, auth_rate):
        for _ in range(4):
            anonymous_client.post(TOKEN, BAD_LOGIN, format="json", HTTP_X_FORWARDED_FOR="198.51.100.7")
        other = anonymous_client.post(TOKEN, BAD_LOGIN, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert other.status_code == 401

    def test_the_answer_says_how_long_to_wait(self, anonymous_client, auth_rate):
        for _ in range(3):
            anonymous_client.post(TOKEN, BAD_LOGIN, format="json")
        response = anonymous_client.post(TOKEN, BAD_LOGIN, format="json")
        assert response.status_code == 429
        assert response.json()["message"] == MESSAGE_THROTTLED
        assert 0 < response.json()["extra"]["wait_seconds"] <= 60
        assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db
class AdminLoginThrottleTests:
    def test_password_guesses_on_the_admin_login_form_are_throttled(self, client, auth_rate):
        form = {"username": "staff@example.com", "password": "guess", "next": "/admin/"}
        statuses = [
            client.post("/admin/login/", form, HTTP_X_FORWARDED_FOR=f"{_random_ip()}, 198.51.100.7").status_code
            for _ in range(5)
        ]
        assert statuses == [200] * 3 + [429] * 2  # 200: the form again, saying the password is wrong

    def test_the_admin_login_form_itself_is_not_counted(self, client, auth_rate):
        assert [client.get("/admin/login/").status_code for _ in range(5)] == [200] * 5


@pytest.mark.postgres
class SharedCountTests:
    def test_two_gunicorn_workers_share_one_count(self, tmp_path):
        """Parallel forged requests spread over two workers (one thread each): with per-process
        counts each worker would allow the limit, so up to twice it would get through."""
        with fresh_database("throttle") as (name, params):
            log = tmp_path / "server.log"
            server, base = start_server(
                url=database_url(name, params),
                tmp_path=tmp_path,
                log=log,
                GUNICORN_WORKERS="2",
                GUNICORN_THREADS="1",
                THROTTLE_AUTH_RATE="5/min",
            )
            try:

                def attempt(_):
                    code, _body = request(
                        f"{base}{TOKEN}",
                        data=json.dumps(BAD_LOGIN).encode(),
                        headers={
                            "Content-Type": "application/json",
                            # As nginx passes it on (the test connects from loopback, like nginx).
                            "X-Forwarded-For": f"{_random_ip()}, 198.51.100.7",
                        },
                        timeout=30,
                    )
                    return code

                with ThreadPoolExecutor(max_workers=8) as pool:
                    codes = list(pool.map(attempt, range(24)))
                assert log.read_text().count("Booting worker") == 2
                assert codes.count(401) == 5, codes
                assert codes.count(429) == 19, codes
            finally:
                stop([server])
