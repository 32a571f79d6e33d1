from django.urls import path

from fraud import apis

urlpatterns = [
    path("summary/", apis.FraudSummaryApi.as_view(), name="summary"),
    path("distribution/", apis.FraudDistributionApi.as_view(), name="distribution"),
    path("flags/", apis.FraudFlagListApi.as_view(), name="flags"),
    path("export/", apis.FraudExportApi.as_view(), name="export"),
    path("orders/<int:order_id>/approve/", apis.FraudOrderApproveApi.as_view(), name="order-approve"),
    path("orders/<int:order_id>/reject/", apis.FraudOrderRejectApi.as_view(), name="order-reject"),
    path("retrain/", apis.FraudRetrainApi.as_view(), name="retrain"),
    path("retrain/uploads/", apis.FraudTrainingUploadApi.as_view(), name="training-upload"),
]
