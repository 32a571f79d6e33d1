from django.contrib import admin

from orders.models import Order, OrderItem


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    readonly_fields = ["product", "name", "unit_price", "quantity", "line_total"]
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "status", "total", "currency", "created_at", "delivered_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "id"]
    raw_id_fields = ["user"]
    inlines = [OrderItemInline]
