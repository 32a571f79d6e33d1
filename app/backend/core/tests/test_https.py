"""HTTPS behind the load balancer (config/settings/production.py).

DJANGO_HTTPS is what Terraform turns on with a certificate. The production settings are read in
a fresh process for each environment, as a server start would; their security settings are then
applied to this test process, and real requests go through the real middleware stack.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from account.tests.factories import PASSWORD, UserFactory

BACKEND = Path(__file__).resolve().parents[2]
SHOP = "shop.example.com"
SECURITY_SETTINGS = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)
# A key long and varied enough that `check --deploy` does not warn about it (security.W009).
SECRET = "k3Y-" + "aB9_xZ2-" * 8


def production(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DB_", "DATABASE_", "CARD_"))}
    return subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, *args],
        cwd=BACKEND,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": SECRET,
            "CARD_FINGERPRINT_KEY": "k",
            "DJANGO_ALLOWED_HOSTS": SHOP,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def production_settings(env: dict[str, str]) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    result = production(env, "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def deploy_check_warnings(env: dict[str, str]) -> set[str]:
    result = production(env, "manage.py", "check", "--deploy")
    assert result.returncode == 0, result.stderr
    return {line.split(")")[0].split("(")[1] for line in result.stderr.splitlines() if "(security." in line}


@pytest.fixture(scope="module")
def https_on() -> dict:
    return production_settings({"DJANGO_HTTPS": "true"})


@pytest.fixture(scope="module")
def https_off() -> dict:
    return production_settings({})


def apply(settings, values: dict) -> None:
    for name, value in values.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    settings.ALLOWED_HOSTS = [SHOP]


def admin_login(client, **extra):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.get("/admin/login/", **extra)  # the CSRF cookie
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
        HTTP_REFERER=f"{extra.get('HTTP_X_FORWARDED_PROTO', 'http')}://{SHOP}/admin/login/",
        **extra,
    )


@pytest.mark.database_agnostic
class HttpsSettingsTests:
    def test_with_https_on_the_settings_redirect_send_a_year_of_hsts_and_mark_cookies_secure(self, https_on):
        assert https_on == {
            "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
            "SECURE_SSL_REDIRECT": True,
            "SECURE_REDIRECT_EXEMPT": ["^healthz$", "^readyz$", "^metrics$"],
            "SECURE_HSTS_SECONDS": 31_536_000,
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
            "SECURE_HSTS_PRELOAD": False,
            "SESSION_COOKIE_SECURE": True,
            "CSRF_COOKIE_SECURE": True,
        }

    def test_with_https_off_nothing_redirects_no_hsts_and_cookies_are_not_secure(self, https_off):
        assert https_off["SECURE_SSL_REDIRECT"] is False
        assert https_off["SECURE_HSTS_SECONDS"] == 0
        assert https_off["SESSION_COOKIE_SECURE"] is False
        assert https_off["CSRF_COOKIE_SECURE"] is False

    def test_subdomains_and_preload_are_the_owners_choice(self):
        chosen = production_settings(
            {
                "DJANGO_HTTPS": "true",
                "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
                "DJANGO_SECURE_HSTS_PRELOAD": "true",
            }
        )
        assert (chosen["SECURE_HSTS_INCLUDE_SUBDOMAINS"], chosen["SECURE_HSTS_PRELOAD"]) == (False, True)

    def test_check_deploy_warns_only_about_what_the_chosen_mode_leaves_out(self):
        # HTTP only: exactly the four HTTPS warnings (the deploy summary says the shop is HTTP only).
        assert deploy_check_warnings({}) == {"security.W004", "security.W008", "security.W012", "security.W016"}
        # HTTPS: only HSTS preload, which is off until the owner opts in.
        assert deploy_check_warnings({"DJANGO_HTTPS": "true"}) == {"security.W021"}


@pytest.mark.django_db
class HttpsOnTests:
    @pytest.fixture(autouse=True)
    def _settings(self, settings, https_on):
        apply(settings, https_on)

    def test_a_plain_http_request_is_redirected_to_https(self, client):
        response = client.get("/admin/login/?next=/admin/", HTTP_HOST=SHOP)
        assert response.status_code == 301
        assert response["Location"] == f"https://{SHOP}/admin/login/?next=/admin/"

    def test_the_load_balancers_https_header_gets_hsts_and_secure_cookies(self, client):
        response = admin_login(client, HTTP_HOST=SHOP, HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 302, response.content[:500]
        assert response["Location"] == "/admin/"
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert response.cookies["sessionid"]["secure"] is True
        assert client.cookies["csrftoken"]["secure"] is True

    @pytest.mark.parametrize("path", ["/readyz", "/healthz"])
    def test_the_health_checks_over_plain_http_are_not_redirected(self, client, path):
        # The load balancer probes /readyz on port 3000 over HTTP, with the server's IP as Host.
        assert client.get(path, HTTP_HOST="10.0.3.17").status_code == 200

    def test_the_health_paths_are_exempt_in_the_security_middleware_itself(self, client):
        # POST passes OperationsMiddleware (GET/HEAD only): the exemption, not it, stops the redirect.
        assert client.post("/healthz", HTTP_HOST=SHOP).status_code != 301


@pytest.mark.django_db
class HttpsOffTests:
    @pytest.fixture(autouse=True)
    def _settings(self, settings, https_off):
        apply(settings, https_off)

    def test_plain_http_is_served_and_admin_login_works_with_cookies_not_secure(self, client):
        assert client.get("/admin/login/", HTTP_HOST=SHOP).status_code == 200
        response = admin_login(client, HTTP_HOST=SHOP)
        assert response.status_code == 302, response.content[:500]
        assert response["Location"] == "/admin/"
        assert "Strict-Transport-Security" not in response
        assert response.cookies["sessionid"]["secure"] == ""
        assert client.cookies["csrftoken"]["secure"] == ""

    def test_no_hsts_even_when_the_request_came_over_https(self, client):
        response = client.get("/admin/login/", HTTP_HOST=SHOP, HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 200
        assert "Strict-Transport-Security" not in response
