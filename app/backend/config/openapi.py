"""What drf-spectacular cannot read from the views: request and response shapes of each APIView.

The APIs are plain APIViews with their own input serializers (no `serializer_class`), so the
schema generator is told here what each method takes and answers. They are declared in one place
as view extensions, keyed by the view's dotted path, rather than as decorators in each app's
`apis.py`. The schema is served at GET /api/schema/; `core/tests/test_openapi.py` holds API.md to
it and fuzzes every operation with schemathesis.

Every error answer has the one shape of core/exception_handler.py; `add_error_responses` declares
it as each operation's `default` response.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from account.serializers import AddressOutputSerializer, UserOutputSerializer
from product.serializers import CategoryOutputSerializer, ProductOutputSerializer

ERROR_COMPONENT = "Error"


def _page_of(name: str, item: type[serializers.Serializer]) -> serializers.Serializer:
    """core/pagination.py's page."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "page_size": serializers.IntegerField(),
            "num_pages": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


def _schemas() -> dict[str, dict[str, Any]]:
    """{view's dotted path: {method: extend_schema arguments}}. The views are imported here, not at
    the top: this module is imported by config/urls.py, once the app registry is ready."""
    from account.apis import AddressListCreateApi, AddressUpdateDeleteApi, UserLoginApi, UserMeApi, UserRegisterApi
    from orders.apis import OrderListCheckoutApi, OrderOutputSerializer
    from payments.apis import SavedCardListApi
    from product.apis import ProductDetailUpdateDeleteApi, ProductListCreateApi

    no_body = {204: OpenApiResponse(description="Done; no body.")}
    return {
        "account.apis.UserRegisterApi": {
            "post": {"request": UserRegisterApi.InputSerializer, "responses": {201: UserOutputSerializer}},
        },
        "account.apis.UserLoginApi": {
            "post": {
                "request": UserLoginApi.InputSerializer,
                "responses": {
                    200: inline_serializer(
                        name="Login",
                        fields={
                            "access": serializers.CharField(),
                            "refresh": serializers.CharField(),
                            "user": UserOutputSerializer(),
                        },
                    )
                },
            },
        },
        "account.apis.UserMeApi": {
            "get": {"responses": {200: UserOutputSerializer}},
            "patch": {"request": UserMeApi.UpdateInputSerializer, "responses": {200: UserOutputSerializer}},
        },
        "account.apis.AddressListCreateApi": {
            "get": {"responses": {200: AddressOutputSerializer(many=True)}},
            "post": {
                "request": AddressListCreateApi.CreateInputSerializer,
                "responses": {201: AddressOutputSerializer},
            },
        },
        "account.apis.AddressUpdateDeleteApi": {
            "patch": {
                "request": AddressUpdateDeleteApi.UpdateInputSerializer(partial=True),
                "responses": {200: AddressOutputSerializer},
            },
            "delete": {"responses": no_body},
        },
        "orders.apis.OrderListCheckoutApi": {
            "get": {
                "parameters": [OrderListCheckoutApi.FilterSerializer],
                "responses": {200: _page_of("OrderPage", OrderOutputSerializer)},
            },
            "post": {
                "request": OrderListCheckoutApi.CheckoutInputSerializer,
                "responses": {201: OrderOutputSerializer},
            },
        },
        "orders.apis.OrderDetailApi": {"get": {"responses": {200: OrderOutputSerializer}}},
        "orders.apis.OrderDeliverApi": {"post": {"request": None, "responses": {200: OrderOutputSerializer}}},
        "payments.apis.SavedCardListApi": {"get": {"responses": {200: SavedCardListApi.OutputSerializer(many=True)}}},
        "payments.apis.SavedCardDeleteApi": {"delete": {"responses": no_body}},
        "payments.apis.ShopConfigApi": {
            "get": {
                "responses": {
                    200: inline_serializer(
                        name="ShopConfig",
                        fields={
                            "stripe_publishable_key": serializers.CharField(allow_null=True),
                            "currency": serializers.CharField(),
                        },
                    )
                }
            },
        },
        "product.apis.ProductListCreateApi": {
            "get": {
                "parameters": [ProductListCreateApi.FilterSerializer],
                "responses": {200: _page_of("ProductPage", ProductOutputSerializer)},
            },
            "post": {
                "request": ProductListCreateApi.CreateInputSerializer,
                "responses": {201: ProductOutputSerializer},
            },
        },
        "product.apis.ProductDetailUpdateDeleteApi": {
            "get": {"responses": {200: ProductOutputSerializer}},
            "patch": {
                "request": ProductDetailUpdateDeleteApi.UpdateInputSerializer,
                "responses": {200: ProductOutputSerializer},
            },
            "delete": {"responses": no_body},
        },
        "product.apis.CategoryListApi": {"get": {"responses": {200: CategoryOutputSerializer(many=True)}}},
        "product.apis.ProductImageApi": {
            "get": {"responses": {(200, "image/svg+xml"): OpenApiTypes.STR}},
        },
    }


def _extension_for(view_path: str) -> type[OpenApiViewExtension]:
    def view_replacement(self):
        name = self.target.__name__.removesuffix("Api")
        decorators = {}
        for method, kwargs in _schemas()[view_path].items():
            kwargs = {"operation_id": f"{name}_{method}", **kwargs}
            # The apps' input serializers are all called InputSerializer, CreateInputSerializer…:
            # components are named after the view and method instead (UserRegisterPostRequest).
            request = kwargs.get("request")
            if isinstance(request, type) and issubclass(request, serializers.Serializer):
                kwargs["request"] = type(f"{name}{method.title()}", (request,), {"__module__": request.__module__})
            elif isinstance(request, serializers.Serializer):
                renamed = type(f"{name}{method.title()}", (type(request),), {"__module__": type(request).__module__})
                kwargs["request"] = renamed(partial=request.partial)
            decorators[method] = extend_schema(**kwargs)
        # A subclass, so the running views are not touched.
        view = type(self.target.__name__, (self.target,), {"__module__": self.target.__module__})
        return extend_schema_view(**decorators)(view)

    return type(
        f"{view_path.rsplit('.', 1)[1]}Schema",
        (OpenApiViewExtension,),
        {"target_class": view_path, "view_replacement": view_replacement},
    )


# Registered by being defined (drf-spectacular collects OpenApiViewExtension subclasses).
_EXTENSIONS = [_extension_for(path) for path in _schemas()]


def add_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Every 4xx/5xx body is {message, extra} (API.md, Errors): each operation's `default`."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = {
        "type": "object",
        "properties": {"message": {"type": "string"}, "extra": {"type": "object"}},
        "required": ["message", "extra"],
    }
    error = {
        "description": "An error (API.md, Errors).",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault("default", error)
    return result
