from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "auric.pricing"
    label = "pricing"
    verbose_name = "Pricing"

    def ready(self) -> None:
        from auric.pricing import events  # noqa: F401  (registers the event handlers)
