"""Login throttling and lockout, per account name and per client IP.

N failed sign-ins within a window (settings `AURIC_LOGIN_MAX_FAILURES` per account name,
`AURIC_LOGIN_MAX_FAILURES_PER_IP` per IP, `AURIC_LOGIN_FAILURE_WINDOW_SECONDS`) lock that name or
IP for `AURIC_LOGIN_LOCKOUT_SECONDS`. While locked, sign-in is refused even with the right password.
A successful sign-in clears the account's failures (not the IP's: one valid account must not
reset an attacker's IP budget for guessing others).

State lives in the Django cache, not a model: counters with a time-to-live are what a cache does,
failed guesses cost no database writes (an attacker cannot turn guessing into write load), and
expiry needs no clean-up job. Production uses Redis (REDIS_URL), shared by every worker; the
local-memory default is per process, which is fine for the one-process embedded setup. Clearing
the cache lifts all locks — an operator's escape hatch, documented in docs/authentication.md.

Account names are counted whether or not the account exists, so lockout does not reveal which
names are registered. Every lock is logged (logger `auric.security`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from auric.core.errors import DomainError

logger = logging.getLogger("auric.security")

PREFIX = "auric:login"


class LoginLocked(DomainError):
    status = 429
    code = "login_locked"
    title = "Too many failed sign-in attempts"


@dataclass(frozen=True)
class Lock:
    scope: str  # "account" or "ip"
    retry_after: int  # seconds


def client_ip(request: HttpRequest | None) -> str:
    """The peer address. X-Forwarded-For is not trusted here: a proxy deployment must set
    REMOTE_ADDR from it in the proxy/WSGI layer (see docs/authentication.md)."""
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _keys(scope: str, value: str) -> tuple[str, str]:
    d = _digest(value)
    return f"{PREFIX}:fail:{scope}:{d}", f"{PREFIX}:lock:{scope}:{d}"


def _subjects(username: str, ip: str) -> list[tuple[str, str, int]]:
    subjects = [("account", username.strip().casefold(), int(settings.AURIC_LOGIN_MAX_FAILURES))]
    if ip:
        subjects.append(("ip", ip, int(settings.AURIC_LOGIN_MAX_FAILURES_PER_IP)))
    return subjects


def current_lock(*, username: str, ip: str = "") -> Lock | None:
    """The lock that stops this sign-in now, if any (the longer one if both are locked)."""
    now = time.time()
    found: Lock | None = None
    for scope, value, _limit in _subjects(username, ip):
        _, lock_key = _keys(scope, value)
        until = cache.get(lock_key)
        if until is not None and float(until) > now:
            lock = Lock(scope=scope, retry_after=max(1, math.ceil(float(until) - now)))
            if found is None or lock.retry_after > found.retry_after:
                found = lock
    return found


def check(*, username: str, ip: str = "") -> None:
    """Raise LoginLocked (429, with retry_after) if this account name or IP is locked."""
    lock = current_lock(username=username, ip=ip)
    if lock is not None:
        raise LoginLocked(
            "Too many failed sign-in attempts. Try again later.",
            retry_after=lock.retry_after,
            scope=lock.scope,
        )


def record_failure(*, username: str, ip: str = "") -> Lock | None:
    """Count a failed sign-in; lock the name or IP that reached its limit. Returns the new lock."""
    window = int(settings.AURIC_LOGIN_FAILURE_WINDOW_SECONDS)
    period = int(settings.AURIC_LOGIN_LOCKOUT_SECONDS)
    new_lock: Lock | None = None
    for scope, value, limit in _subjects(username, ip):
        fail_key, lock_key = _keys(scope, value)
        cache.add(fail_key, 0, timeout=window)  # the window starts at the first failure
        try:
            failures = cache.incr(fail_key)
        except ValueError:  # expired between add and incr
            cache.set(fail_key, 1, timeout=window)
            failures = 1
        if failures >= limit and cache.add(lock_key, time.time() + period, timeout=period):
            cache.delete(fail_key)
            new_lock = Lock(scope=scope, retry_after=period)
            logger.warning(
                "login lockout: %s %s locked for %ss after %s failures",
                scope,
                _digest(value) if scope == "account" else value,
                period,
                failures,
            )
    return new_lock


def record_success(*, username: str) -> None:
    """A successful sign-in clears the account's failure count."""
    fail_key, _ = _keys("account", username.strip().casefold())
    cache.delete(fail_key)


def unlock(*, username: str = "", ip: str = "") -> None:
    """Lift a lock (an operator's action, e.g. after a support call)."""
    for scope, value in (("account", username.strip().casefold()), ("ip", ip)):
        if value:
            for key in _keys(scope, value):
                cache.delete(key)
    logger.warning("login lockout lifted for %s", "account" if username else "ip")
