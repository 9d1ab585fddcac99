from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "auric.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from auric.accounts import checks, signals  # noqa: F401 - registers deploy checks, connects receivers
