from decimal import Decimal

import pytest
from django.urls import reverse

from product.models import Product
from product.services import MESSAGE_UNKNOWN_CATEGORY
from product.tests.factories import CategoryFactory, ProductFactory

PRODUCTS = reverse("product:products")
CATEGORIES = reverse("product:categories")


def product_url(product_id: int) -> str:
    return reverse("product:product", args=[product_id])


@pytest.mark.django_db
class ProductListApiTests:
    def test_a_page_has_api_mds_shape_and_12_products_by_default(self, anonymous_client):
        ProductFactory.create_batch(13)
        body = anonymous_client.get(PRODUCTS).json()
        assert set(body) == {"count", "page", "page_size", "num_pages", "next", "previous", "results"}
        assert (body["count"], body["page"], body["page_size"], body["num_pages"]) == (13, 1, 12, 2)
        assert len(body["results"]) == 12
        assert body["next"].endswith("page=2") and body["previous"] is None

    def test_a_product_has_api_mds_fields_with_money_as_a_string(self, anonymous_client):
        product = ProductFactory(price=Decimal("19.90"), stock=0, category=CategoryFactory(slug="audio", name="Audio"))
        result = anonymous_client.get(PRODUCTS).json()["results"][0]
        assert result["price"] == "19.90"
        assert result["in_stock"] is False
        assert result["category"] == {"slug": "audio", "name": "Audio"}
        assert result["image_url"] == f"/api/products/{product.pk}/image.svg"
        assert set(result) == {
            "id", "name", "slug", "description", "price", "currency", "stock", "in_stock", "category",
            "image_url", "created_at", "updated_at",
        }  # fmt: skip

    def test_search_matches_name_and_description_ignoring_case(self, anonymous_client):
        by_name = ProductFactory(name="Walnut Lamp")
        by_description = ProductFactory(description="Carved from WALNUT.")
        ProductFactory(name="Steel Lamp")
        ids = {p["id"] for p in anonymous_client.get(PRODUCTS, {"search": "walnut"}).json()["results"]}
        assert ids == {by_name.pk, by_description.pk}

    def test_category_filters_by_slug(self, anonymous_client):
        audio = ProductFactory(category=CategoryFactory(slug="audio"))
        ProductFactory(category=CategoryFactory(slug="kitchen"))
        results = anonymous_client.get(PRODUCTS, {"category": "audio"}).json()["results"]
        assert [p["id"] for p in results] == [audio.pk]

    def test_ordering_by_price_both_ways(self, anonymous_client):
        for price in ("5.00", "50.00", "15.00"):
            ProductFactory(price=Decimal(price))
        up = [p["price"] for p in anonymous_client.get(PRODUCTS, {"ordering": "price"}).json()["results"]]
        down = [p["price"] for p in anonymous_client.get(PRODUCTS, {"ordering": "-price"}).json()["results"]]
        assert up == ["5.00", "15.00", "50.00"] and down == list(reversed(up))

    def test_a_stale_token_does_not_stop_anyone_reading_the_catalog(self, anonymous_client):
        product = ProductFactory()
        anonymous_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
        assert anonymous_client.get(PRODUCTS).status_code == 200
        assert anonymous_client.get(product_url(product.pk)).status_code == 200
        assert anonymous_client.get(CATEGORIES).status_code == 200
        assert anonymous_client.patch(product_url(product.pk), {"stock": 1}, format="json").status_code == 401

    def test_archived_products_are_not_listed(self, anonymous_client):
        ProductFactory(is_archived=True)
        assert anonymous_client.get(PRODUCTS).json()["count"] == 0

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"ordering": "stock"}, "ordering"),
            ({"page_size": 49}, "page_size"),
            ({"page_size": "lots"}, "page_size"),
            ({"page": 0}, "page"),
        ],
    )
    def test_bad_query_parameters_get_400_naming_the_parameter(self, anonymous_client, params, field):
        response = anonymous_client.get(PRODUCTS, params)
        assert response.status_code == 400
        assert list(response.json()["extra"]["fields"]) == [field]

    def test_a_page_past_the_end_gets_404(self, anonymous_client):
        ProductFactory()
        response = anonymous_client.get(PRODUCTS, {"page": 3})
        assert response.status_code == 404
        assert response.json()["extra"] == {"num_pages": 1}


@pytest.mark.django_db
class ProductDetailApiTests:
    def test_a_product_is_found_by_id(self, anonymous_client):
        product = ProductFactory(name="Kettle")
        response = anonymous_client.get(product_url(product.pk))
        assert response.status_code == 200
        assert response.json()["name"] == "Kettle"

    def test_a_missing_or_archived_product_is_404(self, anonymous_client):
        archived = ProductFactory(is_archived=True)
        for product_id in (archived.pk, archived.pk + 1000):
            response = anonymous_client.get(product_url(product_id))
            assert response.status_code == 404
            assert response.json() == {"message": "Not found.", "extra": {"code": "not_found"}}

    def test_the_picture_is_an_svg_that_escapes_the_name(self, anonymous_client):
        product = ProductFactory(name="Salt & <Pepper>")
        response = anonymous_client.get(reverse("product:product-image", args=[product.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert "Salt &amp; &lt;Pepper&gt;" in response.content.decode()
        assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.django_db
class CategoryListApiTests:
    def test_categories_are_listed_by_name(self, anonymous_client):
        CategoryFactory(slug="outdoor", name="Outdoor")
        CategoryFactory(slug="audio", name="Audio")
        assert anonymous_client.get(CATEGORIES).json() == [
            {"slug": "audio", "name": "Audio"},
            {"slug": "outdoor", "name": "Outdoor"},
        ]


@pytest.mark.django_db
class ProductStaffApiTests:
    NEW = {"name": "Tea Tin", "price": "12.50", "stock": 4, "category": "kitchen", "description": "Airtight."}

    def test_staff_create_a_product_with_a_unique_slug(self, staff_client):
        CategoryFactory(slug="kitchen")
        ProductFactory(slug="tea-tin")
        response = staff_client.post(PRODUCTS, self.NEW, format="json")
        assert response.status_code == 201
        assert response.json()["slug"] == "tea-tin-2"
        assert response.json()["price"] == "12.50"

    def test_buyers_get_403_and_anonymous_clients_401(self, buyer_client, anonymous_client):
        CategoryFactory(slug="kitchen")
        assert buyer_client.post(PRODUCTS, self.NEW, format="json").status_code == 403
        assert anonymous_client.post(PRODUCTS, self.NEW, format="json").status_code == 401
        assert Product.objects.count() == 0

    def test_missing_fields_and_a_negative_price_get_400(self, staff_client):
        missing = staff_client.post(PRODUCTS, {"name": "X"}, format="json")
        assert set(missing.json()["extra"]["fields"]) == {"price", "category"}
        negative = staff_client.post(PRODUCTS, {**self.NEW, "price": "-1.00"}, format="json")
        assert negative.status_code == 400 and "price" in negative.json()["extra"]["fields"]

    def test_an_unknown_category_gets_400(self, staff_client):
        response = staff_client.post(PRODUCTS, {**self.NEW, "category": "nope"}, format="json")
        assert response.status_code == 400
        assert response.json()["extra"]["fields"] == {"category": [MESSAGE_UNKNOWN_CATEGORY]}

    def test_staff_patch_price_and_stock(self, staff_client):
        product = ProductFactory()
        response = staff_client.patch(product_url(product.pk), {"price": "9.99", "stock": 0}, format="json")
        assert response.status_code == 200
        assert (response.json()["price"], response.json()["in_stock"]) == ("9.99", False)

    def test_a_buyer_cannot_patch(self, buyer_client):
        product = ProductFactory()
        assert buyer_client.patch(product_url(product.pk), {"price": "0.01"}, format="json").status_code == 403
        product.refresh_from_db()
        assert product.price == Decimal("10.00")

    def test_delete_archives_the_product_but_keeps_the_row(self, staff_client, anonymous_client):
        product = ProductFactory()
        assert staff_client.delete(product_url(product.pk)).status_code == 204
        assert Product.objects.get(pk=product.pk).is_archived is True
        assert anonymous_client.get(product_url(product.pk)).status_code == 404


@pytest.mark.django_db
class EmptyCatalogTests:
    def test_an_empty_catalog_is_page_1_of_1(self, anonymous_client):
        body = anonymous_client.get(PRODUCTS).json()
        assert (body["count"], body["page"], body["num_pages"], body["results"]) == (0, 1, 1, [])
