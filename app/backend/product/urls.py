from django.urls import path

from product import apis

urlpatterns = [
    path("products/", apis.ProductListCreateApi.as_view(), name="products"),
    path("products/<int:product_id>/", apis.ProductDetailUpdateDeleteApi.as_view(), name="product"),
    path("products/<int:product_id>/image.svg", apis.ProductImageApi.as_view(), name="product-image"),
    path("categories/", apis.CategoryListApi.as_view(), name="categories"),
]
