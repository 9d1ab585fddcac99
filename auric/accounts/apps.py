from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "auric.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from auric.accounts import signals  # noqa: F401 - connects the lockout receivers
