"""Settings read only the environment; production refuses to start without its secrets.
Each case runs a fresh Python process, as a server start would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SETTINGS_MODULE, s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default'].get('HOST', ''))"
)


def run(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DB_", "DATABASE_", "CARD_"))}
    return subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", f"from manage import *; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
         f"default_settings_module()); {PRINT_SETTINGS}"],
        cwd=BACKEND,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


@pytest.mark.database_agnostic
class SettingsTests:
    def test_production_refuses_to_start_without_a_secret_key(self):
        result = run({"CARD_FINGERPRINT_KEY": "k"})
        assert result.returncode != 0
        assert "Set the DJANGO_SECRET_KEY environment variable" in result.stderr

    def test_production_refuses_to_start_without_a_card_fingerprint_key(self):
        result = run({"DJANGO_SECRET_KEY": "s"})
        assert result.returncode != 0
        assert "Set the CARD_FINGERPRINT_KEY environment variable" in result.stderr

    def test_production_keeps_debug_off_whatever_djangos_debug_says(self):
        result = run({"DJANGO_SECRET_KEY": "s", "CARD_FINGERPRINT_KEY": "k", "DJANGO_DEBUG": "true"})
        assert result.stdout.split()[:2] == ["config.settings.production", "False"]

    def test_development_is_only_chosen_explicitly_and_needs_no_secrets(self):
        result = run({"DJANGO_ENV": "development"})
        assert result.stdout.split()[:3] == [
            "config.settings.local",
            "True",
            "django_prometheus.db.backends.sqlite3",
        ]

    @pytest.mark.parametrize(
        ("env", "host"),
        [
            ({"DB_HOST": "db.internal", "DB_NAME": "shop"}, "db.internal"),
            ({"DATABASE_URL": "postgres://u:p@url.internal:5432/shop", "DB_HOST": "ignored"}, "url.internal"),
        ],
    )
    def test_postgresql_comes_from_database_url_or_the_db_host_form(self, env, host):
        result = run({"DJANGO_ENV": "development", **env})
        assert result.stdout.split()[2:] == ["core.db.postgresql", host]
