"""Cached catalog reads never show a price or stock older than the last write
(product/catalog_cache.py), and answer conditional GETs."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.tests.apis.test_checkout import card, checkout_body
from product import catalog_cache
from product.models import CatalogVersion, Product
from product.tests.factories import ProductFactory

PRODUCTS = reverse("product:products")
CATEGORIES = reverse("product:categories")
ORDERS = reverse("orders:orders")


def product_url(product_id: int) -> str:
    return reverse("product:product", args=[product_id])


def listed(client, product: Product) -> dict:
    return next(p for p in client.get(PRODUCTS).json()["results"] if p["id"] == product.pk)


@pytest.mark.django_db
class CatalogCacheFreshnessTests:
    def test_a_price_changed_through_the_staff_api_shows_in_the_next_list_and_detail(
        self, anonymous_client, staff_client
    ):
        product = ProductFactory(price=Decimal("10.00"))
        assert listed(anonymous_client, product)["price"] == "10.00"  # now cached
        assert anonymous_client.get(product_url(product.pk)).json()["price"] == "10.00"

        assert staff_client.patch(product_url(product.pk), {"price": "12.50"}, format="json").status_code == 200

        assert listed(anonymous_client, product)["price"] == "12.50"
        assert anonymous_client.get(product_url(product.pk)).json()["price"] == "12.50"

    def test_stock_written_through_the_orm_shows_in_the_next_read(self, anonymous_client):
        product = ProductFactory(stock=7)
        assert anonymous_client.get(product_url(product.pk)).json()["stock"] == 7
        product.stock = 3
        product.save()
        assert anonymous_client.get(product_url(product.pk)).json()["stock"] == 3
        Product.objects.filter(pk=product.pk).update(stock=0)  # no save(), no signal
        assert listed(anonymous_client, product)["in_stock"] is False

    def test_a_checkout_taking_stock_shows_in_the_next_read(self, anonymous_client, buyer_client):
        product = ProductFactory(stock=5)
        assert listed(anonymous_client, product)["stock"] == 5
        assert buyer_client.post(ORDERS, checkout_body(product, quantity=2), format="json").status_code == 201
        assert listed(anonymous_client, product)["stock"] == 3
        assert anonymous_client.get(product_url(product.pk)).json()["stock"] == 3

    def test_a_declined_checkout_leaves_the_stock_the_catalog_shows_as_it_was(self, anonymous_client, buyer_client):
        product = ProductFactory(stock=5)
        assert listed(anonymous_client, product)["stock"] == 5
        declined = buyer_client.post(ORDERS, checkout_body(product, payment=card("4000000000000002")), format="json")
        assert declined.status_code == 402
        assert listed(anonymous_client, product)["stock"] == 5

    def test_an_archived_product_leaves_the_list_and_its_detail_is_gone(self, anonymous_client, staff_client):
        product = ProductFactory()
        assert anonymous_client.get(product_url(product.pk)).status_code == 200
        assert staff_client.delete(product_url(product.pk)).status_code == 204
        assert anonymous_client.get(product_url(product.pk)).status_code == 404
        assert anonymous_client.get(PRODUCTS).json()["count"] == 0

    def test_a_new_category_shows_in_the_next_category_list(self, anonymous_client):
        ProductFactory(category__slug="audio")
        assert [c["slug"] for c in anonymous_client.get(CATEGORIES).json()] == ["audio"]
        ProductFactory(category__slug="kitchen")
        assert [c["slug"] for c in anonymous_client.get(CATEGORIES).json()] == ["audio", "kitchen"]

    def test_an_answer_for_one_host_is_never_served_to_another(self, anonymous_client):
        ProductFactory.create_batch(13)
        first = anonymous_client.get(PRODUCTS, HTTP_HOST="localhost").json()["next"]
        second = anonymous_client.get(PRODUCTS, HTTP_HOST="127.0.0.1").json()["next"]
        assert first.startswith("http://localhost/") and second.startswith("http://127.0.0.1/")


@pytest.mark.django_db(transaction=True)
class CatalogCacheAcrossWorkersTests:
    """Another worker (or server) learns of a write only through CatalogVersion in the database."""

    def test_a_write_committed_by_another_worker_shows_in_this_workers_next_read(self, anonymous_client):
        product = ProductFactory(price=Decimal("10.00"))
        assert anonymous_client.get(product_url(product.pk)).json()["price"] == "10.00"
        this_workers_generation = catalog_cache._generation
        token = CatalogVersion.objects.get(pk=1).token

        product.price = Decimal("11.00")
        product.save()  # committed at once (no test transaction here)
        # What this worker would know had the write happened in another process:
        catalog_cache._generation = this_workers_generation

        assert CatalogVersion.objects.get(pk=1).token != token
        assert anonymous_client.get(product_url(product.pk)).json()["price"] == "11.00"

    def test_the_version_read_by_its_own_statement_is_the_row_as_the_orm_reads_it(self):
        # On PostgreSQL and on SQLite (which keeps the time without its zone): the same token and
        # the same aware time, which Last-Modified is made from.
        catalog_cache._publish_new_version()
        token, changed_at = catalog_cache._read_version()
        assert (token, changed_at) == CatalogVersion.objects.values_list("token", "changed_at").get(pk=1)
        assert changed_at.utcoffset() is not None

    def test_a_database_without_the_version_row_gets_one_when_the_version_is_read(self):
        CatalogVersion.objects.all().delete()
        token, _ = catalog_cache._read_version()
        assert CatalogVersion.objects.get(pk=1).token == token


@pytest.mark.django_db
class CatalogConditionalGetTests:
    def test_a_read_carries_an_etag_and_revalidates_to_304_until_the_catalog_changes(self, anonymous_client):
        product = ProductFactory(price=Decimal("10.00"))
        first = anonymous_client.get(product_url(product.pk))
        etag = first["ETag"]
        assert etag.startswith('"') and first["Cache-Control"] in ("public, no-cache", "no-cache, public")

        unchanged = anonymous_client.get(product_url(product.pk), HTTP_IF_NONE_MATCH=etag)
        assert unchanged.status_code == 304 and unchanged.content == b""

        product.price = Decimal("9.00")
        product.save()
        changed = anonymous_client.get(product_url(product.pk), HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200 and changed.json()["price"] == "9.00" and changed["ETag"] != etag

    def test_last_modified_answers_if_modified_since_once_its_second_is_over(self, anonymous_client):
        product = ProductFactory()
        # update_or_create: a transactional test that ran earlier in this process flushed the
        # tables, the migration's row with them.
        CatalogVersion.objects.update_or_create(
            pk=1, defaults={"token": "t2026", "changed_at": datetime(2026, 1, 1, tzinfo=UTC)}
        )
        response = anonymous_client.get(product_url(product.pk))
        assert response["Last-Modified"] == "Thu, 01 Jan 2026 00:00:00 GMT"
        again = anonymous_client.get(product_url(product.pk), HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
        assert again.status_code == 304

    def test_errors_are_not_cached(self, anonymous_client):
        assert anonymous_client.get(product_url(999_999)).status_code == 404
        product = ProductFactory()
        assert anonymous_client.get(product_url(product.pk)).status_code == 200
        assert anonymous_client.get(PRODUCTS, {"page": 5}).status_code == 404
