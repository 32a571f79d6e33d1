from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ProductConfig(AppConfig):
    name = "product"
    verbose_name = "Catalog"

    def ready(self) -> None:
        # Every write path (staff API, admin, checkout's stock, seeding) saves through the ORM:
        # signals catch them all, including ones added later (product/catalog_cache.py).
        from product.catalog_cache import catalog_changed
        from product.models import Category, Product

        def changed(**_kwargs) -> None:
            catalog_changed()

        for model in (Product, Category):
            post_save.connect(changed, sender=model, dispatch_uid=f"catalog-changed-save-{model.__name__}", weak=False)
            post_delete.connect(
                changed, sender=model, dispatch_uid=f"catalog-changed-delete-{model.__name__}", weak=False
            )
