"""Deploy checks (`manage.py check --deploy`) for what only a running shop would otherwise reveal."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_sms_backend(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """The console SMS backend writes sign-in codes to the log: fine on a laptop, a hole in production."""
    if settings.AURIC_SMS_BACKEND.endswith(".ConsoleBackend"):
        return [
            Warning(
                "AURIC_SMS_BACKEND is the console backend: sign-in codes go to the log, not to phones.",
                hint="Set AURIC_SMS_BACKEND to a real gateway (docs/authentication.md) before serving shoppers.",
                id="auric.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_privacy_backend(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Only the vault may keep personal data; the benchmark's baseline keeps it in plain text."""
    if getattr(settings, "AURIC_PRIVACY_BACKEND", "auric.privacy.vault") != "auric.privacy.vault":
        return [Error("AURIC_PRIVACY_BACKEND is not the vault.", hint="Unset it.", id="auric.E001")]
    return []
