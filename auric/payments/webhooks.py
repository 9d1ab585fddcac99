"""The webhook entry point: one code path for every provider callback, whether it came over HTTP
(`POST /api/v1/payments/<provider>/webhook`) or from the sandbox's hosted page in-process.

verify (signature, timestamp) → record → apply once. A callback that fails verification is
recorded (signature_valid=False) and changes nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from auric.core.errors import DomainError
from auric.payments.models import Payment, ProviderCallback
from auric.payments.providers import sandbox
from auric.payments.providers.base import CallbackStatus, InvalidCallback, get_provider
from auric.payments.services import (
    DuplicateCallback,
    UnknownPayment,
    apply_callback,
    record_rejected_callback,
)


class CallbackRejected(DomainError):
    status = 400
    code = "invalid_callback"
    title = "The callback could not be verified"


@dataclass(frozen=True)
class Received:
    callback: ProviderCallback
    duplicate: bool

    @property
    def outcome(self) -> str:
        return str(self.callback.outcome)


def receive(*, provider: str, headers: Mapping[str, str], raw_body: bytes) -> Received:
    """Verify and apply one provider callback. CallbackRejected (400) for an untrusted one,
    UnknownPayment (404) for a trusted one about no payment of ours; a replay is answered with the
    first outcome and changes nothing."""
    channel = get_provider(provider)
    try:
        event = channel.verify_callback(headers, raw_body)
    except InvalidCallback as exc:
        record_rejected_callback(
            provider=provider, raw_body=raw_body, detail=str(exc), outcome=ProviderCallback.Outcome.REJECTED
        )
        raise CallbackRejected(str(exc)) from None
    try:
        record, created = apply_callback(provider=provider, event=event, raw_body=raw_body)
    except UnknownPayment as exc:
        record_rejected_callback(
            provider=provider, raw_body=raw_body, detail=exc.detail, outcome=ProviderCallback.Outcome.UNKNOWN_PAYMENT
        )
        raise
    except DuplicateCallback:
        record = ProviderCallback.objects.get(
            provider=provider, provider_event_id=event.provider_event_id, payment__isnull=False
        )
        created = False
    return Received(callback=record, duplicate=not created)


def deliver_sandbox_callback(*, payment: Payment, status: CallbackStatus) -> Received:
    """The sandbox "provider side": build and sign the callback for a button press and deliver it
    through `receive`, exactly as an HTTP callback is verified. Delivered in-process and at once (no
    HTTP request to ourselves, which a single-worker server could not answer; no outbox hop, so the
    shopper's next page already shows the outcome)."""
    if not sandbox.enabled():
        raise sandbox.SandboxDisabled()
    headers, raw_body = sandbox.build_callback(payment, status)
    return receive(provider=sandbox.NAME, headers=headers, raw_body=raw_body)
