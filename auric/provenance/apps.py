from django.apps import AppConfig


class ProvenanceConfig(AppConfig):
    name = "auric.provenance"
    label = "provenance"
    verbose_name = "Provenance"

    def ready(self) -> None:
        from auric.provenance import events, ownership  # noqa: F401  (register the handlers that log pieces' lives)
