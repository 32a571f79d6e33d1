"""The catalog: categories and products with stock."""

from django.core.validators import MinValueValidator
from django.db import models


class CatalogQuerySet(models.QuerySet):
    """Writes that skip save() and its signals still drop the catalog's cached reads
    (product/catalog_cache.py): update() (checkout putting stock back), bulk_create, bulk_update."""

    def update(self, **kwargs) -> int:
        rows = super().update(**kwargs)
        if rows:
            _catalog_changed()
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        _catalog_changed()
        return created

    def bulk_update(self, objs, *args, **kwargs) -> int:
        rows = super().bulk_update(objs, *args, **kwargs)
        _catalog_changed()
        return rows


def _catalog_changed() -> None:
    from product.catalog_cache import catalog_changed  # it imports this module

    catalog_changed()


class Category(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="usd")
    stock = models.PositiveIntegerField(default=0)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    # Empty means the generated picture at /api/products/<id>/image.svg (works offline).
    image_url = models.CharField(max_length=500, blank=True)
    # DELETE archives: the product leaves the catalog but past orders keep pointing at it.
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["is_archived", "name"], name="product_active_name_idx"),
            models.Index(fields=["is_archived", "price"], name="product_active_price_idx"),
            models.Index(fields=["is_archived", "-created_at"], name="product_active_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def display_image_url(self) -> str:
        return self.image_url or f"/api/products/{self.pk}/image.svg"


class CatalogVersion(models.Model):
    """One row: changes whenever a product or category is written (product/catalog_cache.py).

    The catalog's read cache keys its entries on `token`, so every worker of every server stops
    using what it cached the moment any of them commits a write. `changed_at` is the catalog's
    Last-Modified.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"catalog {self.token} @ {self.changed_at:%Y-%m-%dT%H:%M:%S}"
