from decimal import Decimal

import factory
from django.utils import timezone

from account.tests.factories import UserFactory
from orders.models import Order, OrderItem
from product.tests.factories import ProductFactory


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    user = factory.SubFactory(UserFactory)
    status = "paid"
    subtotal = Decimal("20.00")
    total = Decimal("20.00")
    currency = "usd"
    billing_full_name = "Ada Lovelace"
    billing_line1 = "12 Analytical Row"
    billing_city = "Springfield"
    billing_postal_code = "62701"
    billing_country = "US"
    card_brand = "visa"
    card_last4 = "4242"
    paid_at = factory.LazyFunction(timezone.now)


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    name = factory.LazyAttribute(lambda item: item.product.name)
    unit_price = Decimal("10.00")
    quantity = 2
    line_total = Decimal("20.00")
