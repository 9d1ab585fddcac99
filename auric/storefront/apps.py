from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "auric.storefront"
    label = "storefront"
    verbose_name = "Storefront"
