"""WSGI entry point (gunicorn auric.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auric.settings")
application = get_wsgi_application()

# Load the Chinese word-segmentation dictionary now, not during the first shopper's search.
from auric.catalog.search import segment  # noqa: E402

segment("古法黄金")
