from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "auric.accounts"
    label = "accounts"
    verbose_name = "Accounts"
