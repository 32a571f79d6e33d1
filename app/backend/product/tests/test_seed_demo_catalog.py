import pytest
from django.core.management import call_command
from django.test import Client

from product.demo_catalog import CATEGORIES, PRODUCTS
from product.models import Category, Product


@pytest.mark.django_db
class SeedDemoCatalogTests:
    def test_seeding_twice_gives_the_same_catalog_and_keeps_sold_stock(self):
        call_command("seed_demo_catalog")
        first = Product.objects.order_by("slug").first()
        first.stock = 1  # as if some were sold
        first.save()
        call_command("seed_demo_catalog")
        assert Category.objects.count() == len(CATEGORIES) == 6
        assert Product.objects.count() == len(PRODUCTS) >= 40
        first.refresh_from_db()
        assert first.stock == 1

    def test_every_demo_picture_is_served_locally(self):
        call_command("seed_demo_catalog")
        client = Client()
        for product in Product.objects.all():
            assert product.display_image_url.startswith("/api/products/")
            assert client.get(product.display_image_url).status_code == 200
