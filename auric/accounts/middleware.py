"""Read-only back office for read-only roles (auditors).

Auditors hold only view permissions, so Django's admin already shows them no save buttons and
refuses its own forms. Custom admin views and actions check various permissions of their own (an
outbox retry needs only the view permission); this middleware refuses every unsafe request to the
admin by a read-only user — whatever the view — so no new action can forget them. Signing out and
changing one's own password stay allowed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, get_urlconf, reverse

from auric.accounts import roles

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _admin_paths() -> tuple[str, frozenset[str]]:
    return _admin_paths_of(get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=8)
def _admin_paths_of(urlconf: str) -> tuple[str, frozenset[str]]:
    """Reversed once per URL configuration (four reverses cost more than the rest of this middleware)."""
    try:
        prefix = reverse("admin:index")
        allowed = frozenset(
            {reverse("admin:logout"), reverse("admin:password_change"), reverse("admin:password_change_done")}
        )
    except NoReverseMatch:  # no admin mounted
        return "", frozenset()
    return prefix, allowed


class ReadOnlyRoleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            prefix, allowed = _admin_paths()
            if (
                prefix
                and request.path.startswith(prefix)
                and request.path not in allowed
                and roles.is_read_only(getattr(request, "user", None))
            ):
                raise PermissionDenied("Auditors have read-only access to the back office.")
        return self.get_response(request)
