import json
import logging
import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.utils import load_backend
from django.urls import reverse

from core import apis
from core.exception_handler import MESSAGE_DATABASE_UNAVAILABLE
from core.logging import JsonFormatter


def broken_connection(tmp_path):
    """A connection to the same kind of database that cannot be reached."""
    settings = {**connection.settings_dict}
    if connection.vendor == "postgresql":
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            settings.update(HOST="127.0.0.1", PORT=probe.getsockname()[1])
    else:
        settings["NAME"] = str(tmp_path / "missing-dir" / "db.sqlite3")
    return load_backend(settings["ENGINE"]).DatabaseWrapper(settings, alias="broken")


@pytest.mark.django_db
class OperationsApiTests:
    def test_healthz_answers_without_the_database(self, client, django_assert_num_queries):
        with django_assert_num_queries(0):
            response = client.get("/healthz")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})

    def test_readyz_answers_200_when_the_database_does(self, client):
        assert client.get("/readyz").json() == {"status": "ready"}

    def test_readyz_answers_503_when_the_database_does_not(self, client, monkeypatch, tmp_path):
        broken = broken_connection(tmp_path)
        monkeypatch.setattr(apis, "connection", broken)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "reason": "database"}

    def test_metrics_count_requests_and_database_queries(self, client):
        client.get(reverse("product:products"))
        body = client.get("/metrics").content.decode()
        assert "django_http_requests_total_by_method_total" in body
        # Only django-prometheus' database backend wrapper produces these.
        assert "django_db_execute_total" in body

    def test_unknown_paths_get_a_json_404(self, client):
        response = client.get("/api/no-such-thing/")
        assert response.status_code == 404
        assert response.json() == {"message": "Not found.", "extra": {}}


@pytest.mark.django_db
class RequestLogTests:
    def test_each_request_logs_one_json_line_without_query_or_body(self, client, caplog):
        with caplog.at_level(logging.INFO, logger="shop.request"):
            response = client.post(
                "/api/auth/token/?secret=1",
                {"email": "a@example.com", "password": "hunter2-secret"},
                content_type="application/json",
                HTTP_X_REQUEST_ID="abc-123",
            )
        assert response["X-Request-ID"] == "abc-123"
        (record,) = [r for r in caplog.records if r.name == "shop.request"]
        line = json.loads(JsonFormatter().format(record))
        assert {k: line[k] for k in ("method", "path", "status", "request_id")} == {
            "method": "POST",
            "path": "/api/auth/token/",
            "status": 401,
            "request_id": "abc-123",
        }
        assert isinstance(line["duration_ms"], float)
        assert "hunter2" not in json.dumps(line) and "secret=1" not in json.dumps(line)

    def test_a_request_id_that_does_not_look_like_one_is_replaced(self, client):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
        assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
class ManagementCommandTests:
    def test_wait_for_database_returns_when_the_database_answers(self):
        out = StringIO()
        call_command("wait_for_database", "--timeout", "5", stdout=out)
        assert "the database answered" in out.getvalue()

    def test_wait_for_database_gives_up_with_a_clear_error(self, monkeypatch, tmp_path):
        from core.management.commands import wait_for_database

        monkeypatch.setattr(wait_for_database, "connection", broken_connection(tmp_path))
        with pytest.raises(CommandError, match=r"no answer from the database within 0\.2s"):
            call_command("wait_for_database", "--timeout", "0.2", "--interval", "0.1", stderr=StringIO())

    def test_ensure_superuser_creates_then_updates_the_admin(self, monkeypatch):
        from account.models import User

        monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Admin@Example.com")
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-password")
        call_command("ensure_superuser", stdout=StringIO())
        monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "second-password")
        call_command("ensure_superuser", stdout=StringIO())
        admin = User.objects.get()
        assert admin.email == "admin@example.com" and admin.is_superuser and admin.is_staff
        assert admin.check_password("second-password")

    def test_ensure_superuser_without_the_variables_fails_clearly(self, monkeypatch):
        monkeypatch.delenv("DJANGO_SUPERUSER_EMAIL", raising=False)
        with pytest.raises(CommandError, match="DJANGO_SUPERUSER_EMAIL"):
            call_command("ensure_superuser")


@pytest.mark.django_db
class HostValidationTests:
    """The load balancer and Prometheus address a server by IP, which is not an allowed host."""

    @pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
    def test_operations_answer_whatever_the_host_header(self, client, path):
        assert client.get(path, HTTP_HOST="10.0.3.17:8000").status_code == 200

    def test_the_api_still_refuses_unknown_hosts(self, client):
        assert client.get(reverse("product:products"), HTTP_HOST="evil.example.com").status_code == 400


@pytest.mark.django_db
class AdminDuringADatabaseOutageTests:
    """The admin (outside DRF) answers a database it cannot reach with the API's 503, not a 500.
    core/tests/test_database_outage.py shows it against a real outage."""

    @pytest.fixture
    def staff_browser(self, staff):
        from django.test import Client

        browser = Client(raise_request_exception=False)
        browser.force_login(staff)
        return browser

    @pytest.mark.parametrize("error", ["OperationalError", "InterfaceError"])
    def test_a_database_error_in_an_admin_page_is_a_503_with_retry_after(self, staff_browser, monkeypatch, error):
        from django.contrib.admin import AdminSite
        from django.db import utils

        def unreachable(*args, **kwargs):
            raise getattr(utils, error)("connection refused")

        monkeypatch.setattr(AdminSite, "has_permission", unreachable)
        response = staff_browser.get("/admin/")
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response.json() == {"message": MESSAGE_DATABASE_UNAVAILABLE, "extra": {}}

    def test_any_other_error_in_an_admin_page_is_still_a_500(self, staff_browser, monkeypatch):
        from django.contrib.admin import AdminSite

        def broken(*args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(AdminSite, "has_permission", broken)
        response = staff_browser.get("/admin/")
        assert response.status_code == 500
        assert "Retry-After" not in response
