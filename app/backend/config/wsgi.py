"""WSGI entry point: `gunicorn -c docker/backend/gunicorn.conf.py config.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

from config.settings_module import default_settings_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_settings_module())

django_application = get_wsgi_application()

# Repeated catalog reads are answered before Django's handler (product/middleware.py). Imported
# after setup: it reads the settings and the cache configuration.
from product.middleware import CatalogFastPath  # noqa: E402

application = CatalogFastPath(django_application)
