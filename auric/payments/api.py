"""Payments API: start a payment for an order, read it, refund, and the provider webhooks.

Thin: `auric.payments.services` and `auric.payments.webhooks` do the work.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from auric.accounts import roles
from auric.accounts.auth import API_AUTH, require_permission
from auric.api import NO_NUL, READ_ERRORS, WRITE_ERRORS, DecimalStr, errors
from auric.core.errors import NotFound, PermissionDenied
from auric.core.idempotency import idempotent_call
from auric.core.money import Money
from auric.orders.models import Order
from auric.payments import services, webhooks
from auric.payments.models import Payment, Refund
from auric.payments.providers import sandbox

router = Router(tags=["payments"])


class PaymentIn(Schema):
    provider: str = Field(..., min_length=1, max_length=30, pattern=r"^[a-z0-9_]+$", examples=["sandbox"])


class PaymentOut(Schema):
    payment_id: UUID
    order_number: str
    provider: str
    state: str = Field(..., description="created, succeeded, failed or abandoned")
    amount: DecimalStr
    currency: str
    redirect_url: str = Field(..., description="Where the shopper pays (hosted page); empty for QR-only channels")
    qr_payload: str
    created_at: datetime
    completed_at: datetime | None


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        payment_id=payment.pk,
        order_number=payment.order.number,
        provider=payment.provider,
        state=payment.state,
        amount=payment.amount,
        currency=payment.currency,
        redirect_url=payment.redirect_url,
        qr_payload=payment.qr_payload,
        created_at=payment.created_at,
        completed_at=payment.completed_at,
    )


def _own_order(request: HttpRequest, number: str) -> Order:
    # Someone else's order answers exactly like no order: its number is not confirmed.
    order = Order.objects.filter(number=number, user=request.auth).first()  # type: ignore[attr-defined]
    if order is None:
        raise NotFound("No such order")
    return order


@router.post(
    "/orders/{number}/payments",
    auth=API_AUTH,
    response={201: PaymentOut, **WRITE_ERRORS, **errors(404)},
    summary="Start paying an order (honours Idempotency-Key)",
)
def create_payment(request: HttpRequest, number: str, payload: PaymentIn) -> Any:
    order = _own_order(request, number)

    def call() -> Status:
        payment = services.start_payment(order=order, provider=payload.provider, actor=request.auth)  # type: ignore[attr-defined]
        return Status(201, payment_out(payment))

    return idempotent_call(
        request, operation="orders.payments.create", body={"number": number, **payload.dict()}, call=call
    )


@router.get("/payments/{payment_id}", auth=API_AUTH, response={200: PaymentOut, **READ_ERRORS, **errors(401, 404)})
def get_payment(request: HttpRequest, payment_id: UUID) -> PaymentOut:
    user = request.auth  # type: ignore[attr-defined]
    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is None or (payment.order.user_id != user.pk and not user.has_perm("payments.view_payment")):
        raise NotFound("No such payment")
    return payment_out(payment)


class RefundIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2, examples=["100.00"])
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="Defaults to the order's currency")
    reason: str = Field(..., min_length=1, max_length=300, pattern=NO_NUL)


class RefundOut(Schema):
    refund_id: int
    payment_id: UUID
    order_number: str
    amount: DecimalStr
    currency: str
    state: str
    provider_reference: str
    reason: str
    created_at: datetime


def refund_out(refund: Refund, order: Order) -> RefundOut:
    return RefundOut(
        refund_id=refund.pk,
        payment_id=refund.payment_id,
        order_number=order.number,
        amount=refund.amount,
        currency=refund.currency,
        state=refund.state,
        provider_reference=refund.provider_reference,
        reason=refund.reason,
        created_at=refund.created_at,
    )


@router.post(
    "/orders/{number}/refunds",
    auth=API_AUTH,
    response={201: RefundOut, **WRITE_ERRORS, **errors(404)},
    summary="Refund (part of) an order through its payment provider (staff; honours Idempotency-Key)",
)
def create_refund(request: HttpRequest, number: str, payload: RefundIn) -> Any:
    user = require_permission(request, "payments.add_refund")
    if roles.is_store_scoped(user) or roles.is_read_only(user):
        raise PermissionDenied("Refunds are made by operators and customer service.")
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise NotFound("No such order")
    limit = roles.refund_limit(user)
    if limit is not None and order.refunded_total + payload.amount > limit:  # counts earlier refunds too
        raise PermissionDenied(f"Refunds above {limit} per order need an operator.", limit=str(limit))

    def call() -> Status:
        money = Money(payload.amount, payload.currency or order.currency)
        refund = services.refund_payment(order=order, amount=money, reason=payload.reason, actor=user)
        return Status(201, refund_out(refund, order))

    return idempotent_call(
        request, operation="orders.refunds.create", body={"number": number, **payload.dict()}, call=call
    )


class CallbackOut(Schema):
    outcome: str = Field(..., description="applied, ignored, amount_mismatch or needs_attention")
    duplicate: bool = Field(..., description="True when this event had been received before")


@router.post(
    "/payments/{provider}/webhook",
    auth=None,
    response={201: CallbackOut, 200: CallbackOut, **WRITE_ERRORS, **errors(404)},
    summary="Provider callback (signed; raw JSON body): 201 when first received, 200 for a replay",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
def provider_webhook(request: HttpRequest, provider: str) -> Status:
    received = webhooks.receive(provider=provider, headers=request.headers, raw_body=request.body)
    out = CallbackOut(outcome=received.outcome, duplicate=received.duplicate)
    return Status(200 if received.duplicate else 201, out)


class CompleteIn(Schema):
    status: Literal["succeeded", "failed", "abandoned"]


class CompleteOut(Schema):
    payment_id: UUID
    state: str
    outcome: str
    duplicate: bool


@router.post(
    "/payments/sandbox/{payment_id}/complete",
    auth=None,
    response={201: CompleteOut, **WRITE_ERRORS, **errors(404)},
    summary="Test hook: the sandbox sends its signed callback (only while the sandbox is enabled)",
)
def complete_sandbox_payment(request: HttpRequest, payment_id: UUID, payload: CompleteIn) -> Any:
    if not sandbox.enabled():
        raise sandbox.SandboxDisabled()
    payment = Payment.objects.filter(pk=payment_id, provider=sandbox.NAME).first()
    if payment is None:
        raise NotFound("No such sandbox payment")
    received = webhooks.deliver_sandbox_callback(payment=payment, status=payload.status)
    payment.refresh_from_db()
    return Status(
        201,
        CompleteOut(payment_id=payment.pk, state=payment.state, outcome=received.outcome, duplicate=received.duplicate),
    )
