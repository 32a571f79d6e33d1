from django.contrib import admin

from payments.models import SavedCard, Transaction


@admin.register(SavedCard)
class SavedCardAdmin(admin.ModelAdmin):
    list_display = ["user", "brand", "last4", "exp_month", "exp_year", "gateway", "created_at"]
    raw_id_fields = ["user"]


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    """Read-only: the record of charge attempts is evidence, not something to edit."""

    list_display = ["created_at", "user", "amount", "currency", "status", "decline_code", "card_brand", "card_last4"]
    list_filter = ["status", "gateway", "card_brand"]
    search_fields = ["user__email", "card_last4", "card_fingerprint", "gateway_reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
