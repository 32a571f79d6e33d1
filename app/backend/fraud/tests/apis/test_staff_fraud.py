"""The staff fraud API: who may call it, what each endpoint answers, and what bad input gets."""

import csv
import io
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.exception_handler import MESSAGE_INVALID
from fraud.apis import MESSAGE_RANGE_ORDER, MESSAGE_RANGE_TOO_LONG, MESSAGE_RANGE_YEARS, csv_safe
from fraud.models import OrderReview
from fraud.services import MESSAGE_NOT_IN_REVIEW, MESSAGE_NOT_IN_REVIEW_REJECT
from orders.apis import MESSAGE_CANCELLED_REFUND_PENDING, MESSAGE_CANCELLED_REFUNDED
from orders.models import OrderStatus
from orders.tests.factories import OrderFactory
from orders.tests.services.test_order_checkout import checkout
from payments.cards import card_fingerprint
from payments.models import Transaction
from payments.tests.factories import TransactionFactory
from product.tests.factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ENDPOINTS = [
    ("get", reverse("fraud:summary")),
    ("get", reverse("fraud:distribution")),
    ("get", reverse("fraud:flags")),
    ("get", reverse("fraud:export")),
    ("post", reverse("fraud:order-approve", args=[1])),
    ("post", reverse("fraud:order-reject", args=[1])),
]


def scored(score: float, threshold: float = 1.0, **fields) -> Transaction:
    return TransactionFactory(fraud_score=score, fraud_threshold=threshold, **fields)


@pytest.fixture
def held(buyer, scoring):
    """A real checkout the model holds (FRAUD_SCORING=hold, threshold 0), of 2 of 5 in stock."""
    scoring("hold", threshold=0)
    product = ProductFactory(stock=5, price=Decimal("10.00"))
    order = checkout(buyer, product, quantity=2)
    assert order.status == OrderStatus.REVIEW
    return order, product


class AccessTests:
    @pytest.mark.parametrize(("method", "url"), ENDPOINTS)
    def test_anonymous_gets_401_and_a_buyer_403(self, method, url, anonymous_client, buyer_client):
        assert getattr(anonymous_client, method)(url).status_code == 401
        assert getattr(buyer_client, method)(url).status_code == 403


class SummaryTests:
    def test_totals_count_scored_flagged_held_and_decided_in_the_range(self, staff_client, held):
        scored(0.5)  # passed
        scored(2.0)  # flagged, no order
        scored(3.0, created_at=timezone.now() - timedelta(days=40))  # outside the default 30 days
        TransactionFactory()  # unscored
        decided = OrderFactory(status=OrderStatus.REVIEW)
        scored(5.0, threshold=1.0, order=decided)
        staff_client.post(reverse("fraud:order-reject", args=[decided.pk]))

        body = staff_client.get(reverse("fraud:summary")).json()
        assert body["totals"] == {
            "scored": 4,
            "flagged": 3,
            "held": 2,
            "awaiting_review": 1,
            "approved": 0,
            "rejected": 1,
        }
        assert body["mode"] == "hold" and body["scoring_enabled"] is True
        assert body["statistics"]["threshold"] == 0  # the loaded model's
        assert body["statistics"]["count"] == 4

    def test_statistics_are_the_mean_and_interpolated_percentiles(self, staff_client):
        for score in range(1, 101):  # 1 … 100
            scored(float(score))
        stats = staff_client.get(reverse("fraud:summary")).json()["statistics"]
        assert stats["count"] == 100 and stats["mean"] == pytest.approx(50.5) and stats["max"] == 100
        assert (stats["p50"], stats["p95"], stats["p99"]) == pytest.approx((50.5, 95.05, 99.01))
        assert stats["threshold"] == 1.0  # no model loaded: the latest attempt's threshold

    def test_an_empty_range_has_zero_counts_and_no_figures(self, staff_client):
        stats = staff_client.get(reverse("fraud:summary")).json()["statistics"]
        assert stats == {
            "count": 0,
            "mean": None,
            "max": None,
            "p50": None,
            "p95": None,
            "p99": None,
            "threshold": None,
        }

    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [
            ({"start": "2026-02-30"}, "start", None),
            ({"end": "yesterday"}, "end", None),
            ({"start": "2026-03-02", "end": "2026-03-01"}, "start", MESSAGE_RANGE_ORDER),
            ({"start": "2024-01-01", "end": "2025-01-01"}, "end", MESSAGE_RANGE_TOO_LONG),
            ({"end": "9999-12-31"}, "end", MESSAGE_RANGE_YEARS),
            ({"start": "0001-01-01", "end": "0001-01-02"}, "start", MESSAGE_RANGE_YEARS),
        ],
    )
    def test_a_bad_range_is_a_400_naming_the_field(self, staff_client, query, field, message):
        response = staff_client.get(reverse("fraud:summary"), query)
        assert response.status_code == 400
        body = response.json()
        assert body["message"] == MESSAGE_INVALID and field in body["extra"]["fields"]
        if message:
            assert body["extra"]["fields"][field] == [message]

    def test_a_range_is_whole_utc_days_both_included(self, staff_client):
        day = timezone.now().date() - timedelta(days=3)
        scored(2.0, created_at=datetime.combine(day, time.min, tzinfo=UTC))
        scored(2.0, created_at=datetime.combine(day, time.max, tzinfo=UTC))
        scored(2.0, created_at=datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC))  # the next day
        totals = staff_client.get(reverse("fraud:summary"), {"start": day, "end": day}).json()["totals"]
        assert totals["flagged"] == 2


class DistributionTests:
    def test_bins_count_every_score_up_to_the_upper_edge_and_the_rest_is_overflow(self, staff_client):
        for score in [0.0, 0.1, 0.5, 0.9, 1.2, 1.9]:
            scored(score, threshold=1.0)
        scored(1000.0, threshold=1.0)  # one wild score
        body = staff_client.get(reverse("fraud:distribution"), {"bins": 5}).json()
        assert body["threshold"] == 1.0
        # p99 of the 7 scores is 940.7; the chart reaches 1.25 times that, so 1000 is in the last bin.
        assert sum(b["count"] for b in body["bins"]) + body["overflow"] == 7
        assert len(body["bins"]) == 5 and body["bins"][0]["lower"] == 0
        assert body["bins"][-1]["upper"] == pytest.approx(body["upper"])

    def test_the_threshold_sets_the_scale_when_scores_are_low(self, staff_client):
        for score in [0.1, 0.2, 0.3, 0.35]:
            scored(score, threshold=2.0)
        body = staff_client.get(reverse("fraud:distribution"), {"bins": 10}).json()
        assert body["upper"] == pytest.approx(2.5) and body["overflow"] == 0
        assert [b["count"] for b in body["bins"]] == [2, 2] + [0] * 8  # 0.25 wide

    def test_a_score_on_a_bin_edge_goes_to_the_bin_above(self, staff_client):
        scored(0.25, threshold=2.0)  # the edge of bins 0 and 1: upper is 2.5, bins 10
        scored(1.0, threshold=2.0)
        body = staff_client.get(reverse("fraud:distribution"), {"bins": 10}).json()
        assert body["upper"] == pytest.approx(2.5)
        assert [b["count"] for b in body["bins"]] == [0, 1, 0, 0, 1, 0, 0, 0, 0, 0]

    def test_the_histogram_is_counted_in_the_database_not_in_python(self, staff_client):
        TransactionFactory.create_batch(50, fraud_score=0.5, fraud_threshold=1.0)
        with CaptureQueriesContext(connection) as queries:
            staff_client.get(reverse("fraud:distribution"))
        grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
        assert len(grouped) == 1 and "FLOOR" in grouped[0].upper()

    @pytest.mark.parametrize("bins", ["4", "101", "ten"])
    def test_bins_out_of_5_to_100_are_a_400(self, staff_client, bins):
        response = staff_client.get(reverse("fraud:distribution"), {"bins": bins})
        assert response.status_code == 400 and "bins" in response.json()["extra"]["fields"]


class FlagListTests:
    def test_flagged_attempts_with_drivers_and_never_a_card_number_or_fingerprint(self, staff_client, held):
        order, _ = held
        body = staff_client.get(reverse("fraud:flags")).json()
        [flag] = body["results"]
        attempt = Transaction.objects.get()
        assert (flag["id"], flag["order_id"], flag["order_status"]) == (attempt.pk, order.pk, "review")
        assert [set(d) for d in flag["drivers"]] == [{"feature", "share"}] * 3
        assert flag["card_last4"] == "4242" and flag["review"] is None
        assert body["latest_id"] == attempt.pk
        text = str(body)
        assert "4242424242424242" not in text
        assert attempt.card_fingerprint and attempt.card_fingerprint not in text
        assert card_fingerprint("4242424242424242") not in text
        assert "fingerprint" not in text

    def test_after_returns_only_newer_flags_for_polling(self, staff_client):
        first = scored(2.0)
        scored(0.5)  # not flagged
        body = staff_client.get(reverse("fraud:flags")).json()
        assert [f["id"] for f in body["results"]] == [first.pk] and body["latest_id"] == first.pk
        assert staff_client.get(reverse("fraud:flags"), {"after": first.pk}).json() == {
            "results": [],
            "latest_id": first.pk,
        }
        second = scored(3.0)
        polled = staff_client.get(reverse("fraud:flags"), {"after": first.pk}).json()
        assert [f["id"] for f in polled["results"]] == [second.pk] and polled["latest_id"] == second.pk

    def test_held_lists_only_orders_put_on_hold(self, staff_client, held):
        scored(2.0)  # flagged, not held
        body = staff_client.get(reverse("fraud:flags"), {"state": "held"}).json()
        assert [f["order_status"] for f in body["results"]] == ["review"]

    @pytest.mark.parametrize(
        ("query", "field"), [({"state": "all"}, "state"), ({"after": "-1"}, "after"), ({"limit": "0"}, "limit")]
    )
    def test_bad_filters_are_a_400(self, staff_client, query, field):
        response = staff_client.get(reverse("fraud:flags"), query)
        assert response.status_code == 400 and field in response.json()["extra"]["fields"]


class ApproveTests:
    def test_approving_a_held_order_makes_it_paid_once_and_a_second_time_is_a_409(self, staff_client, staff, held):
        order, _ = held
        url = reverse("fraud:order-approve", args=[order.pk])
        response = staff_client.post(url)
        assert response.status_code == 200 and response.json() == {"id": order.pk, "status": "paid"}
        review = OrderReview.objects.get()
        assert (review.decision, review.decided_by) == ("approved", staff)
        again = staff_client.post(url)
        assert again.status_code == 409
        assert again.json() == {"message": MESSAGE_NOT_IN_REVIEW, "extra": {"status": "paid", "decision": "approved"}}
        assert OrderReview.objects.count() == 1

    def test_an_order_never_held_is_a_409_and_an_unknown_one_a_404(self, staff_client):
        paid = OrderFactory(status=OrderStatus.PAID)
        response = staff_client.post(reverse("fraud:order-approve", args=[paid.pk]))
        assert response.status_code == 409 and response.json()["extra"] == {"status": "paid"}
        assert staff_client.post(reverse("fraud:order-approve", args=[paid.pk + 100])).status_code == 404
        assert not OrderReview.objects.exists()


class RejectTests:
    def test_rejecting_cancels_puts_the_stock_back_refunds_and_a_second_time_is_a_409(self, staff_client, held):
        order, product = held
        product.refresh_from_db()
        assert product.stock == 3
        url = reverse("fraud:order-reject", args=[order.pk])
        response = staff_client.post(url, {"reason": "card testing"}, format="json")
        assert response.status_code == 200
        assert response.json() == {"id": order.pk, "status": "cancelled", "refunded": True}
        product.refresh_from_db()
        assert product.stock == 5
        review = OrderReview.objects.get()
        assert (review.decision, review.reason, review.refunded) == ("rejected", "card testing", True)
        again = staff_client.post(url)
        assert again.status_code == 409
        assert again.json()["message"] == MESSAGE_NOT_IN_REVIEW_REJECT
        assert again.json()["extra"] == {"status": "cancelled", "decision": "rejected"}
        approve = staff_client.post(reverse("fraud:order-approve", args=[order.pk]))
        assert approve.status_code == 409
        product.refresh_from_db()
        assert product.stock == 5  # not put back twice

    def test_rejecting_an_approved_order_is_a_409_and_changes_nothing(self, staff_client, held):
        order, product = held
        staff_client.post(reverse("fraud:order-approve", args=[order.pk]))
        response = staff_client.post(reverse("fraud:order-reject", args=[order.pk]))
        assert response.status_code == 409 and response.json()["extra"] == {"status": "paid", "decision": "approved"}
        product.refresh_from_db()
        assert product.stock == 3

    def test_a_reason_over_500_characters_is_a_400_and_the_order_stays_held(self, staff_client, held):
        order, _ = held
        response = staff_client.post(
            reverse("fraud:order-reject", args=[order.pk]), {"reason": "x" * 501}, format="json"
        )
        assert response.status_code == 400 and "reason" in response.json()["extra"]["fields"]
        order.refresh_from_db()
        assert order.status == OrderStatus.REVIEW and not OrderReview.objects.exists()

    def test_a_failing_refund_still_cancels_and_records_that_it_was_not_refunded(self, staff_client, held, monkeypatch):
        from payments.gateways.offline import OfflineGateway

        def broken(self, reference):
            raise RuntimeError("gateway down")

        monkeypatch.setattr(OfflineGateway, "refund", broken)
        order, _ = held
        response = staff_client.post(reverse("fraud:order-reject", args=[order.pk]))
        assert response.status_code == 200 and response.json()["refunded"] is False
        assert OrderReview.objects.get().refunded is False


class BuyerViewTests:
    """What the buyer of a rejected order is told: only what happened to the money."""

    def _seen(self, buyer_client, order) -> dict:
        return buyer_client.get(reverse("orders:order", args=[order.pk])).json()

    def test_a_refunded_rejection_says_cancelled_and_refunded(self, staff_client, buyer_client, held):
        order, _ = held
        staff_client.post(reverse("fraud:order-reject", args=[order.pk]), {"reason": "card testing"}, format="json")
        seen = self._seen(buyer_client, order)
        assert (seen["status"], seen["status_message"]) == ("cancelled", MESSAGE_CANCELLED_REFUNDED)
        assert "card testing" not in str(seen)  # staff's reason stays with staff

    def test_a_refund_that_failed_is_never_called_refunded(self, staff_client, buyer_client, held, monkeypatch):
        from payments.gateways.offline import OfflineGateway

        def broken(self, reference):
            raise RuntimeError("gateway down")

        monkeypatch.setattr(OfflineGateway, "refund", broken)
        order, _ = held
        staff_client.post(reverse("fraud:order-reject", args=[order.pk]))
        seen = self._seen(buyer_client, order)
        assert (seen["status"], seen["status_message"]) == ("cancelled", MESSAGE_CANCELLED_REFUND_PENDING)
        listed = buyer_client.get(reverse("orders:orders")).json()["results"]
        assert [o["status_message"] for o in listed] == [MESSAGE_CANCELLED_REFUND_PENDING]

    def test_the_order_list_reads_reviews_with_the_orders_not_one_query_each(self, buyer, buyer_client, scoring):
        scoring("hold", threshold=0)
        from fraud.services import order_review_reject

        def queries_for_list() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert buyer_client.get(reverse("orders:orders")).status_code == 200
            return len(captured)

        order_review_reject(order_id=checkout(buyer, ProductFactory(stock=5)).pk)
        one = queries_for_list()
        for _ in range(3):
            order_review_reject(order_id=checkout(buyer, ProductFactory(stock=5)).pk)
        assert queries_for_list() == one


class ExportTests:
    def _rows(self, response) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    def test_the_export_is_a_csv_of_the_range_with_no_card_number_or_fingerprint(self, staff_client, held):
        scored(0.5, created_at=timezone.now() - timedelta(days=400))  # outside
        response = staff_client.get(reverse("fraud:export"))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith('attachment; filename="fraud-')
        [row] = self._rows(response)
        attempt = Transaction.objects.get(order__isnull=False)
        assert (row["id"], row["flagged"], row["order_status"]) == (str(attempt.pk), "yes", "review")
        assert row["billing_name"] and row["drivers"].count(":") == 3
        text = str(row)
        assert attempt.card_fingerprint not in text and "4242424242424242" not in text

    @pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
    def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_starts_with_a_quote(self, staff_client, name):
        order = OrderFactory(status=OrderStatus.REVIEW, billing_full_name=name)
        scored(2.0, order=order, billing_city="=cmd|' /C calc'!A0")
        [row] = self._rows(staff_client.get(reverse("fraud:export")))
        assert row["billing_name"] == "'" + name
        assert row["billing_city"] == "'=cmd|' /C calc'!A0"

    def test_plain_values_are_left_alone(self):
        assert [csv_safe(v) for v in ["Ada", 12, None, "a=b", "1.5"]] == ["Ada", "12", "", "a=b", "1.5"]

    def test_a_bad_range_is_a_400_not_a_csv(self, staff_client):
        response = staff_client.get(reverse("fraud:export"), {"start": "2026-03-02", "end": "2026-03-01"})
        assert response.status_code == 400 and response.json()["extra"]["fields"]["start"] == [MESSAGE_RANGE_ORDER]
