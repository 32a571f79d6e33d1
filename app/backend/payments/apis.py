"""Saved cards, and the storefront's public payment configuration."""

from django.conf import settings
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from payments import selectors, services
from payments.models import SavedCard


class SavedCardListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = SavedCard
            fields = ["id", "brand", "last4", "exp_month", "exp_year", "created_at"]

    def get(self, request):
        return Response(self.OutputSerializer(selectors.saved_card_list(user=request.user), many=True).data)


class SavedCardDeleteApi(APIView):
    def delete(self, request, card_id: int):
        services.saved_card_delete(card=selectors.saved_card_get(user=request.user, card_id=card_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShopConfigApi(APIView):
    """GET /api/config/: what the storefront needs before checkout (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):
        return Response(
            {
                # Only offered when payments actually go through Stripe.
                "stripe_publishable_key": (settings.STRIPE_PUBLISHABLE_KEY or None)
                if settings.STRIPE_SECRET_KEY
                else None,
                "currency": settings.SHOP_CURRENCY,
            }
        )
