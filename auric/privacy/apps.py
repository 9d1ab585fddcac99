from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "auric.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        # Connects the setting_changed receiver that forgets cached keys.
        from auric.privacy import keys  # noqa: F401
