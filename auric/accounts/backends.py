"""An authentication backend that refuses locked accounts and IPs for every sign-in path
(storefront, admin, API), whatever form or view calls `authenticate()`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from auric.accounts import lockout


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        name = username if username is not None else kwargs.get("username", "")
        if lockout.current_lock(username=str(name or ""), ip=lockout.client_ip(request)) is not None:
            # PermissionDenied stops authenticate() at once: no other backend is tried.
            raise PermissionDenied("locked")
        return super().authenticate(request, username=username, password=password, **kwargs)
