"""The client behind the current request, as the risk engine may keep it.

`RiskContextMiddleware` builds a `ClientContext` for every request and makes it current for the
request's thread (a context variable). Checkout and sign-in do not know about it: the order
screening (an outbox handler delivered in-process right after the order commits, still inside the
checkout request) and the sign-in hook read `current()`.

Personal-data rules: the raw IP address lives only in memory for the request. What is stored is its
network (/24 for IPv4, /48 for IPv6) and the region the offline database places it in. The device id
is a random first-party cookie (or an app's `X-Device-Id` header) and is stored only as a keyed hash;
the user agent is stored truncated. See docs/risk.md.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.utils.crypto import salted_hmac

from auric.risk import geo

DEVICE_COOKIE = "auric_device"
DEVICE_HEADER = "HTTP_X_DEVICE_ID"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16,128}")
MAX_USER_AGENT = 200


def new_device_id() -> str:
    return secrets.token_urlsafe(18)


def clean_device_id(value: Any) -> str:
    """A well-formed device id, or "" (a made-up value is treated as no device id)."""
    text = str(value or "")
    return text if _DEVICE_ID.fullmatch(text) else ""


def device_hash(device_id: str) -> str:
    """What is stored of a device id: a keyed hash (SECRET_KEY), so a leaked table cannot replay it."""
    return salted_hmac("auric.risk.device", device_id, algorithm="sha256").hexdigest()[:32] if device_id else ""


def ip_network(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network of an address, or "" for something that is not one."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@dataclass
class ClientContext:
    ip: str = ""  # in memory only; never stored
    user_agent: str = ""
    device_id: str = ""  # in memory only; stored as device_hash
    # Set by the sign-in hook when a decision blocks the sign-in; the middleware ends the session.
    end_session: bool = False
    _region: geo.Region | None = field(default=None, repr=False)

    @property
    def region(self) -> geo.Region:
        if self._region is None:
            self._region = geo.lookup(self.ip) if self.ip else geo.UNKNOWN
        return self._region

    @property
    def device(self) -> str:
        return device_hash(self.device_id)

    def stored(self) -> dict[str, str]:
        """What a decision keeps of the client (see the module docstring)."""
        return {
            "ip_network": ip_network(self.ip),
            "ip_region": str(self.region) if self.region.known else "",
            "device": self.device,
            "user_agent": self.user_agent[:MAX_USER_AGENT],
        }


_current: ContextVar[ClientContext | None] = ContextVar("auric_risk_client", default=None)


def current() -> ClientContext | None:
    return _current.get()


@contextmanager
def using(client: ClientContext | None) -> Iterator[ClientContext | None]:
    token = _current.set(client)
    try:
        yield client
    finally:
        _current.reset(token)
