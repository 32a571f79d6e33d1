import pytest
from django.urls import reverse

from orders.models import Order
from orders.services import MESSAGE_NOT_DELIVERABLE
from orders.tests.factories import OrderFactory, OrderItemFactory

ORDERS = reverse("orders:orders")


def order_url(order_id: int) -> str:
    return reverse("orders:order", args=[order_id])


def deliver_url(order_id: int) -> str:
    return reverse("orders:order-deliver", args=[order_id])


@pytest.mark.django_db
class OrderListApiTests:
    def test_buyers_see_their_own_orders_newest_first(self, buyer_client, buyer, other_buyer):
        older, newer = OrderFactory(user=buyer), OrderFactory(user=buyer)
        OrderFactory(user=other_buyer)
        body = buyer_client.get(ORDERS).json()
        assert body["count"] == 2
        assert [o["id"] for o in body["results"]] == [newer.pk, older.pk]

    def test_staff_see_everyones_orders_with_all_true(self, staff_client, buyer, other_buyer):
        OrderFactory(user=buyer)
        OrderFactory(user=other_buyer)
        assert staff_client.get(ORDERS).json()["count"] == 0
        assert staff_client.get(ORDERS, {"all": "true"}).json()["count"] == 2

    def test_a_buyer_asking_for_everyones_orders_gets_403(self, buyer_client):
        response = buyer_client.get(ORDERS, {"all": "true"})
        assert response.status_code == 403
        assert response.json()["message"] == "Only staff can list everyone's orders."

    def test_anonymous_clients_get_401(self, anonymous_client):
        assert anonymous_client.get(ORDERS).status_code == 401


@pytest.mark.django_db
class OrderDetailApiTests:
    def test_a_buyer_sees_their_order_with_its_lines(self, buyer_client, buyer):
        item = OrderItemFactory(order=OrderFactory(user=buyer))
        response = buyer_client.get(order_url(item.order_id))
        assert response.status_code == 200
        assert response.json()["items"] == [
            {
                "product_id": item.product_id,
                "name": item.name,
                "unit_price": "10.00",
                "quantity": 2,
                "line_total": "20.00",
            }
        ]

    def test_someone_elses_order_is_404_not_403(self, buyer_client, other_buyer):
        theirs = OrderFactory(user=other_buyer)
        response = buyer_client.get(order_url(theirs.pk))
        assert response.status_code == 404
        assert response.json()["message"] == "Not found."

    def test_staff_see_any_order(self, staff_client, buyer):
        assert staff_client.get(order_url(OrderFactory(user=buyer).pk)).status_code == 200


@pytest.mark.django_db
class OrderDeliverApiTests:
    def test_staff_mark_a_paid_order_delivered(self, staff_client, buyer):
        order = OrderFactory(user=buyer)
        response = staff_client.post(deliver_url(order.pk))
        assert response.status_code == 200
        assert response.json()["status"] == "delivered" and response.json()["delivered_at"]

    def test_delivering_twice_gets_409(self, staff_client, buyer):
        order = OrderFactory(user=buyer, status="delivered")
        response = staff_client.post(deliver_url(order.pk))
        assert response.status_code == 409
        assert response.json() == {"message": MESSAGE_NOT_DELIVERABLE, "extra": {"status": "delivered"}}

    def test_a_buyer_gets_403_even_for_their_own_order(self, buyer_client, buyer):
        order = OrderFactory(user=buyer)
        assert buyer_client.post(deliver_url(order.pk)).status_code == 403
        assert Order.objects.get(pk=order.pk).status == "paid"

    def test_a_missing_order_gets_404(self, staff_client):
        assert staff_client.post(deliver_url(424242)).status_code == 404
