"""Development on one machine (DJANGO_ENV=development, set by scripts/dev): DEBUG on."""

from .base import *  # noqa: F403
from .base import env

# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DJANGO_DEBUG", default=True)
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="development-only-secret-key-never-use-in-production")
CARD_FINGERPRINT_KEY = env.str("CARD_FINGERPRINT_KEY", default="development-only-card-fingerprint-key")
# The storefront's Vite dev server.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["http://localhost:5173", "http://127.0.0.1:5173"])

# https://whitenoise.readthedocs.io/en/stable/django.html#WHITENOISE_USE_FINDERS
# Serve the admin's static files from the apps, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
