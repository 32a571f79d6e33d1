"""Checkout with the fraud model: what flag, hold and off do, and that no model problem ever
blocks a sale (the attempt is recorded unscored, /readyz answers, the gauge says 0)."""

import logging
from decimal import Decimal

import pytest
from django.urls import reverse
from prometheus_client import REGISTRY

from core.exceptions import Conflict
from fraud.services import MESSAGE_NOT_IN_REVIEW, order_review_approve
from fraud.tests.conftest import model_body
from orders.apis import MESSAGE_IN_REVIEW
from orders.models import OrderStatus
from orders.services import MESSAGE_NOT_DELIVERABLE, order_deliver
from orders.tests.services.test_order_checkout import checkout
from payments.models import Transaction
from product.tests.factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def enabled() -> float | None:
    return REGISTRY.get_sample_value("fraud_scoring_enabled")


def scored(outcome: str) -> float:
    return REGISTRY.get_sample_value("shop_fraud_scored_total", {"outcome": outcome}) or 0.0


class CheckoutScoringTests:
    def test_flag_records_score_threshold_and_drivers_and_counts_the_flag(self, buyer, scoring):
        scoring("flag", threshold=0)
        before = scored("flagged")
        order = checkout(buyer, ProductFactory(stock=2))
        attempt = Transaction.objects.get()
        assert order.status == OrderStatus.PAID
        assert attempt.fraud_score > 0 and attempt.fraud_threshold == 0
        assert [set(d) for d in attempt.fraud_drivers] == [{"feature", "share"}] * 3
        assert scored("flagged") == before + 1
        assert enabled() == 1

    def test_an_attempt_under_the_threshold_is_recorded_and_passes(self, buyer, scoring):
        scoring("hold", threshold=1e9)
        order = checkout(buyer, ProductFactory(stock=2))
        assert order.status == OrderStatus.PAID
        assert Transaction.objects.get().fraud_threshold == 1e9

    def test_hold_puts_a_flagged_order_in_review_until_staff_approve_it_once(self, buyer, scoring):
        scoring("hold", threshold=0)
        order = checkout(buyer, ProductFactory(stock=2))
        assert order.status == OrderStatus.REVIEW
        with pytest.raises(Conflict, match=MESSAGE_NOT_DELIVERABLE):
            order_deliver(order_id=order.pk)
        assert order_review_approve(order_id=order.pk).status == OrderStatus.PAID
        with pytest.raises(Conflict, match=MESSAGE_NOT_IN_REVIEW) as again:
            order_review_approve(order_id=order.pk)
        assert (again.value.status_code, again.value.extra) == (409, {"status": "paid", "decision": "approved"})
        assert order_deliver(order_id=order.pk).status == OrderStatus.DELIVERED

    def test_the_buyer_is_told_a_held_order_is_placed_and_being_reviewed(self, buyer_client, scoring):
        scoring("hold", threshold=0)
        product = ProductFactory(stock=2, price=Decimal("10.00"))
        payment = {"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}}
        billing = {"full_name": "Ada", "line1": "1 Row", "city": "Leeds", "postal_code": "LS1", "country": "GB"}
        response = buyer_client.post(
            reverse("orders:orders"),
            {"items": [{"product_id": product.pk, "quantity": 1}], "payment": payment, "billing_address": billing},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert (response.json()["status"], response.json()["status_message"]) == ("review", MESSAGE_IN_REVIEW)

    def test_a_declined_attempt_is_scored_too_and_never_held(self, buyer, scoring):
        scoring("hold", threshold=0)
        with pytest.raises(Exception, match="incorrect"):
            checkout(buyer, ProductFactory(stock=2), number="4242424242424241")
        assert Transaction.objects.get().fraud_score > 0

    def test_off_scores_nothing_and_says_so(self, buyer, scoring):
        scoring("off", threshold=0)
        assert checkout(buyer, ProductFactory(stock=2)).status == OrderStatus.PAID
        assert Transaction.objects.get().fraud_score is None
        assert enabled() == 0

    def test_a_changed_model_file_is_used_from_the_next_charge_without_a_restart(self, buyer, scoring, write_model):
        scoring("flag", threshold=1e9)
        checkout(buyer, ProductFactory(stock=2))
        write_model(threshold=123.0)
        checkout(buyer, ProductFactory(stock=2))
        assert list(Transaction.objects.order_by("id").values_list("fraud_threshold", flat=True)) == [1e9, 123.0]


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        ("missing", "cannot be read: [Errno 2] No such file or directory"),
        ("corrupt", "cannot be read: Expecting value"),
        ("stripemodel", 'was trained for the "stripemodel" feature profile'),
        ("unset", "FRAUD_MODEL_PATH is not set"),
    ],
)
def test_a_model_that_cannot_be_used_never_blocks_a_sale(
    model, reason, buyer, client, settings, tmp_path, write_model, caplog
):
    settings.FRAUD_SCORING = "hold"
    path = tmp_path / "model.json"
    if model == "corrupt":
        path.write_bytes(b"\x00garbage")
    elif model == "stripemodel":
        path = write_model(profile={**model_body()["profile"], "name": "stripemodel"})
    settings.FRAUD_MODEL_PATH = "" if model == "unset" else str(path)
    with caplog.at_level(logging.WARNING, logger="fraud.scoring"):
        orders = [checkout(buyer, ProductFactory(stock=2)) for _ in range(2)]
    assert [o.status for o in orders] == [OrderStatus.PAID, OrderStatus.PAID]
    assert list(Transaction.objects.values_list("fraud_score", flat=True)) == [None, None]
    assert enabled() == 0
    logged = [r.getMessage() for r in caplog.records if r.name == "fraud.scoring"]
    assert len(logged) == 1 and reason in logged[0], logged
    assert client.get(reverse("readyz")).status_code == 200


def test_a_bad_new_file_leaves_the_loaded_model_in_service(buyer, scoring, write_model, caplog):
    path = scoring("flag", threshold=7.0)
    checkout(buyer, ProductFactory(stock=2))
    path.write_text("{")
    with caplog.at_level(logging.WARNING, logger="fraud.scoring"):
        checkout(buyer, ProductFactory(stock=2))
    assert list(Transaction.objects.values_list("fraud_threshold", flat=True)) == [7.0, 7.0]
    assert enabled() == 1
    assert "Still scoring with the model loaded before" in caplog.records[-1].getMessage()
