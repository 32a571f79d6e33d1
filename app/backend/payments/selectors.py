"""Reads for payments."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from account.models import User
from payments.models import SavedCard


def saved_card_list(*, user: User) -> QuerySet[SavedCard]:
    return SavedCard.objects.filter(user=user).order_by("-created_at", "-id")


def saved_card_get(*, user: User, card_id: int) -> SavedCard:
    """The user's own card; anyone else's is a 404."""
    return get_object_or_404(SavedCard, pk=card_id, user=user)
