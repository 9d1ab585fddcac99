from django.apps import AppConfig


class WarrantyConfig(AppConfig):
    name = "auric.warranty"
    label = "warranty"
    verbose_name = "Warranty"

    def ready(self) -> None:
        from auric.warranty import events  # noqa: F401  (register the handlers of paid, refunded and resold pieces)
