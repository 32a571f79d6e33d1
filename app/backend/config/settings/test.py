"""pytest (pytest.ini_options in pyproject.toml). The database still comes from the environment:
the suite runs once against PostgreSQL (DATABASE_URL) and once against SQLite."""

import os
import uuid

from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE, REST_FRAMEWORK, env

SECRET_KEY = "test-secret-key-long-enough-for-hmac-sha256"  # noqa: S105 (tests only)
CARD_FINGERPRINT_KEY = "test-card-fingerprint-key"
# https://docs.djangoproject.com/en/5.2/topics/testing/overview/#speeding-up-the-tests
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The admin's static files are not collected for tests; whitenoise would warn on every request.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]
STRIPE_SECRET_KEY = ""
STRIPE_PUBLISHABLE_KEY = ""

# Other engineers run the suite at the same time against the same PostgreSQL: each run gets its
# own test database (TEST_DATABASE_NAME, or a random one).
if "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_DATABASE_NAME", default=f"test_backend_{os.getpid()}_{uuid.uuid4().hex[:8]}")
    }

# No maintenance threads beside the tests' own transactions; tests that want it set it (in the
# process, or for a server they start, through MAINTENANCE_INTERVAL as in production).
MAINTENANCE_INTERVAL = env.int("MAINTENANCE_INTERVAL", default=0)

# Tests that exercise throttling set their own rates (in the process, or for a server they start,
# through the same variables as production).
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("THROTTLE_AUTH_RATE", default="10000/min"),
        "checkout": env.str("THROTTLE_CHECKOUT_RATE", default="10000/min"),
    },
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": "WARNING"},
}
