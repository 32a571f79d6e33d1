"""Writes for the catalog (staff) and the demo catalog's upsert."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from product.models import Category, Product

MESSAGE_UNKNOWN_CATEGORY = "There is no category with this slug."
EDITABLE_FIELDS = ("name", "description", "price", "stock", "image_url")


def _category(slug: str) -> Category:
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise ValidationError({"category": [MESSAGE_UNKNOWN_CATEGORY]}) from None


def _unique_slug(name: str, *, exclude_id: int | None = None) -> str:
    base = slugify(name)[:200] or "product"
    slug, counter = base, 2
    while Product.objects.filter(slug=slug).exclude(pk=exclude_id).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def product_create(
    *, name: str, price: Decimal, category: str, stock: int = 0, description: str = "", image_url: str = ""
) -> Product:
    product = Product(
        name=name,
        slug=_unique_slug(name),
        description=description,
        price=price,
        stock=stock,
        image_url=image_url,
        category=_category(category),
    )
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_update(*, product: Product, **fields) -> Product:
    for name in EDITABLE_FIELDS:
        if name in fields:
            setattr(product, name, fields[name])
    if "category" in fields:
        product.category = _category(fields["category"])
    if "name" in fields:
        product.slug = _unique_slug(product.name, exclude_id=product.pk)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_archive(*, product: Product) -> None:
    product.is_archived = True
    product.save(update_fields=["is_archived", "updated_at"])


@transaction.atomic
def category_upsert(*, slug: str, name: str) -> Category:
    category, _ = Category.objects.update_or_create(slug=slug, defaults={"name": name})
    return category


@transaction.atomic
def product_upsert(
    *, slug: str, name: str, category: Category, price: Decimal, stock: int, description: str
) -> tuple[Product, bool]:
    """Create the product with this slug, or refresh its catalog text and price (stock is left
    alone on existing products: it reflects sales since the demo catalog was last seeded)."""
    product = Product.objects.filter(slug=slug).first()
    if product is None:
        product = Product(slug=slug, stock=stock)
        created = True
    else:
        created = False
    product.name, product.category, product.price, product.description = name, category, price, description
    product.is_archived = False
    product.full_clean()
    product.save()
    return product, created
