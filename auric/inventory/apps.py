from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "auric.inventory"
    label = "inventory"
    verbose_name = "Inventory"
