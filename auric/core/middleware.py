"""Content Security Policy on every response, through django-csp (ADR 0006).

The storefront gets the strict policy of ``CONTENT_SECURITY_POLICY`` (no inline script or style).
The back office and the API explorer run third-party admin and Swagger UI code that needs inline
script, so paths under ``CONTENT_SECURITY_POLICY_RELAXED["PATH_PREFIXES"]`` get that setting's
policy, which still forbids every other origin. Views may adjust the policy with django-csp's
decorators (``@csp_update``…) or set the header themselves; a header already set is kept.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import DEFAULT_DIRECTIVES, build_policy
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def _relaxed() -> dict[str, Any]:
    return getattr(settings, "CONTENT_SECURITY_POLICY_RELAXED", None) or {}


def _directive_order() -> dict[str, int]:
    names = [
        *(getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("DIRECTIVES", {}),
        *_relaxed().get("DIRECTIVES", {}),
        *DEFAULT_DIRECTIVES,
    ]
    return {name: position for position, name in reversed(list(enumerate(names)))}


def ordered(policy: str) -> str:
    """The policy with its directives in the order the settings list them.

    django-csp builds the header from a set, so its directive order would change from one
    process to the next; a stable header is easier to read, compare and cache."""
    order = _directive_order()
    parts = [part.strip() for part in policy.split(";") if part.strip()]
    parts.sort(key=lambda part: order.get(part.split(" ", 1)[0], len(order)))
    return "; ".join(parts)


def strict_policy(*, script_sources: tuple[str, ...] = (), style_sources: tuple[str, ...] = ()) -> str:
    """The storefront policy; a page that embeds a vetted component adds exactly what it needs."""
    return ordered(build_policy(update={"script-src": list(script_sources), "style-src": list(style_sources)}))


def relaxed_policy() -> str:
    return ordered(build_policy(config=dict(_relaxed().get("DIRECTIVES", {}))))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with one addition: the relaxed policy for staff tools by path."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        relaxed = _relaxed()
        if (
            not report_only
            and parts.config is None
            and relaxed.get("DIRECTIVES")
            and request.path_info.startswith(tuple(relaxed.get("PATH_PREFIXES", ())))
        ):
            parts.config = dict(relaxed["DIRECTIVES"])
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        for header in (HEADER, HEADER_REPORT_ONLY):
            if header in response:
                response[header] = ordered(response[header])
        return response
