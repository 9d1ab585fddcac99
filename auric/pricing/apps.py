from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "auric.pricing"
    label = "pricing"
    verbose_name = "Pricing"
