"""API authentication: bearer tokens for apps, the Django session (with CSRF) for the browser.

Write endpoints use `API_AUTH` (token first, then session) and then `require_permission`. A request
with neither is 401; an authenticated user without the model permission is 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from auric.accounts.services import authenticate_api_token
from auric.core.errors import PermissionDenied


class BearerToken(HttpBearer):
    """`Authorization: Bearer aur.<prefix>.<secret>`; see accounts.services."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return authenticate_api_token(token)


class BrowserSession(APIKeyCookie):
    """The logged-in Django session. CSRF is checked only for a logged-in user, so an anonymous
    call gets 401 (not a CSRF 403), and a forged cross-site write by a logged-in user gets 403."""

    param_name = "sessionid"

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the csrftoken cookie value in X-CSRFToken")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if key is not None and user is not None and user.is_authenticated:
            return user
        return None


bearer_token = BearerToken()
browser_session = BrowserSession()
API_AUTH = [bearer_token, browser_session]


def require_permission(request: HttpRequest, permission: str) -> Any:
    """The authenticated user, if they hold `app_label.codename`; else PermissionDenied (403)."""
    user = getattr(request, "auth", None)
    if user is None or not user.has_perm(permission):
        raise PermissionDenied(f"This needs the permission {permission}", permission=permission)
    return user
