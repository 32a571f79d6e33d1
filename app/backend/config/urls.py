"""Every route: the API under /api/ (API.md), operations at the root, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

import config.openapi  # noqa: F401 (registers the schema's view extensions)
from account.urls import account_urlpatterns, auth_urlpatterns
from core import apis as core_apis
from payments.apis import ShopConfigApi

api_urlpatterns = [
    path("auth/", include((auth_urlpatterns, "auth"))),
    path("account/", include((account_urlpatterns, "account"))),
    path("", include(("product.urls", "product"))),
    path("orders/", include(("orders.urls", "orders"))),
    path("payments/", include(("payments.urls", "payments"))),
    path("fraud/", include(("fraud.urls", "fraud"))),  # staff only
    path("config/", ShopConfigApi.as_view(), name="config"),
    # The OpenAPI schema, generated from the code (config/openapi.py); API.md agrees with it.
    path(
        "schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]), name="schema"
    ),
]

urlpatterns = [
    path("healthz", core_apis.healthz, name="healthz"),
    path("readyz", core_apis.readyz, name="readyz"),
    path("", include("django_prometheus.urls")),  # /metrics
    # Before admin.site.urls, so the admin's password form is throttled like the API's login.
    path("admin/login/", core_apis.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/", include(api_urlpatterns)),
]

handler404 = "core.apis.not_found"
handler500 = "core.apis.server_error"
