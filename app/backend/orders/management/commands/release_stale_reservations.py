"""Put back the stock of checkouts whose worker died between reserving and confirming."""

from django.core.management.base import BaseCommand

from orders.services import order_release_stale


class Command(BaseCommand):
    help = "Release pending orders older than orders.services.RESERVATION_TTL (their stock goes back)."

    def handle(self, *args, **options):
        released = order_release_stale()
        self.stdout.write(f"release_stale_reservations: released {released} pending orders")
