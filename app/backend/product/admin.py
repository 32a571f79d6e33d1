from django.contrib import admin

from product.models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "price", "stock", "is_archived", "updated_at"]
    list_filter = ["category", "is_archived"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
