"""Rate limits on the Django cache, applied by path in one middleware.

Every limit is one row of `AURIC_RATE_RULES` in settings: ``(methods, path regex, bucket, rate)``,
e.g. ``("POST", r"^/api/v1/auth/", "auth", "10/m")``. A request is counted in every bucket whose
row matches it, once per bucket; going over any of them answers 429 with ``Retry-After``
(problem+json under /api/, a short page elsewhere). Rows sharing a bucket share one counter, so
signing in through the API and through the login page draw on the same allowance.

The counter is a fixed window: ``rl:<bucket>:<client>:<window number>`` is created with
``cache.add`` and counted with an atomic increment, so concurrent workers never let more than
``limit`` requests through in one window (at most twice the limit across a window boundary).
With Redis the increment and the expiry are sent together in one MULTI/EXEC (``INCR`` then
``EXPIRE … NX``): no worker can observe a counter without its expiry, and no window outlives
its time. See docs/security.md.

The client is the signed-in account when there is one (the session user, or the owner of a
valid bearer token), otherwise the client IP: ``REMOTE_ADDR``, or — only when
``AURIC_RATE_TRUSTED_PROXIES`` says how many proxies sit in front — the address those proxies
appended to ``X-Forwarded-For``.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from auric.core.errors import PROBLEM_CONTENT_TYPE, problem

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"10/m"`` (10 a minute), ``"100/h"``, ``"5/10s"`` (5 per 10 seconds)."""
        match = _RATE.match(text)
        if not match:
            raise ValueError(f"Not a rate: {text!r} (expected e.g. '10/m', '100/h', '5/10s')")
        limit, multiple, unit = int(match[1]), int(match[2] or 1), match[3]
        if limit < 1 or multiple < 1:
            raise ValueError(f"Not a rate: {text!r} (limit and window must be positive)")
        return cls(limit=limit, window=multiple * _UNITS[unit])


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str]  # empty: any method
    pattern: re.Pattern[str]
    bucket: str
    rate: Rate

    def matches(self, method: str, path: str) -> bool:
        return (not self.methods or method in self.methods) and self.pattern.search(path) is not None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets (only meaningful when not allowed)


def parse_rules(rows: Iterable[Sequence[str]]) -> tuple[Rule, ...]:
    rules = []
    for methods, pattern, bucket, rate in rows:
        names = frozenset(m.strip().upper() for m in methods.replace(",", " ").split() if m.strip() != "*")
        rules.append(Rule(names, re.compile(pattern), bucket, Rate.parse(rate)))
    return tuple(rules)


@memoize
def _compiled(rows: tuple[tuple[str, ...], ...]) -> tuple[Rule, ...]:
    return parse_rules(rows)


def configured_rules() -> tuple[Rule, ...]:
    rows = tuple(tuple(row) for row in getattr(settings, "AURIC_RATE_RULES", ()))
    return _compiled(rows)


def _redis_client(backend: Any, key: str) -> Any | None:
    """The raw redis-py client behind Django's RedisCache, or None for any other backend."""
    from django.core.cache.backends.redis import RedisCache

    if isinstance(backend, RedisCache):
        return backend._cache.get_client(key, write=True)
    return None


def hit(bucket: str, client: str, rate: Rate, *, backend: Any = None, now: float | None = None) -> Verdict:
    """Count one request of `client` in `bucket` and say whether it is within `rate`."""
    backend = backend if backend is not None else caches["default"]
    now = time.time() if now is None else now
    window = int(now // rate.window)
    retry_after = max(1, math.ceil((window + 1) * rate.window - now))
    key = f"rl:{bucket}:{client}:{window}"
    ttl = rate.window + 1
    raw_key = backend.make_and_validate_key(key)
    redis = _redis_client(backend, raw_key)
    if redis is not None:
        pipe = redis.pipeline(transaction=True)  # MULTI … EXEC: both commands or neither
        pipe.incr(raw_key)
        pipe.expire(raw_key, ttl, nx=True)
        count = int(pipe.execute()[0])
    else:
        count = _incr(backend, key, ttl)
    return Verdict(allowed=count <= rate.limit, count=count, limit=rate.limit, retry_after=retry_after)


def _incr(backend: Any, key: str, ttl: int) -> int:
    # add() is a no-op when the counter exists; incr() is atomic in every Django backend that
    # shares state between workers (locmem holds a lock, Redis/Memcached increment server-side).
    for _attempt in range(3):
        backend.add(key, 0, timeout=ttl)
        try:
            return int(backend.incr(key))
        except ValueError:  # the counter expired between add() and incr(): start the window again
            continue
    return int(backend.incr(key))  # pragma: no cover - a cache that evicts within microseconds


# --- who is asking ---------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with N trusted proxies the Nth address from the right of X-Forwarded-For
    (what the outermost trusted proxy saw). Addresses a client wrote itself are never used."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = int(getattr(settings, "AURIC_RATE_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return forwarded[0] if forwarded else remote
    return forwarded[-proxies]


def _bearer_resolver() -> Callable[[str], Any] | None:
    path = getattr(settings, "AURIC_RATE_BEARER_RESOLVER", "")
    return import_string(path) if path else None


def client_key(request: HttpRequest) -> str:
    """``user:<pk>`` for a signed-in account, else ``ip:<address>``.

    A bearer token counts only when it resolves to an active user: made-up tokens would
    otherwise give an attacker a fresh bucket per request."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip() and (resolve := _bearer_resolver()) is not None:
        owner = resolve(token.strip())
        if owner is not None:
            return f"user:{owner.pk}"
    ip = client_ip(request)
    # IPv6 addresses contain ':'; hashing keeps every key within cache key rules.
    return "ip:" + hashlib.sha256(ip.encode()).hexdigest()[:24]


# --- the middleware --------------------------------------------------------------------------


def rate_limited_response(request: HttpRequest, verdict: Verdict) -> HttpResponse:
    detail = _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": verdict.retry_after}
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = problem(429, "rate_limited", "Too many requests", detail, retry_after=verdict.retry_after)
        body["code"] = "rate_limited"
        response = JsonResponse(
            body,
            status=429,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    else:
        title = escape(_("Too many requests"))
        page = (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><h1>{title}</h1><p>{escape(detail)}</p><p><a href="/">{escape(_("Home"))}</a></p></body></html>'
        )
        response = HttpResponse(page, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(verdict.retry_after)
    return response


class RateLimitMiddleware:
    """Applies `AURIC_RATE_RULES` by method and path; `AURIC_RATE_LIMITS = False` turns all off.

    Placed after AuthenticationMiddleware so that a signed-in account is its own client."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(settings, "AURIC_RATE_LIMITS", True) and (refused := self.check(request)) is not None:
            return refused
        return self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        matching = [rule for rule in configured_rules() if rule.matches(request.method or "GET", request.path)]
        if not matching:
            return None
        client = client_key(request)
        worst: Verdict | None = None
        seen: set[str] = set()
        for rule in matching:
            if rule.bucket in seen:
                continue
            seen.add(rule.bucket)
            verdict = hit(rule.bucket, client, rule.rate)
            if not verdict.allowed and (worst is None or verdict.retry_after > worst.retry_after):
                worst = verdict
        return rate_limited_response(request, worst) if worst is not None else None
