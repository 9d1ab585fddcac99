from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "auric.core"
    label = "core"
    verbose_name = "Core"
