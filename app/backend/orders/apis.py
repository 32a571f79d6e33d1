"""Checkout, the buyer's orders, and delivery (staff)."""

import json
import re

from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from account.serializers import AddressInputSerializer
from core.client_ip import client_ip
from core.pagination import PageFilterSerializer, paginate
from orders import selectors, services
from orders.models import Order, OrderItem, OrderStatus
from orders.services import MESSAGE_ONE_ADDRESS
from payments.cards import keyed_fingerprint

MESSAGE_ONE_PAYMENT = "Send exactly one of card, payment_method_id and saved_card_id."
MESSAGE_IN_REVIEW = (
    "Your payment went through and your order is placed. It is being reviewed before it ships,"
    " which usually takes less than a business day; you do not need to do anything."
)
# A held order staff rejected (fraud/services.py order_review_reject): cancelled, stock put back,
# and a full refund asked of the gateway after the cancellation committed. The buyer is told
# what actually happened to the money: refunded, or (a refund that failed or has not been asked
# for yet) that staff are seeing to it. Never why the payment was rejected.
MESSAGE_CANCELLED_REFUNDED = (
    "We could not confirm the payment for this order, so it was cancelled and will not ship. The full"
    " amount has been refunded to the card you paid with; a refund can take a few business days to"
    " appear on your statement."
)
MESSAGE_CANCELLED_REFUND_PENDING = (
    "We could not confirm the payment for this order, so it was cancelled and will not ship. The full"
    " amount will be refunded to the card you paid with: our staff are seeing to it, and you do not"
    " need to do anything."
)
MESSAGE_STAFF_ONLY_ALL = "Only staff can list everyone's orders."
MESSAGE_BAD_IDEMPOTENCY_KEY = "Send 1 to 255 printable ASCII characters without spaces (a UUID, for example)."
IDEMPOTENCY_KEY = re.compile(r"^[!-~]{1,255}$")


class OrderOutputSerializer(serializers.ModelSerializer):
    class ItemSerializer(serializers.ModelSerializer):
        class Meta:
            model = OrderItem
            fields = ["product_id", "name", "unit_price", "quantity", "line_total"]

    items = ItemSerializer(many=True)
    billing_address = serializers.DictField(child=serializers.CharField(allow_blank=True))
    card = serializers.SerializerMethodField()
    status_message = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "status_message",
            "items",
            "subtotal",
            "total",
            "currency",
            "billing_address",
            "card",
            "created_at",
            "paid_at",
            "delivered_at",
        ]

    def get_card(self, order: Order) -> dict[str, str]:
        return {"brand": order.card_brand, "last4": order.card_last4}

    def get_status_message(self, order: Order) -> str:
        """What the buyer is told about the status ('' when the status says it all)."""
        if order.status == OrderStatus.REVIEW:
            return MESSAGE_IN_REVIEW
        if order.status == OrderStatus.CANCELLED:
            review = getattr(order, "fraud_review", None)  # selected with the order (orders/selectors.py)
            refunded = review is not None and review.refunded is True
            return MESSAGE_CANCELLED_REFUNDED if refunded else MESSAGE_CANCELLED_REFUND_PENDING
        return ""


class OrderListCheckoutApi(APIView):
    throttle_scope = "checkout"

    class FilterSerializer(PageFilterSerializer):
        all = serializers.BooleanField(required=False, default=False)

    class CheckoutInputSerializer(serializers.Serializer):
        class ItemSerializer(serializers.Serializer):
            product_id = serializers.IntegerField(min_value=1)
            quantity = serializers.IntegerField(min_value=1, max_value=99)

        class PaymentSerializer(serializers.Serializer):
            class CardSerializer(serializers.Serializer):
                number = serializers.RegexField(
                    r"^[0-9 -]{12,23}$", error_messages={"invalid": "Enter the card number's digits."}
                )
                exp_month = serializers.IntegerField(min_value=1, max_value=12)
                exp_year = serializers.IntegerField(min_value=2000, max_value=2100)
                cvc = serializers.RegexField(r"^[0-9]{3,4}$", error_messages={"invalid": "Enter 3 or 4 digits."})
                name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

            card = CardSerializer(required=False)
            payment_method_id = serializers.RegexField(r"^pm_[A-Za-z0-9_]{1,250}$", required=False)
            saved_card_id = serializers.IntegerField(min_value=1, required=False)

            def validate(self, data):
                if len(data) != 1:
                    raise serializers.ValidationError(MESSAGE_ONE_PAYMENT)
                return data

        items = ItemSerializer(many=True, allow_empty=False, max_length=50)
        billing_address_id = serializers.IntegerField(min_value=1, required=False)
        billing_address = AddressInputSerializer(required=False)
        payment = PaymentSerializer()
        save_card = serializers.BooleanField(required=False, default=False)

        def validate(self, data):
            if ("billing_address_id" in data) == ("billing_address" in data):
                raise serializers.ValidationError({"billing_address": [MESSAGE_ONE_ADDRESS]})
            return data

    def get_throttles(self):
        # Only checkout is throttled (card testing); reading one's orders is not.
        return super().get_throttles() if self.request.method == "POST" else []

    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        everyone = filters.validated_data["all"]
        if everyone and not request.user.is_staff:
            raise PermissionDenied(MESSAGE_STAFF_ONLY_ALL)
        return Response(
            paginate(
                queryset=selectors.order_list(user=request.user, everyone=everyone),
                request=request,
                page=filters.validated_data["page"],
                page_size=filters.validated_data["page_size"],
                serializer_class=OrderOutputSerializer,
            )
        )

    def post(self, request):
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.match(key):
            raise ValidationError({"Idempotency-Key": [MESSAGE_BAD_IDEMPOTENCY_KEY]})
        serializer = self.CheckoutInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        checkout = {"user": request.user, "client_ip": client_ip(request), **serializer.validated_data}
        if key is None:
            order = services.order_checkout(**checkout)
            return Response(OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)
        # Keyed (HMAC), since the body may hold a card number.
        request_hash = keyed_fingerprint(json.dumps(serializer.validated_data, sort_keys=True, default=str))
        order, replayed = services.order_checkout_idempotent(idempotency_key=key, request_hash=request_hash, **checkout)
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED, headers=headers)


class OrderDetailApi(APIView):
    def get(self, request, order_id: int):
        return Response(OrderOutputSerializer(selectors.order_get(user=request.user, order_id=order_id)).data)


class OrderDeliverApi(APIView):
    permission_classes = [IsAdminUser]

    def post(self, request, order_id: int):
        selectors.order_get(user=request.user, order_id=order_id)  # 404 when there is none
        order = services.order_deliver(order_id=order_id)
        return Response(OrderOutputSerializer(selectors.order_get(user=request.user, order_id=order.pk)).data)
