"""Idempotency-Keys are forgotten after their retention (orders.services.checkout_attempt_prune),
and the orders they led to stay."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from orders.models import CheckoutAttempt, Order
from orders.services import checkout_attempt_prune
from orders.tests.apis.test_checkout import ORDERS, checkout_body
from product.tests.factories import ProductFactory


def checkout(client, product, key: str):
    return client.post(ORDERS, checkout_body(product), format="json", HTTP_IDEMPOTENCY_KEY=key)


def age(key: str, hours: float) -> None:
    CheckoutAttempt.objects.filter(key=key).update(created_at=timezone.now() - timedelta(hours=hours))


@pytest.mark.django_db
class CheckoutAttemptPruneTests:
    def test_keys_older_than_the_retention_go_and_their_orders_stay(self, buyer_client):
        product = ProductFactory(stock=10)
        old, recent = str(uuid.uuid4()), str(uuid.uuid4())
        assert checkout(buyer_client, product, old).status_code == 201
        assert checkout(buyer_client, product, recent).status_code == 201
        age(old, 24.5)
        age(recent, 23.5)

        assert checkout_attempt_prune() == 1  # the default retention: 24 hours
        assert list(CheckoutAttempt.objects.values_list("key", flat=True)) == [recent]
        assert Order.objects.count() == 2

    @override_settings(IDEMPOTENCY_KEY_RETENTION=timedelta(hours=1))
    def test_the_retention_comes_from_the_settings(self, buyer_client):
        product = ProductFactory(stock=10)
        key = str(uuid.uuid4())
        assert checkout(buyer_client, product, key).status_code == 201
        age(key, 0.9)
        assert checkout_attempt_prune() == 0
        age(key, 1.1)
        assert checkout_attempt_prune() == 1

    def test_within_the_retention_a_repeat_is_replayed_and_after_it_is_a_new_checkout(self, buyer_client):
        product = ProductFactory(stock=10)
        key = str(uuid.uuid4())
        first = checkout(buyer_client, product, key)
        age(key, 23)
        call_command("prune_idempotency_keys")
        again = checkout(buyer_client, product, key)
        assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]

        age(key, 25)
        call_command("prune_idempotency_keys")
        later = checkout(buyer_client, product, key)
        assert later.status_code == 201 and "Idempotent-Replayed" not in later
        assert later.json()["id"] != first.json()["id"]
