"""URL map: storefront at /, back office at /admin/, API at /api/v1/, probes at /healthz and /readyz."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.static import serve

from auric.api import api
from auric.core import views as core_views

handler404 = "auric.core.views.page_not_found"
handler500 = "auric.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("payments/", include("auric.payments.urls")),
    path("log/", include("auric.provenance.urls")),
    path("", include("auric.provenance.page_urls")),
    path("", include("auric.storefront.urls")),
    # Uploaded and generated media; a CDN or web server serves these in production.
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]

if settings.AURIC_BENCH_VIEWS:
    urlpatterns.insert(0, path("bench/", include("auric.demo.urls")))
