"""Run the periodic maintenance now (core/maintenance.py)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from core.maintenance import maintenance_claim, maintenance_run


class Command(BaseCommand):
    help = (
        "Release stale reservations, prune old Idempotency-Keys and flush expired tokens. "
        "Skipped when another worker or server started a run within MAINTENANCE_INTERVAL, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even if a run started within the interval")

    def handle(self, *args, **options):
        interval = timedelta(seconds=max(settings.MAINTENANCE_INTERVAL, 0))
        if not options["force"] and not maintenance_claim(every=interval):
            self.stdout.write("run_maintenance: another run started within the interval; nothing to do")
            return
        for line in maintenance_run():
            self.stdout.write(line)
