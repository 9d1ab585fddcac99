from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "auric.risk"
    label = "risk"
    verbose_name = "Risk"

    def ready(self) -> None:
        from auric.risk import events  # noqa: F401  (registers the order screening and the sign-in hook)
