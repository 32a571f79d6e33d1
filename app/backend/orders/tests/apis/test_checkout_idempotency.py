"""POST /api/orders/ against the double charge: the gateway is called with no row locked, under
an Idempotency-Key that a repeated submission cannot charge twice, and a gateway that fails or
times out leaves the stock where it was. The gateway is a stand-in that counts its charges."""

import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from account.tests.factories import UserFactory
from orders.apis import MESSAGE_BAD_IDEMPOTENCY_KEY
from orders.models import CheckoutAttempt, Order, OrderItem, OrderStatus
from orders.services import MESSAGE_GATEWAY_ERROR, MESSAGE_KEY_REUSED, order_release_stale
from orders.tests.apis.test_checkout import ORDERS, card, checkout_body
from payments.gateways.base import ChargeRequest, ChargeResult, PaymentGateway
from payments.gateways.offline import OfflineGateway
from payments.models import Transaction
from product.tests.factories import ProductFactory


class StandInGateway(PaymentGateway):
    """The offline gateway, `delay` seconds slower, or raising like a gateway that timed out.
    Counts charges per idempotency key, as a gateway honouring keys would charge them once."""

    name = "offline"

    def __init__(self, delay: float = 0.0, fail: Exception | None = None):
        self.delay, self.fail = delay, fail
        self.calls: list[ChargeRequest] = []
        self.lock = threading.Lock()

    def charge(self, request: ChargeRequest) -> ChargeResult:
        with self.lock:
            self.calls.append(request)
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return OfflineGateway().charge(request)

    def refund(self, reference: str) -> None:
        pass


@pytest.fixture
def gateway(monkeypatch):
    def install(**options) -> StandInGateway:
        stand_in = StandInGateway(**options)
        monkeypatch.setattr("orders.services.get_gateway", lambda: stand_in)
        return stand_in

    return install


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def post(client: APIClient, body: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(ORDERS, body, format="json", **headers)


def in_threads(count: int, work) -> list:
    """Run work(index) in `count` real threads started together (each its own connection)."""
    results: list = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db
class IdempotencyKeyTests:
    def test_a_repeated_submission_gets_the_first_order_and_is_not_charged_again(self, buyer_client, gateway):
        stand_in = gateway()
        product = ProductFactory(stock=5)
        key = str(uuid.uuid4())
        first = post(buyer_client, checkout_body(product), key)
        again = post(buyer_client, checkout_body(product), key)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert len(stand_in.calls) == 1
        product.refresh_from_db()
        assert product.stock == 4
        assert Transaction.objects.count() == 1

    def test_the_same_key_with_another_body_gets_422_and_no_charge(self, buyer_client, gateway):
        stand_in = gateway()
        product = ProductFactory(stock=5)
        key = str(uuid.uuid4())
        assert post(buyer_client, checkout_body(product), key).status_code == 201
        other = post(buyer_client, checkout_body(product, quantity=2), key)
        assert other.status_code == 422
        assert other.json() == {"message": MESSAGE_KEY_REUSED, "extra": {"code": "idempotency_key_reused"}}
        assert len(stand_in.calls) == 1
        assert Order.objects.count() == 1

    def test_a_decline_is_the_outcome_a_repeat_gets_without_reaching_the_gateway(self, buyer_client, gateway):
        stand_in = gateway()
        product = ProductFactory(stock=5)
        body = checkout_body(product, payment=card("4000000000000002"))
        key = str(uuid.uuid4())
        first, again = post(buyer_client, body, key), post(buyer_client, body, key)
        assert (first.status_code, again.status_code) == (402, 402)
        assert again.json() == first.json()
        assert len(stand_in.calls) == 1
        assert Order.objects.count() == 0

    def test_keys_are_per_user(self, buyer_client, other_client, gateway):
        stand_in = gateway()
        product = ProductFactory(stock=5)
        key = str(uuid.uuid4())
        assert post(buyer_client, checkout_body(product), key).status_code == 201
        assert post(other_client, checkout_body(product), key).status_code == 201
        assert len(stand_in.calls) == 2

    @pytest.mark.parametrize("key", ["", "has space", "é", "x" * 256])
    def test_a_malformed_key_gets_400_and_no_charge(self, buyer_client, gateway, key):
        stand_in = gateway()
        response = post(buyer_client, checkout_body(ProductFactory(stock=5)), key)
        assert response.status_code == 400
        assert response.json()["extra"]["fields"] == {"Idempotency-Key": [MESSAGE_BAD_IDEMPOTENCY_KEY]}
        assert stand_in.calls == []

    def test_the_gateway_is_told_one_key_per_checkout_attempt(self, buyer_client, gateway):
        stand_in = gateway()
        product = ProductFactory(stock=5)
        post(buyer_client, checkout_body(product), "attempt-1")
        post(buyer_client, checkout_body(product, quantity=2), "attempt-2")
        post(buyer_client, checkout_body(product), None)
        keys = [call.idempotency_key for call in stand_in.calls]
        assert keys[0].endswith("-attempt-1") and keys[1].endswith("-attempt-2")
        assert len(set(keys)) == 3 and all(keys)


@pytest.mark.django_db
class GatewayFailureTests:
    def test_a_gateway_timeout_puts_the_stock_back_and_writes_no_order(self, buyer_client, gateway):
        stand_in = gateway(fail=TimeoutError("read timed out"))
        product = ProductFactory(stock=3)
        key = str(uuid.uuid4())
        response = post(buyer_client, checkout_body(product, quantity=2), key)
        assert response.status_code == 502
        assert response.json()["message"] == MESSAGE_GATEWAY_ERROR
        product.refresh_from_db()
        assert product.stock == 3
        assert Order.objects.count() == OrderItem.objects.count() == 0
        assert Transaction.objects.get().status == "error"
        # Nothing was charged: the same key may try again, and that try is charged once.
        stand_in.fail = None
        assert post(buyer_client, checkout_body(product, quantity=2), key).status_code == 201
        assert len(stand_in.calls) == 2
        product.refresh_from_db()
        assert product.stock == 1

    def test_a_reservation_whose_worker_died_is_released_after_its_ttl(self, buyer, gateway):
        product = ProductFactory(stock=3)
        order = Order.objects.create(
            user=buyer, status=OrderStatus.PENDING, subtotal=Decimal(1), total=Decimal(1), currency="usd"
        )
        OrderItem.objects.create(order=order, product=product, name="x", unit_price=1, quantity=2, line_total=2)
        product.stock = 1
        product.save()
        assert order_release_stale() == 0  # still young: its checkout may be charging
        Order.objects.filter(pk=order.pk).update(created_at=order.created_at.replace(year=2000))
        assert order_release_stale() == 1
        product.refresh_from_db()
        assert product.stock == 3
        assert Order.objects.count() == 0

    def test_a_pending_order_is_not_shown_to_the_buyer(self, buyer, buyer_client):
        Order.objects.create(user=buyer, status=OrderStatus.PENDING, subtotal=1, total=1, currency="usd")
        assert buyer_client.get(ORDERS).json()["count"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class ConcurrentCheckoutTests:
    def test_concurrent_duplicates_with_a_slow_gateway_charge_once_and_make_one_order(self, gateway):
        stand_in = gateway(delay=1.0)
        product = ProductFactory(stock=5)
        client = client_for(UserFactory(email="double@example.com"))
        key = str(uuid.uuid4())
        responses = in_threads(6, lambda _: post(client, checkout_body(product), key))
        codes = sorted(response.status_code for response in responses)
        # One charges; the others find its claim: still running (409, retry) or done (201, replayed).
        assert codes.count(201) >= 1 and set(codes) <= {201, 409}, codes
        assert len(stand_in.calls) == 1
        assert Order.objects.count() == 1
        replay = post(client, checkout_body(product), key)
        assert replay.status_code == 201 and replay.json()["id"] == Order.objects.get().pk
        assert len(stand_in.calls) == 1
        product.refresh_from_db()
        assert product.stock == 4
        assert CheckoutAttempt.objects.get().order_id == Order.objects.get().pk

    def test_a_slow_gateway_does_not_hold_other_buyers_of_the_same_product(self, gateway):
        gateway(delay=3.0)
        product = ProductFactory(stock=5)
        clients = [client_for(UserFactory(email=f"slow{i}@example.com")) for i in range(2)]
        finished: list[float] = [0.0, 0.0]

        def buy(index: int):
            time.sleep(index * 0.5)  # the second starts while the first is at the gateway
            started = time.monotonic()
            response = post(clients[index], checkout_body(product), str(uuid.uuid4()))
            finished[index] = time.monotonic() - started
            return response.status_code

        assert in_threads(2, buy) == [201, 201]
        # Under the old design (charge inside the locked transaction) the second waited for the
        # first's gateway call: about 2.5 s of its own 3 plus the wait. Now both take about 3 s.
        assert finished[1] < 4.5, finished

    def test_many_buyers_on_the_last_units_never_oversell(self, gateway):
        gateway(delay=0.05)
        product = ProductFactory(stock=4)
        clients = [client_for(UserFactory(email=f"rush{i}@example.com")) for i in range(12)]
        responses = in_threads(12, lambda index: post(clients[index], checkout_body(product), str(uuid.uuid4())))
        codes = sorted(response.status_code for response in responses)
        assert codes == [201] * 4 + [409] * 8
        product.refresh_from_db()
        assert product.stock == 0
        assert Order.objects.filter(status=OrderStatus.PAID).count() == 4
        assert Order.objects.count() == 4
        assert Transaction.objects.filter(status="succeeded").count() == 4


@pytest.mark.django_db
class ReleaseStaleReservationsCommandTests:
    def test_the_command_releases_old_pending_orders_and_says_how_many(self, buyer):
        from io import StringIO

        from django.core.management import call_command

        product = ProductFactory(stock=0)
        order = Order.objects.create(user=buyer, status=OrderStatus.PENDING, subtotal=1, total=1, currency="usd")
        OrderItem.objects.create(order=order, product=product, name="x", unit_price=1, quantity=1, line_total=1)
        Order.objects.filter(pk=order.pk).update(created_at=order.created_at.replace(year=2000))
        output = StringIO()
        call_command("release_stale_reservations", stdout=output)
        assert "released 1 pending orders" in output.getvalue()
        product.refresh_from_db()
        assert product.stock == 1
