from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "auric.quality"
    label = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        # Registers the event handlers.
        from auric.quality import events, supplier_events  # noqa: F401
