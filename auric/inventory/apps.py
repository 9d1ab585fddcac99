from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "auric.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        # Registers the event handlers.
        from auric.inventory import events  # noqa: F401
