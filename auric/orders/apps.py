from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "auric.orders"
    label = "orders"
    verbose_name = "Orders"
