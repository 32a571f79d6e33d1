"""The PostgreSQL backend's health check (core/db/postgresql/base.py): a persistent connection
the server dropped is replaced before a request uses it, and a healthy one costs no round trip."""

import time

import psycopg
import pytest
from django.db import connection

from core.tests.servers import server_params


def _start_of_a_request() -> None:
    # What Django does at every request's start and end (django.db.close_old_connections).
    connection.close_if_unusable_or_obsolete()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class HealthCheckTests:
    def test_a_connection_the_server_dropped_is_replaced_before_the_next_query(self):
        assert connection.health_check_enabled
        dropped = _backend_pid()
        with psycopg.connect(dbname="postgres", autocommit=True, **server_params()) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
        time.sleep(0.3)  # the FATAL message and the close reach our socket

        _start_of_a_request()
        assert _backend_pid() != dropped  # no OperationalError: a fresh connection answered

    def test_a_healthy_connection_is_reused_without_a_select_1(self, monkeypatch):
        first = _backend_pid()

        def round_trip():
            raise AssertionError("the health check sent a query")

        monkeypatch.setattr(connection, "is_usable", round_trip)
        for _ in range(3):
            _start_of_a_request()
            assert _backend_pid() == first
