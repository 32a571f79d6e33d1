"""Whole catalog responses answered before the middleware chain (product/middleware.py): the same
bytes and headers as the full path, never across hosts or origins, never after a write."""

from decimal import Decimal

import pytest
from django.test import override_settings
from prometheus_client import REGISTRY

from product import apis
from product.tests.apis.test_catalog_cache import PRODUCTS, product_url
from product.tests.factories import ProductFactory

PER_REQUEST = {"X-Request-ID"}


def view_must_not_run(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("the view ran: the response did not come from the response cache")

    monkeypatch.setattr(apis.ProductDetailUpdateDeleteApi, "get", fail)


def headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k not in PER_REQUEST}


@pytest.mark.django_db
class CatalogResponseCacheTests:
    def test_a_repeat_gets_the_same_bytes_and_headers_without_reaching_the_view(self, anonymous_client, monkeypatch):
        product = ProductFactory()
        first = anonymous_client.get(product_url(product.pk))
        view_must_not_run(monkeypatch)
        again = anonymous_client.get(product_url(product.pk))
        assert (again.status_code, again.content, headers(again)) == (200, first.content, headers(first))
        assert "X-Content-Type-Options" in again and "ETag" in again

    def test_a_write_in_this_process_reaches_the_next_read(self, anonymous_client, staff_client):
        product = ProductFactory(price=Decimal("10.00"))
        for _ in range(2):
            assert anonymous_client.get(product_url(product.pk)).json()["price"] == "10.00"
        assert staff_client.patch(product_url(product.pk), {"price": "12.50"}, format="json").status_code == 200
        assert anonymous_client.get(product_url(product.pk)).json()["price"] == "12.50"

    @override_settings(CORS_ALLOWED_ORIGINS=["https://shop.example.com"])
    def test_an_answer_for_one_origin_is_never_replayed_to_another(self, anonymous_client):
        product = ProductFactory()
        allowed = anonymous_client.get(product_url(product.pk), HTTP_ORIGIN="https://shop.example.com")
        assert allowed["Access-Control-Allow-Origin"] == "https://shop.example.com"
        for origin in ("https://evil.example.net", None):
            extra = {"HTTP_ORIGIN": origin} if origin else {}
            for _ in range(2):
                other = anonymous_client.get(product_url(product.pk), **extra)
                assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other

    def test_conditional_and_head_requests_take_the_whole_path(self, anonymous_client, monkeypatch):
        product = ProductFactory()
        first = anonymous_client.get(product_url(product.pk))
        assert anonymous_client.get(product_url(product.pk), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        view_must_not_run(monkeypatch)
        with pytest.raises(AssertionError, match="the view ran"):
            anonymous_client.get(product_url(product.pk), HTTP_IF_NONE_MATCH=first["ETag"])

    def test_a_query_string_is_part_of_the_answer(self, anonymous_client):
        ProductFactory.create_batch(3)
        whole = anonymous_client.get(PRODUCTS).json()
        small = anonymous_client.get(PRODUCTS, {"page_size": 1}).json()
        assert len(whole["results"]) == 3 and len(small["results"]) == 1
        assert len(anonymous_client.get(PRODUCTS).json()["results"]) == 3

    @override_settings(ALLOWED_HOSTS=["localhost"])
    def test_a_host_not_allowed_is_refused_however_often_it_comes(self, anonymous_client):
        product = ProductFactory()
        for _ in range(2):
            assert anonymous_client.get(product_url(product.pk), HTTP_HOST="evil.example.net").status_code == 400

    def test_an_answer_from_the_response_cache_is_counted_like_any_other(self, anonymous_client):
        product = ProductFactory()
        labels = {"status": "200", "view": "product:product", "method": "GET"}

        def counted() -> float:
            return REGISTRY.get_sample_value("django_http_responses_total_by_status_view_method_total", labels) or 0

        anonymous_client.get(product_url(product.pk))
        before = counted()
        for _ in range(3):
            assert anonymous_client.get(product_url(product.pk)).status_code == 200
        assert counted() == before + 3
