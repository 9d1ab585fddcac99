"""The shopper's data-subject rights API: consents (D1, D6), export all my data, delete my account (D3).

Every endpoint acts on the signed-in account only; rules live in `auric.privacy.consents` and
`auric.privacy.rights`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.contrib.auth import SESSION_KEY, logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema, Status

from auric.accounts import lockout
from auric.accounts.auth import API_AUTH
from auric.api import READ_ERRORS, WRITE_ERRORS, errors
from auric.privacy import consents, rights

router = Router(tags=["privacy"])
KIND = Path(..., max_length=40, pattern=r"^[a-z_]+$", description="One of " + ", ".join(consents.KINDS))


class ConsentOut(Schema):
    kind: str
    granted: bool
    is_default: bool = Field(..., description="True while the shopper never chose (the default applies)")
    text_version: str = Field(..., description="The version agreed to or withdrawn; empty for the default")
    at: datetime | None
    current_text_version: str
    current_text: str = Field(..., description="The text to show for this consent now, in the request's language")


class ConsentChangeIn(Schema):
    granted: bool
    text_version: str = Field("", max_length=40, pattern=r"^[a-z0-9-]*$", description="Default: the current text")


class ConsentHistoryOut(Schema):
    kind: str
    granted: bool
    text_version: str
    text: str
    language: str
    channel: str
    at: datetime


class DeleteIn(Schema):
    password: str = Field(
        "",
        max_length=128,
        description="The current password (an account without a usable password sends none and steps up instead)",
    )


class ReceiptOut(Schema):
    reference: str
    requested_at: datetime
    erased_values: dict[str, int]
    orders_anonymised: int


def _consent_out(state: consents.ConsentState, language: str | None) -> ConsentOut:
    text = consents.current_text(state.kind)
    return ConsentOut(
        kind=state.kind,
        granted=state.granted,
        is_default=state.is_default,
        text_version=state.text_version,
        at=state.at,
        current_text_version=text.version,
        current_text=text.in_language(language)[1],
    )


@router.get("/account/consents", auth=API_AUTH, response={200: list[ConsentOut], **READ_ERRORS, **errors(401)},
            summary="My consents and the texts they refer to")  # fmt: skip
def list_consents(request: HttpRequest) -> list[ConsentOut]:
    language = getattr(request, "LANGUAGE_CODE", None)
    return [_consent_out(state, language) for state in consents.current(request.auth).values()]  # type: ignore[attr-defined]


@router.get("/account/consents/history", auth=API_AUTH, response={200: list[ConsentHistoryOut], **READ_ERRORS, **errors(401)},
            summary="Every grant and withdrawal, newest first")  # fmt: skip
def consent_history(request: HttpRequest) -> list[dict[str, Any]]:
    return consents.history(request.auth)  # type: ignore[attr-defined]


@router.post("/account/consents/{kind}", auth=API_AUTH, response={201: ConsentOut, **WRITE_ERRORS},
             summary="Grant or withdraw one consent")  # fmt: skip
def change_consent(request: HttpRequest, payload: ConsentChangeIn, kind: str = KIND) -> Status:
    user = request.auth  # type: ignore[attr-defined]
    if payload.granted:
        version = payload.text_version or consents.current_text(kind).version
        consents.grant(
            user, kind, version, channel=consents.Channel.API, language=getattr(request, "LANGUAGE_CODE", None)
        )
    else:
        consents.withdraw(user, kind, channel=consents.Channel.API)
    return Status(201, _consent_out(consents.current(user)[kind], getattr(request, "LANGUAGE_CODE", None)))


@router.get("/account/export", auth=API_AUTH, response={200: dict[str, Any], **READ_ERRORS, **errors(401)},
            summary="Export all my data (JSON)", description="Reading your own personal values is logged.")  # fmt: skip
def export(request: HttpRequest) -> HttpResponse:
    data = rights.export_data(user=request.auth)  # type: ignore[attr-defined]
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")  # fmt: skip
    response["Content-Disposition"] = 'attachment; filename="auric-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@router.post("/account/delete", auth=API_AUTH, response={201: ReceiptOut, **WRITE_ERRORS, **errors(429)},
             summary="Delete my account",
             description="Erases my personal data and closes the account; orders stay for tax law without it. "
             "Confirm with the current password; an account with a passkey or an authenticator app also "
             "steps up first (purpose `account_change`, binding `{account, change: delete_account}`). An "
             "account without a usable password only steps up: with its passkey or app, or — with neither — "
             "with a code sent to its phone (POST /auth/step-up/sms/send, then …/sms/complete). "
             "400 `password_required` or `wrong_password`, 403 `step_up_required` (with `available` methods "
             "and how: `begin`/`complete`, or `sms`), 409 `orders_in_flight` while an order or a return is "
             "open (finish or cancel it first); 429 `login_locked` after too many wrong passwords.")  # fmt: skip
def delete(request: HttpRequest, payload: DeleteIn) -> Status:
    user = request.auth  # type: ignore[attr-defined]
    receipt = rights.delete_account(user=user, password=payload.password, ip=lockout.client_ip(request))
    if getattr(request, "session", None) is not None and request.session.get(SESSION_KEY) == str(user.pk):
        logout(request)  # this browser's session goes now; every other one ended with the password hash
    return Status(201, ReceiptOut(reference=receipt.reference, requested_at=receipt.requested_at,
                                  erased_values=receipt.erased_values, orders_anonymised=receipt.orders_anonymised))  # fmt: skip
