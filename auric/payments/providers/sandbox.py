"""The sandbox provider: behaves like a real channel, without money.

- `create_payment` opens a hosted payment page at /payments/sandbox/<payment id>/ (pay, fail,
  abandon).
- A button on that page (or the test hook) makes the "provider side" build a JSON callback
  {event_id, payment_id, status, amount, currency, occurred_at} and sign it the Stripe way:
  header `Auric-Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of f"{t}.{raw_body}">`.
- `verify_callback` checks that signature in constant time and refuses timestamps more than five
  minutes away.

The secret is `AURIC_SANDBOX_PAYMENTS_SECRET`, by default derived from SECRET_KEY with HKDF-SHA256.
The whole provider exists only while `AURIC_SANDBOX_PAYMENTS` is True (production sets it False).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, cast

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from auric.core.errors import NotFound
from auric.core.money import Money
from auric.payments.providers.base import (
    CALLBACK_STATUSES,
    CallbackEvent,
    CallbackStatus,
    InvalidCallback,
    PaymentStart,
    RefundResult,
    register,
)

if TYPE_CHECKING:
    from auric.payments.models import Payment

NAME = "sandbox"
SIGNATURE_HEADER = "Auric-Sandbox-Signature"
TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 16 * 1024


class SandboxDisabled(NotFound):
    code = "sandbox_payments_disabled"
    title = "The sandbox payment provider is not enabled"


def enabled() -> bool:
    return bool(getattr(settings, "AURIC_SANDBOX_PAYMENTS", False))


def secret() -> bytes:
    configured = getattr(settings, "AURIC_SANDBOX_PAYMENTS_SECRET", "")
    if configured:
        return str(configured).encode()
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"auric sandbox payments v1")
    return hkdf.derive(settings.SECRET_KEY.encode())


def sign(raw_body: bytes, *, timestamp: int | None = None, key: bytes | None = None) -> str:
    """The signature header value for a body, as the sandbox "provider side" sends it."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(key or secret(), f"{t}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def build_callback(payment: Payment, status: CallbackStatus) -> tuple[dict[str, str], bytes]:
    """What the provider side posts for a button press: (headers, raw body)."""
    body = {
        "event_id": f"evt_{secrets.token_hex(12)}",
        "payment_id": str(payment.pk),
        "status": status,
        "amount": format(payment.amount, "f"),
        "currency": payment.currency,
        "occurred_at": timezone.now().astimezone(UTC).isoformat(),
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    return {SIGNATURE_HEADER: sign(raw), "Content-Type": "application/json"}, raw


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def _parse_signature(value: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    macs: list[str] = []
    for part in value.split(","):
        label, _, item = part.strip().partition("=")
        if label == "t" and item.isdigit():
            timestamp = int(item)
        elif label == "v1" and item:
            macs.append(item)
    if timestamp is None or not macs:
        raise InvalidCallback(f"malformed {SIGNATURE_HEADER} header")
    return timestamp, macs


class SandboxProvider:
    name = NAME

    def create_payment(self, payment: Payment) -> PaymentStart:
        if not enabled():
            raise SandboxDisabled()
        return PaymentStart(
            provider_reference=f"sbx_{secrets.token_hex(10)}",
            redirect_url=reverse("payments:sandbox_page", args=[payment.pk]),
        )

    def verify_callback(self, headers: Mapping[str, str], raw_body: bytes) -> CallbackEvent:
        header = _header(headers, SIGNATURE_HEADER)
        if not header:
            raise InvalidCallback(f"missing {SIGNATURE_HEADER} header")
        if len(raw_body) > MAX_BODY_BYTES:
            raise InvalidCallback("body too large")
        timestamp, macs = _parse_signature(header)
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise InvalidCallback("timestamp outside the tolerance of five minutes")
        expected = hmac.new(secret(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
        # Every candidate is compared (v1 may repeat while a secret rotates), each in constant time.
        if not any([hmac.compare_digest(expected.encode(), mac.encode()) for mac in macs]):
            raise InvalidCallback("signature does not match")
        return _parse_body(raw_body)

    def query_status(self, payment: Payment) -> str:
        # The sandbox keeps no books of its own: its view is what its callbacks said.
        return str(payment.state)

    def refund(self, payment: Payment, amount: Money, *, refund_id: str) -> RefundResult:
        # Like a real channel, one refund number is one refund: asked again, the same answer.
        digest = hmac.new(secret(), f"refund:{payment.pk}:{refund_id}".encode(), hashlib.sha256).hexdigest()
        return RefundResult(provider_reference=f"sbx_rf_{digest[:20]}", succeeded=True)


def _parse_body(raw_body: bytes) -> CallbackEvent:
    try:
        data = json.loads(raw_body)
        status = data["status"]
        if status not in CALLBACK_STATUSES:
            raise InvalidCallback(f"unknown status {status!r}")
        amount = Money(Decimal(str(data["amount"])), str(data["currency"]))
        occurred_at = datetime.fromisoformat(str(data["occurred_at"]))
        event_id, payment_id = str(data["event_id"]), str(data["payment_id"])
    except InvalidCallback:
        raise
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise InvalidCallback(f"malformed body: {exc}") from exc
    if not event_id or len(event_id) > 100 or timezone.is_naive(occurred_at):
        raise InvalidCallback("malformed body: event_id or occurred_at")
    return CallbackEvent(
        provider_event_id=event_id,
        payment_id=payment_id,
        status=cast(CallbackStatus, status),
        amount=amount,
        occurred_at=occurred_at,
    )


def _factory() -> SandboxProvider:
    if not enabled():
        raise SandboxDisabled()
    return SandboxProvider()


register(NAME, _factory)
