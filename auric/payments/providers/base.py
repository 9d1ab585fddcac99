"""The interface every payment channel implements, and the registry of channels by name.

Alipay, WeChat Pay, cards (redirect or hosted fields only: COMPLIANCE D5 — no card data ever
reaches Auric), PayPal and instalment providers each implement `PaymentProvider` and register
themselves with `register()`. Providers are stateless; they talk to the channel and translate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from auric.core.errors import ValidationFailed
from auric.core.money import Money

if TYPE_CHECKING:
    from auric.payments.models import Payment

CallbackStatus = Literal["succeeded", "failed", "abandoned"]
CALLBACK_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "abandoned"})


class InvalidCallback(Exception):
    """A callback that cannot be trusted: bad or missing signature, stale timestamp, malformed body."""


class ProviderError(Exception):
    """The channel refused or failed a request (create, query, refund)."""


@dataclass(frozen=True)
class PaymentStart:
    """Where the shopper goes to pay: a page to redirect to, or a QR code to scan (or both)."""

    provider_reference: str
    redirect_url: str = ""
    qr_payload: str = ""


@dataclass(frozen=True)
class CallbackEvent:
    """A verified callback, in the provider-neutral form the webhook applies."""

    provider_event_id: str
    payment_id: str
    status: CallbackStatus
    amount: Money
    occurred_at: datetime

    @property
    def currency(self) -> str:
        return self.amount.currency


@dataclass(frozen=True)
class RefundResult:
    provider_reference: str
    succeeded: bool
    detail: str = ""


@runtime_checkable
class PaymentProvider(Protocol):
    name: str

    def create_payment(self, payment: Payment) -> PaymentStart:
        """Open the payment at the channel; the amount and currency are the payment's snapshot. The
        payment is not saved yet (its id is set): `start_payment` writes it with this answer."""
        ...

    def verify_callback(self, headers: Mapping[str, str], raw_body: bytes) -> CallbackEvent:
        """Check the signature (constant time) and freshness, then parse; InvalidCallback otherwise."""
        ...

    def query_status(self, payment: Payment) -> str:
        """The channel's view of the payment: created, succeeded, failed or abandoned."""
        ...

    def refund(self, payment: Payment, amount: Money, *, refund_id: str) -> RefundResult:
        """Return (part of) a succeeded payment to the payer. `refund_id` is the merchant's refund
        number: asked again with the same one, the channel answers with the first refund."""
        ...


_registry: dict[str, Callable[[], PaymentProvider]] = {}


def register(name: str, factory: Callable[[], PaymentProvider]) -> None:
    _registry[name] = factory


def provider_names() -> list[str]:
    return sorted(_registry)


def get_provider(name: str) -> PaymentProvider:
    """The provider registered under `name`; ValidationFailed (422) for an unknown one."""
    _load_builtin()
    factory = _registry.get(name)
    if factory is None:
        raise ValidationFailed(
            f"Unknown payment provider {name!r}", errors={"provider": [f"one of: {', '.join(provider_names())}"]}
        )
    return factory()


def _load_builtin() -> None:
    from auric.payments.providers import sandbox  # noqa: F401  (registers itself)
