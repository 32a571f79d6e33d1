"""Forget Idempotency-Keys past their retention (orders.services.checkout_attempt_prune)."""

from django.core.management.base import BaseCommand

from orders.services import checkout_attempt_prune


class Command(BaseCommand):
    help = "Delete checkout attempts (Idempotency-Keys) older than settings.IDEMPOTENCY_KEY_RETENTION."

    def handle(self, *args, **options):
        deleted = checkout_attempt_prune()
        self.stdout.write(f"prune_idempotency_keys: forgot {deleted} keys")
