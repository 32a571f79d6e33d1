"""Settings shared by every environment. Everything variable comes from the environment.

Each section names the Django documentation of its settings. Environment-specific modules
(local, production, test) import this one and override only what differs.
"""

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# ---------------------------------------------------------------------------------------------
# Core — https://docs.djangoproject.com/en/5.2/ref/settings/#core-settings
# ---------------------------------------------------------------------------------------------
DEBUG = False
# Set by local/production/test; production reads DJANGO_SECRET_KEY with no default.
SECRET_KEY: str
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "account.User"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_prometheus",
    "rest_framework",
    "drf_spectacular",
    "rest_framework_simplejwt.token_blacklist",
    "core",
    "account",
    "product",
    "orders",
    "payments",
    "fraud",
]

# ---------------------------------------------------------------------------------------------
# Middleware — https://docs.djangoproject.com/en/5.2/ref/middleware/
# ---------------------------------------------------------------------------------------------
MIDDLEWARE = [
    # First and last: django-prometheus measures everything in between.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.RequestLogMiddleware",
    # Before OperationsMiddleware: health checks count as traffic that lets maintenance run.
    "core.middleware.MaintenanceMiddleware",
    # The fraud model's metrics, current in every worker (a model swapped in, an idle worker).
    "fraud.middleware.ModelRefreshMiddleware",
    # Health checks and scrapes come by IP address: answered before the ALLOWED_HOSTS check.
    "core.middleware.OperationsMiddleware",
    # Repeats of a catalog read, answered with the whole response a first one produced.
    "product.middleware.CatalogResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ---------------------------------------------------------------------------------------------
# Database — https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# ---------------------------------------------------------------------------------------------
# DATABASE_URL wins; otherwise the original project's DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD
# form (what compose/compose.yml passes on the servers); otherwise SQLite next to manage.py.
# django-prometheus' backends wrap Django's to count queries and measure their time.
_PROMETHEUS_ENGINES = {
    # django-prometheus' PostgreSQL backend with a health check that costs no round trip.
    "django.db.backends.postgresql": "core.db.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}


def _database_from_environment() -> dict:
    if env.str("DATABASE_URL", default=""):
        database = env.db_url("DATABASE_URL")
    elif env.str("DB_HOST", default=""):
        database = {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": env.str("DB_HOST"),
            "PORT": env.int("DB_PORT", default=5432),
            "NAME": env.str("DB_NAME", default="ecommerce"),
            "USER": env.str("DB_USER", default="postgres"),
            "PASSWORD": env.str("DB_PASSWORD", default=""),
        }
    else:
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}
    database["ENGINE"] = _PROMETHEUS_ENGINES.get(database["ENGINE"], database["ENGINE"])
    if "postgresql" in database["ENGINE"]:
        # Persistent connections per worker thread, checked before reuse so a database
        # failover does not hand out dead connections. The check is a poll of the socket, not
        # Django's `SELECT 1` round trip on every request (core/db/postgresql/base.py).
        database["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        database["CONN_HEALTH_CHECKS"] = True
        database.setdefault("OPTIONS", {})
        database["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
        sslmode = env.str("DB_SSLMODE", default="")
        if sslmode:
            database["OPTIONS"]["sslmode"] = sslmode
    return database


DATABASES = {"default": _database_from_environment()}

# ---------------------------------------------------------------------------------------------
# Caches — https://docs.djangoproject.com/en/5.2/topics/cache/
# ---------------------------------------------------------------------------------------------
# `catalog`: rendered catalog responses in each worker's memory, under keys that carry the
# catalog's version in PostgreSQL, so no worker serves one after a product write
# (product/catalog_cache.py). Bounded: at most MAX_ENTRIES URLs per worker.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "catalog": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "catalog",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# ---------------------------------------------------------------------------------------------
# Passwords — https://docs.djangoproject.com/en/5.2/topics/auth/passwords/
# ---------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---------------------------------------------------------------------------------------------
# Static files (the admin's) — https://docs.djangoproject.com/en/5.2/howto/static-files/
# and https://whitenoise.readthedocs.io/en/stable/django.html
# ---------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ---------------------------------------------------------------------------------------------
# Proxies and the client's address — https://docs.djangoproject.com/en/5.2/ref/settings/#secure-proxy-ssl-header
# ---------------------------------------------------------------------------------------------
# Requests arrive through the load balancer and the frontend's nginx. Addresses in these
# networks are proxies: the client is the right-most X-Forwarded-For hop outside them
# (core/client_ip.py). The default covers loopback and the private ranges a VPC uses.
TRUSTED_PROXIES = env.list(
    "DJANGO_TRUSTED_PROXIES",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# ---------------------------------------------------------------------------------------------
# CORS — https://github.com/adamchainz/django-cors-headers#configuration
# ---------------------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
# The storefront sends an Idempotency-Key with each checkout (API.md); from another origin (the
# Vite dev server) the browser asks first whether it may.
CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key")

# ---------------------------------------------------------------------------------------------
# Django REST framework — https://www.django-rest-framework.org/api-guide/settings/
# ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "core.exception_handler.api_exception_handler",
    # The OpenAPI schema at /api/schema/ (config/openapi.py); API.md must agree with it.
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Scoped throttles guard the endpoints worth abusing (password guessing, card testing), keyed
    # on the user or the real client address and counted in PostgreSQL, so the limits hold across
    # every worker and server whatever X-Forwarded-For says (core/throttling.py says why not a cache).
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.ClientScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("THROTTLE_AUTH_RATE", default="20/min"),
        "checkout": env.str("THROTTLE_CHECKOUT_RATE", default="30/min"),
    },
}

# ---------------------------------------------------------------------------------------------
# Simple JWT — https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
# ---------------------------------------------------------------------------------------------
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# ---------------------------------------------------------------------------------------------
# The shop — app/backend/API.md
# ---------------------------------------------------------------------------------------------
SHOP_CURRENCY = "usd"
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
# Another Stripe-compatible API endpoint (stripe-mock); empty means https://api.stripe.com.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Seconds one call to the payment gateway may take (it is retried once with the same idempotency
# key). Checkout holds no lock meanwhile; gunicorn's timeout (30 s) must stay above twice this.
PAYMENT_GATEWAY_TIMEOUT = env.float("PAYMENT_GATEWAY_TIMEOUT", default=10.0)
# Seconds each process may use the catalog version it read without asking PostgreSQL again; a
# catalog write waits this long before it answers, so no read after its answer is stale
# (product/catalog_cache.py). Longer: fewer version reads, slower staff edits and checkouts.
CATALOG_VERSION_LEASE = env.float("CATALOG_VERSION_LEASE", default=0.05)
# Seconds between runs of the periodic maintenance (release stale reservations, prune old
# Idempotency-Keys, flush expired tokens): one worker of one server per interval
# (core/maintenance.py). 0 turns it off.
MAINTENANCE_INTERVAL = env.int("MAINTENANCE_INTERVAL", default=300)
# How long a checkout's Idempotency-Key is remembered (a repeat within it gets the first outcome).
IDEMPOTENCY_KEY_RETENTION = timedelta(hours=env.int("IDEMPOTENCY_KEY_RETENTION_HOURS", default=24))
# HMAC key of card fingerprints (saved cards and payments_transaction.card_fingerprint).
CARD_FINGERPRINT_KEY: str

# What the fraud model's flag does to a charge (fraud/, README.md "Fraud scoring at checkout"):
# flag records the score and counts it; hold also puts the order in review until staff approve
# it; off scores nothing. FRAUD_MODEL_PATH is the model file fraud-scan trains (reloaded when it
# changes); without a usable one, charges go on unscored and fraud_scoring_enabled is 0.
FRAUD_SCORING = env.str("FRAUD_SCORING", default="flag")
if FRAUD_SCORING not in ("flag", "hold", "off"):
    raise ImproperlyConfigured(f"FRAUD_SCORING must be flag, hold or off, got {FRAUD_SCORING!r}.")
FRAUD_MODEL_PATH = env.str("FRAUD_MODEL_PATH", default="")

# Retraining from the staff Fraud page (fraud/retraining.py, README.md "Retraining from the shop").
# With a token and repository, a retraining dispatches the fraud-scan workflow (retrain=true): the
# token is a fine-grained one with Actions: write on that one repository, kept in SSM like the
# other secrets. Without them it runs the fraud-scan CLI here and renames its model over
# FRAUD_MODEL_PATH. Uploaded training CSVs are kept in the database; a retraining reads a private
# copy in FRAUD_TRAINING_DIR (0700, files 0600), outside MEDIA and static, never served.
FRAUD_RETRAIN_GITHUB_TOKEN = env.str("FRAUD_RETRAIN_GITHUB_TOKEN", default="")
FRAUD_RETRAIN_GITHUB_REPOSITORY = env.str("FRAUD_RETRAIN_GITHUB_REPOSITORY", default="")
FRAUD_RETRAIN_GITHUB_REF = env.str("FRAUD_RETRAIN_GITHUB_REF", default="main")
FRAUD_RETRAIN_GITHUB_API = env.str("FRAUD_RETRAIN_GITHUB_API", default="https://api.github.com")
FRAUD_RETRAIN_CLI = env.str(
    "FRAUD_RETRAIN_CLI", default=str(BASE_DIR.parent.parent / "actions" / "fraud-scan" / "dist" / "cli.js")
)
FRAUD_RETRAIN_NODE = env.str("FRAUD_RETRAIN_NODE", default="node")
FRAUD_RETRAIN_EPOCHS = env.int("FRAUD_RETRAIN_EPOCHS", default=0)  # 0: the CLI's default
FRAUD_RETRAIN_TIMEOUT = env.int("FRAUD_RETRAIN_TIMEOUT", default=1800)
FRAUD_TRAINING_DIR = env.str("FRAUD_TRAINING_DIR", default=str(BASE_DIR / ".private" / "fraud-training"))
FRAUD_TRAINING_MAX_BYTES = env.int("FRAUD_TRAINING_MAX_BYTES", default=20 * 1024 * 1024)
# Uploaded training CSVs are kept in the database this many days (payment data: no longer than a
# retraining needs; the copy in S3 for a GitHub retraining is deleted after 3 days too).
FRAUD_TRAINING_UPLOAD_DAYS = env.int("FRAUD_TRAINING_UPLOAD_DAYS", default=3)
# A retraining on GitHub on an uploaded CSV hands the file to the server here (its staging/,
# pending/ and done/, which the servers' boot creates when the monitoring bucket takes uploads;
# compose.yml mounts it): the host's push-fraud-training puts it in S3 with the instance role,
# which this container never holds. Empty, or no such folders: uploads train locally only.
FRAUD_TRAINING_OUTBOX = env.str("FRAUD_TRAINING_OUTBOX", default="")
# Seconds a retraining request waits for that agent's answer (gunicorn's timeout is 30 s).
FRAUD_TRAINING_HANDOVER_TIMEOUT = env.int("FRAUD_TRAINING_HANDOVER_TIMEOUT", default=20)

# ---------------------------------------------------------------------------------------------
# Logging: one JSON object per line on stdout — https://docs.djangoproject.com/en/5.2/topics/logging/
# ---------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Our middleware writes the request line; Django's own would repeat it for 4xx/5xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
    },
}

# ---------------------------------------------------------------------------------------------
# OpenAPI schema (GET /api/schema/) — https://drf-spectacular.readthedocs.io/en/latest/settings.html
# ---------------------------------------------------------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "The shop's HTTP API",
    "DESCRIPTION": "Generated from the code; app/backend/API.md describes the same paths in prose.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.openapi.add_error_responses"],
}
