from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "auric.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from auric.catalog import events  # noqa: F401  (registers the catalog's event handlers, if any)
