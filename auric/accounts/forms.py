"""The sign-in form with lockout: refuses a locked account or IP before checking the password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import ngettext

from auric.accounts import lockout


class LockoutAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        lock = lockout.current_lock(username=username, ip=lockout.client_ip(self.request))
        if lock is not None:
            minutes = max(1, -(-lock.retry_after // 60))
            raise forms.ValidationError(
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(minutes)s minute.",
                    "Too many failed sign-in attempts. Try again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked",
            )
        # Failures are counted by the user_login_failed signal (accounts.signals); success here.
        cleaned = super().clean()
        lockout.record_success(username=username)
        return cleaned
