"""Create (or update the password of) the superuser named by DJANGO_SUPERUSER_EMAIL/_PASSWORD."""

import os

from django.core.management.base import BaseCommand, CommandError

from account.models import User, normalize_email


class Command(BaseCommand):
    help = "Create or update the superuser from DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD."

    def handle(self, *args, **options):
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip()
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if not email or not password:
            raise CommandError("ensure_superuser: set DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD")
        user = User.objects.filter(email=normalize_email(email)).first()
        if user is None:
            User.objects.create_superuser(email, password)
            self.stdout.write(f"ensure_superuser: created {normalize_email(email)}")
            return
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"ensure_superuser: updated {user.email}")
