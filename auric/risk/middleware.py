"""Captures the client of each request for the risk engine, and ends a sign-in the engine blocked.

Place it after AuthenticationMiddleware. It sets the device cookie (a random first-party id, HttpOnly,
SameSite=Lax, two years) on responses to writes (POST…) from clients that sent none — a
fraud-prevention cookie, not a tracking one: it never leaves this shop and is stored only hashed.
Apps send `X-Device-Id` instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse

from auric.core.errors import PROBLEM_CONTENT_TYPE, problem
from auric.core.ratelimit import client_ip
from auric.risk import context

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class RiskContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cookie_id = context.clean_device_id(request.COOKIES.get(context.DEVICE_COOKIE))
        device_id = context.clean_device_id(request.META.get(context.DEVICE_HEADER)) or cookie_id
        issued = "" if device_id else context.new_device_id()
        client = context.ClientContext(
            ip=client_ip(request),
            user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[: context.MAX_USER_AGENT],
            device_id=device_id or issued,
        )
        with context.using(client):
            response = self.get_response(request)
        if client.end_session:
            logout(request)
            response = JsonResponse(
                problem(
                    403,
                    "login_blocked",
                    "This sign-in was refused",
                    "This sign-in looks unsafe and was refused. Contact customer service if it was you.",
                ),
                status=403,
                content_type=PROBLEM_CONTENT_TYPE,
            )
        # Only on writes (sign-in, checkout…): cacheable pages stay free of Set-Cookie.
        if issued and request.method not in SAFE_METHODS:
            response.set_cookie(
                context.DEVICE_COOKIE,
                issued,
                max_age=context.DEVICE_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=bool(settings.SESSION_COOKIE_SECURE),
            )
        return response
