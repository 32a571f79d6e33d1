"""Repeated catalog reads answered at the WSGI layer, before Django's handler
(product/middleware.py, CatalogFastPath, installed by config/wsgi.py): the same answer as the
whole path, never after a write, and counted, logged and cleaned up like any other request."""

import io
import logging
from decimal import Decimal

import pytest
from django.core import signals
from django.db import DatabaseError, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from config import wsgi
from product import catalog_cache
from product.middleware import CatalogFastPath, forget_replays
from product.tests.apis.test_catalog_cache import PRODUCTS, product_url
from product.tests.factories import ProductFactory

PER_REQUEST = {"X-Request-ID"}


class Spy:
    """Django's WSGI application, counting the requests that reach it."""

    def __init__(self):
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return wsgi.django_application(environ, start_response)


def call(app, path: str, **extra) -> tuple[int, dict[str, str], bytes]:
    environ = RequestFactory().get(path, **extra).environ
    environ["wsgi.input"] = io.BytesIO(b"")
    replies = []
    body_parts = app(environ, lambda status, headers, exc_info=None: replies.append((status, headers)))
    try:
        body = b"".join(body_parts)
    finally:
        if hasattr(body_parts, "close"):  # what a WSGI server does (Django's answers: request_finished)
            body_parts.close()
    status, headers = replies[0]
    return int(status.split()[0]), dict(headers), body


def _http_samples() -> dict[tuple[str, tuple], float]:
    """django-prometheus' request series, but what depends on time (latency buckets and sums,
    creation times)."""
    samples = {}
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            timed = "latency" in sample.name and not sample.name.endswith(("_count", "_total"))
            if sample.name.startswith("django_http_") and not timed and not sample.name.endswith("_created"):
                samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def same(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in PER_REQUEST}


@pytest.fixture
def app():
    spy = Spy()
    return spy, CatalogFastPath(spy)


@pytest.mark.django_db(transaction=True)
class CatalogFastPathTests:
    def test_the_deployed_application_is_the_fast_path_in_front_of_django(self):
        assert isinstance(wsgi.application, CatalogFastPath)
        assert wsgi.application.application is wsgi.django_application

    def test_a_repeat_is_answered_without_django_with_the_same_bytes_and_headers(self, app):
        spy, fast = app
        product = ProductFactory()
        first = call(fast, product_url(product.pk))
        again = call(fast, product_url(product.pk))
        assert spy.calls == 1
        assert (again[0], same(again[1]), again[2]) == (first[0], same(first[1]), first[2])
        assert first[0] == 200 and "ETag" in again[1] and "X-Content-Type-Options" in again[1]

    def test_a_replay_the_process_no_longer_holds_is_made_again_from_the_cache_the_same(self, app):
        spy, fast = app
        product = ProductFactory()
        first = call(fast, product_url(product.pk))
        held = call(fast, product_url(product.pk))
        forget_replays()  # what the least recently used replays meet once 512 others are held
        again = call(fast, product_url(product.pk))
        assert spy.calls == 1
        assert (same(held[1]), held[2]) == (same(again[1]), again[2]) == (same(first[1]), first[2])

    def test_a_write_reaches_the_next_read_and_the_read_after_it_is_fast_again(self, app, staff_client):
        spy, fast = app
        product = ProductFactory(price=Decimal("10.00"))
        for _ in range(2):
            assert b'"price":"10.00"' in call(fast, product_url(product.pk))[2]
        assert staff_client.patch(product_url(product.pk), {"price": "12.50"}, format="json").status_code == 200
        calls = spy.calls
        assert b'"price":"12.50"' in call(fast, product_url(product.pk))[2]
        assert b'"price":"12.50"' in call(fast, product_url(product.pk))[2]
        assert spy.calls == calls + 1

    def test_a_write_in_another_process_reaches_the_next_read_once_its_version_is_read(self, app):
        _, fast = app
        product = ProductFactory(stock=5)
        assert b'"stock":5' in call(fast, product_url(product.pk))[2]
        type(product).objects.filter(pk=product.pk).update(stock=2)
        # Another process's write: a new token in PostgreSQL, this process's generation untouched.
        catalog_cache._publish_new_version()
        assert b'"stock":2' in call(fast, product_url(product.pk))[2]

    def test_conditional_requests_and_other_urls_go_to_django(self, app):
        spy, fast = app
        product = ProductFactory()
        _, headers, _ = call(fast, product_url(product.pk))
        assert call(fast, product_url(product.pk), HTTP_IF_NONE_MATCH=headers["ETag"])[0] == 304
        call(fast, "/api/config/")
        call(fast, "/healthz")
        assert spy.calls == 4

    def test_a_request_id_is_echoed_and_the_request_logged(self, app, caplog):
        _, fast = app
        call(fast, PRODUCTS)
        with caplog.at_level(logging.INFO, logger="shop.request"):
            _, headers, _ = call(fast, PRODUCTS, HTTP_X_REQUEST_ID="trace-fast-0001")
        assert headers["X-Request-ID"] == "trace-fast-0001"
        [record] = [r for r in caplog.records if r.name == "shop.request"]
        assert (record.request_id, record.path, record.status) == ("trace-fast-0001", PRODUCTS, 200)

    def test_an_answer_from_the_fast_path_is_counted_like_any_other(self, app):
        spy, fast = app
        product = ProductFactory()
        by_view = (
            "django_http_responses_total_by_status_view_method_total",
            {"status": "200", "view": "product:product", "method": "GET"},
        )
        total = ("django_http_requests_before_middlewares_total", {})

        def counted(sample) -> float:
            return REGISTRY.get_sample_value(*sample) or 0

        call(fast, product_url(product.pk))
        before = counted(by_view), counted(total)
        for _ in range(3):
            assert call(fast, product_url(product.pk))[0] == 200
        assert spy.calls == 1
        assert (counted(by_view), counted(total)) == (before[0] + 3, before[1] + 3)

    def test_a_replay_changes_the_same_series_by_the_same_counts_as_the_whole_path(self, app, anonymous_client):
        # The whole path's answer counted by django-prometheus' own middlewares is the reference:
        # a conditional request whose ETag does not match takes it, with the same 200 and body.
        spy, fast = app
        product = ProductFactory()
        url = product_url(product.pk)
        call(fast, url)

        def change(request) -> dict:
            before = _http_samples()
            request()
            after = _http_samples()
            return {key: after.get(key, 0) - before.get(key, 0) for key in set(before) | set(after)}

        whole_path = change(lambda: call(fast, url, HTTP_IF_NONE_MATCH='"not-this-one"'))
        assert spy.calls == 2
        fast_path = change(lambda: call(fast, url))
        in_chain = change(lambda: anonymous_client.get(url))  # Django's chain: replayed by the middleware
        assert spy.calls == 2
        counted = {key: value for key, value in whole_path.items() if value}
        assert len(counted) >= 12, counted  # every series django-prometheus keeps for an answer
        assert {key: value for key, value in fast_path.items() if value} == counted
        assert {key: value for key, value in in_chain.items() if value} == counted

    def test_a_replayed_get_with_a_malformed_content_length_is_answered_and_counted_as_no_body(self, app):
        # django-prometheus reads Content-Length with int() and would answer 500; a replay reads
        # it as Django's request does (no body).
        spy, fast = app
        product = ProductFactory()
        call(fast, product_url(product.pk))
        no_body = ("django_http_requests_body_total_bytes_bucket", {"le": "0.0"})
        before = REGISTRY.get_sample_value(*no_body) or 0
        for length in ("abc", "1e3", ""):
            assert call(fast, product_url(product.pk), CONTENT_LENGTH=length)[0] == 200
        assert spy.calls == 1
        assert REGISTRY.get_sample_value(*no_body) == before + 3

    @staticmethod
    def _signals_and_queries_of(fast, path: str) -> tuple[list[str], int, int]:
        """(signals sent, queries run, status) while the fast path answers one request."""
        sent = []

        def started(**kwargs):
            sent.append("started")

        def finished(**kwargs):
            sent.append("finished")

        signals.request_started.connect(started)
        signals.request_finished.connect(finished)
        try:
            with CaptureQueriesContext(connection) as queries:
                status = call(fast, path)[0]
        finally:
            signals.request_started.disconnect(started)
            signals.request_finished.disconnect(finished)
        return sent, len(queries), status

    def test_a_replay_that_reads_the_version_gets_request_started_and_finished_as_from_django(self, app, settings):
        spy, fast = app
        settings.CATALOG_VERSION_LEASE = 0  # every request asks the database
        call(fast, PRODUCTS)
        sent, queries, status = self._signals_and_queries_of(fast, PRODUCTS)
        assert (sent, queries, status, spy.calls) == (["started", "finished"], 1, 200, 1)

    @staticmethod
    def _long_lease(settings) -> None:
        """Leases of a minute, the version row published first (publishing waits one lease)."""
        settings.CATALOG_VERSION_LEASE = 0
        catalog_cache._publish_new_version()
        settings.CATALOG_VERSION_LEASE = 60

    def test_a_replay_under_the_processs_lease_uses_no_database_and_sends_neither(self, app, settings):
        spy, fast = app
        self._long_lease(settings)
        call(fast, PRODUCTS)
        sent, queries, status = self._signals_and_queries_of(fast, PRODUCTS)
        assert (sent, queries, status, spy.calls) == ([], 0, 200, 1)

    def test_a_miss_under_the_lease_goes_to_django_which_sends_both(self, app, settings):
        spy, fast = app
        self._long_lease(settings)
        call(fast, PRODUCTS)
        sent, _, status = self._signals_and_queries_of(fast, "/api/categories/")
        assert (sent, status, spy.calls) == (["started", "finished"], 200, 2)

    def test_the_database_failing_while_the_version_is_read_leaves_the_answer_to_django(
        self, app, monkeypatch, settings
    ):
        spy, fast = app
        settings.CATALOG_VERSION_LEASE = 0  # the replay reads the version
        call(fast, PRODUCTS)
        real = catalog_cache.current_key_version
        failures = iter([DatabaseError("the database went away")])

        def flaky():
            for failure in failures:
                raise failure
            return real()

        monkeypatch.setattr(catalog_cache, "current_key_version", flaky)
        assert call(fast, PRODUCTS)[0] == 200
        assert spy.calls == 2
