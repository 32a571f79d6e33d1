"""Fill the catalog with the demo products (product/demo_catalog.py). Safe to run again."""

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from product.demo_catalog import CATEGORIES, PRODUCTS
from product.services import category_upsert, product_upsert


class Command(BaseCommand):
    help = "Create or refresh the demo catalog (categories and products); running it again changes nothing."

    @transaction.atomic
    def handle(self, *args, **options):
        categories = {slug: category_upsert(slug=slug, name=name) for slug, name in CATEGORIES.items()}
        created = 0
        for category, name, price, stock, description in PRODUCTS:
            _, was_created = product_upsert(
                slug=slugify(name),
                name=name,
                category=categories[category],
                price=Decimal(price),
                stock=stock,
                description=description,
            )
            created += was_created
        self.stdout.write(f"seed_demo_catalog: {len(CATEGORIES)} categories, {len(PRODUCTS)} products ({created} new)")
