"""Content Security Policy on every response.

The storefront gets a strict policy (no inline script or style). The back office and the API
explorer run third-party admin and Swagger UI code that needs inline script, so they get a
policy that still forbids every other origin.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def strict_policy(*, script_sources: tuple[str, ...] = (), style_sources: tuple[str, ...] = ()) -> str:
    """The storefront policy; a page that embeds a vetted component adds exactly what it needs."""
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(("script-src 'self'", *script_sources)),
            " ".join(("style-src 'self'", *style_sources)),
            *_STRICT_REST,
        ]
    )


_STRICT_REST = (
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self' blob: data:",
    "worker-src 'self' blob:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
STRICT = strict_policy()
BACK_OFFICE = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
RELAXED_PREFIXES = ("/admin/", "/api/v1/docs", "/api/docs")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = request.path.startswith(RELAXED_PREFIXES)
            response["Content-Security-Policy"] = BACK_OFFICE if relaxed else STRICT
        return response
