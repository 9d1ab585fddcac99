from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "auric.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from auric.payments import events  # noqa: F401
