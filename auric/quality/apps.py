from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "auric.quality"
    label = "quality"
    verbose_name = "Quality"

    def ready(self) -> None:
        # Registers the event handlers and the receipt rule (new pieces from certified suppliers).
        from auric.quality import events, supplier_events, suppliers  # noqa: F401
