from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "auric.privacy"
    label = "privacy"
    verbose_name = "Privacy"
