"""Reads for accounts."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from account.models import Address, User


def address_list(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user).order_by("-is_default", "id")


def address_get(*, user: User, address_id: int) -> Address:
    """The user's own address; anyone else's is a 404, like a missing one."""
    return get_object_or_404(Address, pk=address_id, user=user)
