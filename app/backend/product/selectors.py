"""Reads for the catalog."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from product.models import Category, Product

ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "-id"),
    "-created_at": ("-created_at", "-id"),
}


def product_list(*, search: str = "", category: str = "", ordering: str = "name") -> QuerySet[Product]:
    """Products in the catalog (not archived), filtered and ordered as API.md says."""
    products = Product.objects.filter(is_archived=False).select_related("category")
    if search:
        products = products.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if category:
        products = products.filter(category__slug=category)
    return products.order_by(*ORDERINGS[ordering])


def product_get(*, product_id: int, include_archived: bool = False) -> Product:
    products = Product.objects.select_related("category")
    if not include_archived:
        products = products.filter(is_archived=False)
    return get_object_or_404(products, pk=product_id)


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("name")
