"""API.md's Product and Category shapes, shared by the catalog and order APIs."""

from rest_framework import serializers

from product.models import Category, Product


class CategoryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class ProductOutputSerializer(serializers.ModelSerializer):
    category = CategoryOutputSerializer()
    in_stock = serializers.BooleanField()
    image_url = serializers.CharField(source="display_image_url")

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "price",
            "currency",
            "stock",
            "in_stock",
            "category",
            "image_url",
            "created_at",
            "updated_at",
        ]
