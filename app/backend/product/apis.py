"""The catalog: public reads, staff writes, and generated product pictures."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import PageFilterSerializer, paginate
from core.permissions import PublicReadStaffWriteMixin
from product import selectors, services
from product.catalog_cache import cached_json_response
from product.images import product_svg
from product.models import Product
from product.serializers import CategoryOutputSerializer, ProductOutputSerializer


class ProductListCreateApi(PublicReadStaffWriteMixin, APIView):
    class FilterSerializer(PageFilterSerializer):
        search = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
        category = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
        ordering = serializers.ChoiceField(choices=list(selectors.ORDERINGS), required=False, default="name")

    class CreateInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True, default="")
        price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
        stock = serializers.IntegerField(min_value=0, default=0)
        category = serializers.SlugField(max_length=60)
        image_url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def get(self, request):
        return cached_json_response(request, lambda: self._page(request))

    def _page(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page, page_size = filters.validated_data.pop("page"), filters.validated_data.pop("page_size")
        products = selectors.product_list(**filters.validated_data)
        return paginate(
            queryset=products,
            request=request,
            page=page,
            page_size=page_size,
            serializer_class=ProductOutputSerializer,
        )

    def post(self, request):
        serializer = self.CreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_create(**serializer.validated_data)
        return Response(ProductOutputSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailUpdateDeleteApi(PublicReadStaffWriteMixin, APIView):
    class UpdateInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(required=False, allow_blank=True)
        price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
        stock = serializers.IntegerField(min_value=0, required=False)
        category = serializers.SlugField(max_length=60, required=False)
        image_url = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def get(self, request, product_id: int):
        return cached_json_response(
            request, lambda: ProductOutputSerializer(selectors.product_get(product_id=product_id)).data
        )

    def patch(self, request, product_id: int):
        product = selectors.product_get(product_id=product_id)
        serializer = self.UpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_update(product=product, **serializer.validated_data)
        return Response(ProductOutputSerializer(product).data)

    def delete(self, request, product_id: int):
        services.product_archive(product=selectors.product_get(product_id=product_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):
        return cached_json_response(
            request, lambda: CategoryOutputSerializer(selectors.category_list(), many=True).data
        )


class ProductImageApi(APIView):
    """GET /api/products/{id}/image.svg — archived products keep their picture for past orders."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request, product_id: int):
        product = get_object_or_404(Product.objects.select_related("category"), pk=product_id)
        response = HttpResponse(
            product_svg(name=product.name, category=product.category.name), content_type="image/svg+xml"
        )
        patch_cache_control(response, public=True, max_age=86400)
        return response
