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
# TLS ends at the load balancer, which tells us the buyer's scheme in X-Forwarded-Proto.
# Believing that header is safe only because no client can set it on the way here:
# - the ALB sets X-Forwarded-Proto to its listener's protocol (https on 443, http on 80),
#   replacing whatever the client sent;
# - the app servers' port 3000 admits only the load balancer's security group (terraform/
#   modules/load), and the storefront's nginx (docker/frontend/templates/default.conf.template)
#   passes on only "http" or "https", and only from a peer in the private networks the load
#   balancer connects from; anyone else's header is replaced with the connection's own scheme;
# - port 8000 (the backend itself) admits only the monitoring server, for /metrics.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# DJANGO_HTTPS: the shop is served over HTTPS (Terraform sets it when the load balancer has a
# certificate; the deploy step writes it into backend.env). Then Django redirects plain HTTP,
# sends HSTS and marks its cookies Secure. Without it (HTTP only) the cookies must not be Secure,
# or the browser drops them and /admin/ login fails. The DJANGO_SECURE_* variables override.
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
# The load balancer's health check (/readyz on port 3000), the containers' own checks (/healthz)
# and Prometheus (/metrics on 8000) come over plain HTTP from inside the VPC: never redirected.
# (core.middleware.OperationsMiddleware answers them before SecurityMiddleware anyway; this keeps
# it so if the order changes.) SecurityMiddleware matches these against the path without its
# leading slash.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=HTTPS)
# One year once HTTPS is on (sent only on HTTPS responses). includeSubDomains covers names under
# the shop's own host; preload is a promise to browsers that is hard to take back: opt in.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
