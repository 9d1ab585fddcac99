"""The log's public files under /log/ (C2SP tlog-tiles)."""

from django.urls import path

from auric.provenance import log_views

app_name = "provenance-log"

urlpatterns = [
    path("checkpoint", log_views.checkpoint, name="checkpoint"),
    path("tile/<path:path>", log_views.tile, name="tile"),
    path("policy", log_views.policy, name="policy"),
]
