from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from product.services import MESSAGE_UNKNOWN_CATEGORY, product_create, product_update
from product.tests.factories import CategoryFactory, ProductFactory


@pytest.mark.django_db
class ProductServicesTests:
    def test_renaming_a_product_gives_it_a_new_unique_slug(self):
        ProductFactory(slug="kettle")
        product = ProductFactory(name="Old", slug="old")
        product_update(product=product, name="Kettle")
        assert product.slug == "kettle-2"

    def test_an_unknown_category_raises_a_validation_error(self):
        with pytest.raises(ValidationError) as raised:
            product_create(name="X", price=Decimal("1.00"), category="nope")
        assert raised.value.message_dict == {"category": [MESSAGE_UNKNOWN_CATEGORY]}

    def test_a_negative_price_is_refused_by_the_model(self):
        product = ProductFactory(category=CategoryFactory(slug="kitchen"))
        with pytest.raises(ValidationError):
            product_update(product=product, price=Decimal("-1.00"))
