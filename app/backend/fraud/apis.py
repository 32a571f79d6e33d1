"""Staff fraud pages: totals and score statistics, the score histogram, flagged and held attempts
(with a cursor for polling), approving or rejecting a held order, and a CSV export.

Staff only (IsAdminUser, as the other staff endpoints): a buyer gets 403, no token 401. No answer
carries a card number or fingerprint: attempts show the brand and last 4 digits, as orders do.
The schema is declared here with extend_schema, beside each view.
"""

import csv
from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from fraud import retraining, selectors, services
from fraud.scoring import scoring_status
from fraud.selectors import DateRange
from fraud.training_files import UPLOAD_ID, training_csv_store
from orders.selectors import order_get
from payments.models import Transaction

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
MESSAGE_RANGE_ORDER = "start must be on or before end."
MESSAGE_RANGE_TOO_LONG = f"A range covers at most {MAX_RANGE_DAYS} days."
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
MESSAGE_RANGE_YEARS = f"Choose a date from {EARLIEST.isoformat()} to {LATEST.isoformat()}."
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class RangeFilterSerializer(serializers.Serializer):
    """?start=YYYY-MM-DD&end=YYYY-MM-DD, whole UTC days, both included; by default the last 30."""

    # Bounded, so a day's end (end + 1 day) and the default start (end - 29 days) always exist.
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate_start(self, value: date) -> date:
        return self._within_years(value)

    def validate_end(self, value: date) -> date:
        return self._within_years(value)

    @staticmethod
    def _within_years(value: date) -> date:
        if not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(MESSAGE_RANGE_YEARS)
        return value

    def validate(self, data):
        end = data.get("end") or timezone.now().date()
        start = data.get("start") or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if start > end:
            raise serializers.ValidationError({"start": [MESSAGE_RANGE_ORDER]})
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"end": [MESSAGE_RANGE_TOO_LONG]})
        return {**data, "period": DateRange(start=start, end=end)}


def _named(name: str, serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema names a component after its class; each view's OutputSerializer needs its own."""
    return type(f"{name}Serializer", (serializer,), {"__module__": serializer.__module__})


def _period(request, filter_class: type[RangeFilterSerializer]) -> DateRange:
    filters = filter_class(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return filters.validated_data["period"]


class FraudRangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class FraudSummaryApi(APIView):
    permission_classes = [IsAdminUser]

    class FilterSerializer(RangeFilterSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        class FraudTotalsSerializer(serializers.Serializer):
            scored = serializers.IntegerField()
            flagged = serializers.IntegerField()
            held = serializers.IntegerField()
            awaiting_review = serializers.IntegerField()
            approved = serializers.IntegerField()
            rejected = serializers.IntegerField()

        class FraudStatisticsSerializer(serializers.Serializer):
            count = serializers.IntegerField()
            mean = serializers.FloatField(allow_null=True)
            max = serializers.FloatField(allow_null=True)
            p50 = serializers.FloatField(allow_null=True)
            p95 = serializers.FloatField(allow_null=True)
            p99 = serializers.FloatField(allow_null=True)
            threshold = serializers.FloatField(allow_null=True)

        range = FraudRangeSerializer()
        totals = FraudTotalsSerializer()
        statistics = FraudStatisticsSerializer()
        scoring_enabled = serializers.BooleanField()
        mode = serializers.CharField()

    @extend_schema(
        operation_id="FraudSummary_get",
        parameters=[FilterSerializer],
        responses={200: _named("FraudSummary", OutputSerializer)},
    )
    def get(self, request):
        period = _period(request, self.FilterSerializer)
        statistics = selectors.fraud_statistics(period=period)  # loads the model, if there is one
        body = {
            "range": period,
            "totals": selectors.fraud_totals(period=period),
            "statistics": statistics,
            "scoring_enabled": scoring_status()[0],
            "mode": settings.FRAUD_SCORING,
        }
        return Response(self.OutputSerializer(body).data)


class FraudDistributionApi(APIView):
    permission_classes = [IsAdminUser]

    class FilterSerializer(RangeFilterSerializer):
        bins = serializers.IntegerField(required=False, min_value=5, max_value=100, default=30)

    class OutputSerializer(serializers.Serializer):
        class FraudBinSerializer(serializers.Serializer):
            lower = serializers.FloatField()
            upper = serializers.FloatField()
            count = serializers.IntegerField()

        range = FraudRangeSerializer()
        threshold = serializers.FloatField(allow_null=True)
        upper = serializers.FloatField()
        overflow = serializers.IntegerField()
        bins = FraudBinSerializer(many=True)

    @extend_schema(
        operation_id="FraudDistribution_get",
        parameters=[FilterSerializer],
        responses={200: _named("FraudDistribution", OutputSerializer)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        period = filters.validated_data["period"]
        distribution = selectors.fraud_distribution(period=period, bins=filters.validated_data["bins"])
        return Response(self.OutputSerializer({"range": period, **distribution}).data)


class FraudFlagSerializer(serializers.ModelSerializer):
    """One flagged attempt: never the card number or fingerprint, only brand and last 4."""

    class FraudDriverSerializer(serializers.Serializer):
        feature = serializers.CharField()
        share = serializers.FloatField()

    class FraudReviewSerializer(serializers.Serializer):
        decision = serializers.CharField()
        decided_by = serializers.EmailField(source="decided_by.email", allow_null=True, default=None)
        decided_at = serializers.DateTimeField()
        reason = serializers.CharField()
        refunded = serializers.BooleanField(allow_null=True)

    # Plain strings: the choices would make a second enum of the saved cards' brands in the schema.
    status = serializers.CharField()
    card_brand = serializers.CharField()
    user_email = serializers.EmailField(source="user.email", allow_null=True, default=None)
    order_status = serializers.CharField(source="order.status", allow_null=True, default=None)
    billing_name = serializers.CharField(source="order.billing_full_name", allow_null=True, default=None)
    drivers = FraudDriverSerializer(source="fraud_drivers", many=True, allow_null=True)
    # None without an order, or while nobody has decided (the missing relation is an AttributeError).
    review = FraudReviewSerializer(source="order.fraud_review", allow_null=True, default=None)

    class Meta:
        model = Transaction
        fields = [
            "id",
            "created_at",
            "status",
            "amount",
            "currency",
            "card_brand",
            "card_last4",
            "billing_city",
            "billing_state",
            "billing_country",
            "client_ip",
            "user_email",
            "order_id",
            "order_status",
            "billing_name",
            "fraud_score",
            "fraud_threshold",
            "drivers",
            "review",
        ]


class FraudFlagListApi(APIView):
    permission_classes = [IsAdminUser]

    class FilterSerializer(RangeFilterSerializer):
        state = serializers.ChoiceField(choices=["flagged", "held"], required=False, default="flagged")
        after = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

    class OutputSerializer(serializers.Serializer):
        results = FraudFlagSerializer(many=True)
        latest_id = serializers.IntegerField()

    @extend_schema(
        operation_id="FraudFlagList_get",
        parameters=[FilterSerializer],
        responses={200: _named("FraudFlagPage", OutputSerializer)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        # Read before the list: a flag written between the two reads is fetched by the next poll.
        latest_id = selectors.fraud_latest_flag_id()
        results = selectors.fraud_flag_list(
            period=data["period"], held_only=data["state"] == "held", after=data.get("after"), limit=data["limit"]
        )
        latest_id = max([latest_id, *(r.pk for r in results)])
        return Response(self.OutputSerializer({"results": results, "latest_id": latest_id}).data)


class FraudReviewInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class FraudOrderApproveApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="FraudOrderApprove_post",
        request=None,
        responses={
            200: inline_serializer(
                "FraudReviewed", {"id": serializers.IntegerField(), "status": serializers.CharField()}
            )
        },
    )
    def post(self, request, order_id: int):
        order_get(user=request.user, order_id=order_id)  # 404 when there is none
        order = services.order_review_approve(order_id=order_id, user=request.user)
        return Response({"id": order.pk, "status": order.status})


class FraudOrderRejectApi(APIView):
    permission_classes = [IsAdminUser]

    class InputSerializer(FraudReviewInputSerializer):
        pass

    @extend_schema(
        operation_id="FraudOrderReject_post",
        request=_named("FraudOrderRejectPost", InputSerializer),
        responses={
            200: inline_serializer(
                "FraudRejected",
                {
                    "id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "refunded": serializers.BooleanField(),
                },
            )
        },
    )
    def post(self, request, order_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_get(user=request.user, order_id=order_id)  # 404 when there is none
        order = services.order_review_reject(
            order_id=order_id, user=request.user, reason=serializer.validated_data["reason"]
        )
        return Response({"id": order.pk, "status": order.status, "refunded": bool(order.fraud_review.refunded)})


def csv_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


EXPORT_COLUMNS = [
    "id",
    "created_at",
    "status",
    "amount",
    "currency",
    "card_brand",
    "card_last4",
    "user_email",
    "order_id",
    "order_status",
    "billing_name",
    "billing_city",
    "billing_state",
    "billing_postal_code",
    "billing_country",
    "client_ip",
    "fraud_score",
    "fraud_threshold",
    "flagged",
    "drivers",
    "review",
]


def _export_row(attempt: Transaction) -> list[str]:
    order = attempt.order
    review = getattr(order, "fraud_review", None) if order is not None else None
    flagged = (
        attempt.fraud_score is not None
        and attempt.fraud_threshold is not None
        and attempt.fraud_score > attempt.fraud_threshold
    )
    drivers = " ".join(f"{d['feature']}:{d['share']}" for d in attempt.fraud_drivers or [])
    values = [
        attempt.pk,
        attempt.created_at.isoformat(),
        attempt.status,
        attempt.amount,
        attempt.currency,
        attempt.card_brand,
        attempt.card_last4,
        attempt.user.email if attempt.user else "",
        attempt.order_id or "",
        order.status if order else "",
        order.billing_full_name if order else "",
        attempt.billing_city,
        attempt.billing_state,
        attempt.billing_postal_code,
        attempt.billing_country,
        attempt.client_ip or "",
        "" if attempt.fraud_score is None else repr(attempt.fraud_score),
        "" if attempt.fraud_threshold is None else repr(attempt.fraud_threshold),
        "yes" if flagged else "no",
        drivers,
        review.decision if review else "",
    ]
    return [csv_safe(v) for v in values]


class FraudExportApi(APIView):
    permission_classes = [IsAdminUser]

    class FilterSerializer(RangeFilterSerializer):
        pass

    @extend_schema(
        operation_id="FraudExport_get",
        parameters=[FilterSerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per attempt.")},
    )
    def get(self, request):
        period = _period(request, self.FilterSerializer)
        writer = csv.writer(_Echo())

        def rows() -> Iterator[str]:
            yield writer.writerow(EXPORT_COLUMNS)
            for attempt in selectors.fraud_export_rows(period=period):
                yield writer.writerow(_export_row(attempt))

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        name = f"fraud-{period.start.isoformat()}-{period.end.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class FraudRetrainStatusSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["github", "local", "unavailable"])
    state = serializers.ChoiceField(choices=["idle", "queued", "running", "succeeded", "failed"])
    source = serializers.CharField(required=False)
    started_at = serializers.DateTimeField(required=False)
    finished_at = serializers.DateTimeField(required=False)
    started_by = serializers.CharField(required=False, allow_blank=True)
    message = serializers.CharField(required=False, allow_blank=True)
    run_url = serializers.URLField(required=False, allow_null=True)
    conclusion = serializers.CharField(required=False, allow_null=True)


class FraudTrainingUploadApi(APIView):
    """A training CSV, checked strictly and kept privately (fraud/training_files.py)."""

    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.CharField()
        rows = serializers.IntegerField()
        formula_rows = serializers.IntegerField()
        size = serializers.IntegerField()

    @extend_schema(
        operation_id="FraudTrainingUpload_post",
        request={"multipart/form-data": _named("FraudTrainingUploadPost", InputSerializer)},
        responses={201: _named("FraudTrainingUpload", OutputSerializer)},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        stored = training_csv_store(upload=upload, size=upload.size, user=request.user)
        return Response(self.OutputSerializer(stored).data, status=201)


class FraudRetrainApi(APIView):
    """GET: the last retraining's status; POST: start one (a second while one runs is a 409)."""

    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        source = serializers.ChoiceField(choices=["table", "upload"])
        upload_id = serializers.RegexField(UPLOAD_ID, required=False)

        def validate(self, data):
            if data["source"] == "upload" and not data.get("upload_id"):
                raise serializers.ValidationError({"upload_id": ["Required with source upload."]})
            return data

    @extend_schema(operation_id="FraudRetrain_get", responses={200: FraudRetrainStatusSerializer})
    def get(self, request):
        return Response(FraudRetrainStatusSerializer(retraining.retrain_status()).data)

    @extend_schema(
        operation_id="FraudRetrain_post",
        request=_named("FraudRetrainPost", InputSerializer),
        responses={202: FraudRetrainStatusSerializer},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        status = retraining.retrain_start(
            source=serializer.validated_data["source"],
            upload_id=serializer.validated_data.get("upload_id"),
            user_email=request.user.email,
        )
        return Response(FraudRetrainStatusSerializer(status).data, status=202)
