"""Periodic maintenance (core/maintenance.py): one run per interval across every worker and
server, claimed in the database, started after a request, doing all three chores."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from core import maintenance
from core.maintenance import maintenance_claim
from core.models import MaintenanceRun
from orders.models import CheckoutAttempt, Order
from orders.tests.factories import OrderFactory, OrderItemFactory
from product.models import Product
from product.tests.factories import ProductFactory

MINUTE = timedelta(minutes=1)


def leftovers(user) -> dict:
    """One of each thing the chores clear: a reservation whose worker died (2 units held), an
    Idempotency-Key past its retention, a revoked token past its expiry; and a fresh one of each."""
    product = ProductFactory(stock=8)
    now = timezone.now()
    for minutes in (11, 1):  # the reservation TTL is 10 minutes
        order = OrderFactory(user=user, status="pending", paid_at=None)
        OrderItemFactory(order=order, product=product, quantity=2, unit_price=Decimal("5.00"))
        Order.objects.filter(pk=order.pk).update(created_at=now - minutes * MINUTE)
    for key, hours in (("old", 25), ("new", 1)):
        attempt = CheckoutAttempt.objects.create(user=user, key=key, request_hash="h", status_code=201)
        CheckoutAttempt.objects.filter(pk=attempt.pk).update(created_at=now - timedelta(hours=hours))
    for jti, expires in (("expired", now - MINUTE), ("valid", now + MINUTE)):
        token = OutstandingToken.objects.create(user=user, jti=jti, token=jti, created_at=now, expires_at=expires)
        BlacklistedToken.objects.create(token=token)
    return {"product": product}


def assert_cleared(product) -> None:
    assert Product.objects.get(pk=product.pk).stock == 10  # the dead checkout's 2 units are back
    assert Order.objects.filter(status="pending").count() == 1  # the live one stays
    assert list(CheckoutAttempt.objects.values_list("key", flat=True)) == ["new"]
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == ["valid"]


@pytest.mark.django_db
class MaintenanceClaimTests:
    def test_one_claim_per_interval(self):
        assert maintenance_claim(every=MINUTE)
        assert not maintenance_claim(every=MINUTE)
        MaintenanceRun.objects.update(started_at=timezone.now() - MINUTE - timedelta(seconds=1))
        assert maintenance_claim(every=MINUTE)
        assert not maintenance_claim(every=MINUTE)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class MaintenanceClaimAcrossServersTests:
    def test_of_many_workers_claiming_at_once_exactly_one_wins(self):
        MaintenanceRun.objects.create(name=maintenance.NAME, started_at=timezone.now() - 2 * MINUTE)
        start, results = threading.Barrier(8), []

        def claim() -> None:
            try:
                start.wait()
                results.append(maintenance_claim(every=MINUTE))  # each thread: its own connection
            finally:
                connection.close()

        threads = [threading.Thread(target=claim) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == [False] * 7 + [True]


@pytest.mark.django_db
class RunMaintenanceCommandTests:
    def test_it_clears_all_three_and_a_second_run_within_the_interval_does_nothing(self, buyer, settings):
        settings.MAINTENANCE_INTERVAL = 60
        product = leftovers(buyer)["product"]
        call_command("run_maintenance")
        assert_cleared(product)

        OutstandingToken.objects.filter(jti="valid").update(expires_at=timezone.now() - MINUTE)
        call_command("run_maintenance")
        assert OutstandingToken.objects.filter(jti="valid").exists()  # skipped: claimed just now
        call_command("run_maintenance", "--force")
        assert not OutstandingToken.objects.exists()


@pytest.mark.django_db(transaction=True)
class MaintenanceAfterRequestsTests:
    def test_a_request_starts_it_when_due_and_not_again_within_the_interval(self, buyer, client, monkeypatch):
        product = leftovers(buyer)["product"]
        monkeypatch.setattr(maintenance, "_next_check", 0.0)
        with override_settings(MAINTENANCE_INTERVAL=60):
            assert client.get("/healthz").status_code == 200
            self._wait_for_the_thread()
            assert_cleared(product)
            started = MaintenanceRun.objects.get().started_at

            assert client.get("/healthz").status_code == 200
            assert not [t for t in threading.enumerate() if t.name == "maintenance"]
            assert MaintenanceRun.objects.get().started_at == started

    def test_an_interval_of_0_turns_it_off(self, buyer, client, monkeypatch):
        monkeypatch.setattr(maintenance, "_next_check", 0.0)
        with override_settings(MAINTENANCE_INTERVAL=0):
            client.get("/healthz")
        assert not [t for t in threading.enumerate() if t.name == "maintenance"]
        assert not MaintenanceRun.objects.exists()

    @staticmethod
    def _wait_for_the_thread() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            running = [t for t in threading.enumerate() if t.name == "maintenance"]
            if not running and MaintenanceRun.objects.exists():
                return
            for thread in running:
                thread.join(timeout=1)
        raise AssertionError("no maintenance run finished")
