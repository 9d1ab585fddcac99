from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "auric.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from auric.orders import events  # noqa: F401
