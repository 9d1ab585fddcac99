from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "auric.catalog"
    label = "catalog"
    verbose_name = "Catalog"
