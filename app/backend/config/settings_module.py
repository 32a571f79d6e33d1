"""Which settings module runs when DJANGO_SETTINGS_MODULE is not set."""

import os


def default_settings_module() -> str:
    """Development settings only when DJANGO_ENV=development says so; production otherwise.

    Failing safe matters here: a server started without DJANGO_ENV gets DEBUG off and a
    required DJANGO_SECRET_KEY, never the development defaults.
    """
    if os.environ.get("DJANGO_ENV", "").strip().lower() == "development":
        return "config.settings.local"
    return "config.settings.production"
