"""Servers: secrets have no default, DEBUG is off, cookies and headers are hardened."""

from .base import *  # noqa: F403
from .base import env

# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = False
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
# Without it, fingerprints would be guessable hashes of card numbers.
CARD_FINGERPRINT_KEY = env.str("CARD_FINGERPRINT_KEY")

# ---------------------------------------------------------------------------------------------
# Security — https://docs.djangoproject.com/en/5.2/ref/settings/#security
# ---------------------------------------------------------------------------------------------
# TLS ends at the load balancer; it tells us with X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
# The redirect stays opt-in because health checks and Prometheus reach the servers over HTTP.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
