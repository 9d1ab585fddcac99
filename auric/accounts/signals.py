"""Counts failed sign-ins for lockout, whichever path called `authenticate()`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from auric.accounts import lockout


@receiver(user_login_failed, dispatch_uid="auric.accounts.lockout.failed")
def count_failed_login(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = credentials.get("username")
    if not isinstance(username, str):
        return
    if lockout.current_lock(username=username, ip=lockout.client_ip(request)) is not None:
        return  # already locked (the backend refused): the lock's end does not move
    lockout.record_failure(username=username, ip=lockout.client_ip(request))


@receiver(user_logged_in, dispatch_uid="auric.accounts.lockout.success")
def clear_failures(sender: Any, user: Any, request: Any = None, **kwargs: Any) -> None:
    lockout.record_success(username=user.get_username())
