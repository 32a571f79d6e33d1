"""Reads for orders."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from account.models import User
from orders.models import Order, OrderStatus


def order_list(*, user: User, everyone: bool = False) -> QuerySet[Order]:
    # fraud_review: a cancelled order's status message says whether it was refunded (orders/apis.py).
    orders = (
        Order.objects.exclude(status=OrderStatus.PENDING)
        .select_related("fraud_review")
        .prefetch_related("items")
        .order_by("-created_at", "-id")
    )
    return orders if everyone else orders.filter(user=user)


def order_get(*, user: User, order_id: int) -> Order:
    """Own orders; staff see any. Someone else's order is a 404, so ids do not leak."""
    orders = Order.objects.exclude(status=OrderStatus.PENDING).select_related("fraud_review").prefetch_related("items")
    if not user.is_staff:
        orders = orders.filter(user=user)
    return get_object_or_404(orders, pk=order_id)
