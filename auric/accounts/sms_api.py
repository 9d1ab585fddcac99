"""Accounts API: sign in with a phone number and an SMS code, and the shopper's identity verification.

POST /auth/sms/send {phone} → 202, the same for every number; POST /auth/sms/verify {phone, code} →
201, a browser session and, when asked, a bearer token (as /auth/token). POST /auth/step-up/sms/send
{purpose, binding} → 202 and POST /auth/step-up/sms/complete {challenge_id, code} → 201: a step-up by
SMS code for an account without a second factor (`accounts.sms_stepup`). GET/POST /account/identity:
the real name and resident ID number a large purchase needs (COMPLIANCE D4, `accounts.identity`).
The rules are in `accounts.sms_login`, `accounts.sms_stepup` and `accounts.identity`; this module
parses and shapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from auric.accounts import identity, lockout, sms_login, sms_stepup
from auric.accounts.auth import API_AUTH
from auric.accounts.services import issue_api_token
from auric.api import NO_NUL, WRITE_ERRORS, errors, problem_response, text

router = Router(tags=["accounts"])

PHONE = Field(..., min_length=1, max_length=32, pattern=NO_NUL, examples=["13800138000"])


class SmsSendIn(Schema):
    phone: str = PHONE


class SmsSendOut(Schema):
    detail: str
    expires_in: int = Field(..., description="Seconds the code stays valid")
    resend_after: int = Field(..., description="Seconds before another code can be asked for")


class SmsVerifyIn(Schema):
    phone: str = PHONE
    code: str = Field(..., min_length=1, max_length=12, pattern=r"^[0-9 ]+$")
    issue_token: bool = Field(False, description="Also return a bearer token (as POST /auth/token)")
    token_name: str = text(80, default="phone", description="A name for the token (device or app)")


class SmsSignedInOut(Schema):
    id: int
    username: str
    created: bool = Field(..., description="True when this sign-in created the account")
    token: str | None = Field(None, description="Send as `Authorization: Bearer <token>`; shown once")
    token_type: str | None = None


def _throttled_response(exc: sms_login.SmsThrottled) -> HttpResponse:
    response = problem_response(exc.problem(), exc.status)
    response["Retry-After"] = str(exc.extra.get("retry_after", 60))
    return response


@router.post(
    "/auth/sms/send",
    response={202: SmsSendOut, **WRITE_ERRORS, **errors(429, 503)},
    summary="Send a sign-in code by SMS",
    description="The same answer whether or not an account uses the number. One code a minute per number, "
    "a few an hour per number and per client: 429 with Retry-After.",
)
def sms_send(request: HttpRequest, payload: SmsSendIn) -> Any:
    try:
        sent = sms_login.send_sign_in_code(phone=payload.phone, ip=lockout.client_ip(request))
    except sms_login.SmsThrottled as exc:
        return _throttled_response(exc)
    return Status(
        202,
        SmsSendOut(
            detail="If this number can receive text messages, a sign-in code is on its way.",
            expires_in=sent.expires_in,
            resend_after=sent.resend_after,
        ),
    )


@router.post(
    "/auth/sms/verify",
    response={201: SmsSignedInOut, **WRITE_ERRORS},
    summary="Sign in with an SMS code (starts a browser session)",
    description="A number without an account gets a new shopper account on its first verified sign-in.",
)
def sms_verify(request: HttpRequest, payload: SmsVerifyIn) -> Status:
    signed_in = sms_login.verify_sign_in_code(phone=payload.phone, code=payload.code)
    user = signed_in.user
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    token = issue_api_token(user=user, name=payload.token_name or "phone").secret if payload.issue_token else None
    out = SmsSignedInOut(
        id=user.pk,
        username=user.username,
        created=signed_in.created,
        token=token,
        token_type="Bearer" if token else None,
    )
    return Status(201, out)


# --- step-up by SMS code (accounts without a second factor) -----------------------------------------

CHALLENGE_ID = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class SmsStepUpSendIn(Schema):
    purpose: str = Field(..., max_length=40, pattern=r"^[a-z_]+$", examples=["account_change"])
    binding: dict[str, str] = Field(
        ...,
        description="Exactly the `binding` of the step_up_required problem",
        examples=[{"account": "1", "change": "delete_account"}],
    )


class SmsStepUpSentOut(Schema):
    detail: str
    challenge_id: str = Field(..., description="Send back with the code")
    purpose: str
    binding: dict[str, str]
    phone: str = Field(..., description="The masked number the code went to")
    expires_at: datetime
    expires_in: int = Field(..., description="Seconds the code stays valid")
    resend_after: int = Field(..., description="Seconds before another code can be asked for")


class SmsStepUpCompleteIn(Schema):
    challenge_id: str = CHALLENGE_ID
    code: str = Field(..., min_length=1, max_length=12, pattern=r"^[0-9 ]+$")


class SmsStepUpGrantOut(Schema):
    purpose: str
    binding: dict[str, str]
    method: str = Field(..., description='"sms"')
    expires_at: datetime


@router.post(
    "/auth/step-up/sms/send",
    auth=API_AUTH,
    response={202: SmsStepUpSentOut, **WRITE_ERRORS, **errors(429, 503)},
    summary="Start a step-up by SMS code (accounts without a passkey or authenticator app)",
    description="Texts a one-time code to the account's sign-in phone. Only for an account with neither a "
    "passkey nor an authenticator app, and never for the purposes `payment` or `order`: 403 "
    "`sms_step_up_not_allowed` with `reason` (purpose, second_factor, no_phone). One code a minute and a few "
    "an hour: 429 with Retry-After.",
)
def sms_step_up_send(request: HttpRequest, payload: SmsStepUpSendIn) -> Any:
    try:
        sent = sms_stepup.send_step_up_code(
            user=request.auth,  # type: ignore[attr-defined]
            purpose=payload.purpose,
            binding=payload.binding,
            ip=lockout.client_ip(request),
        )
    except sms_login.SmsThrottled as exc:
        return _throttled_response(exc)
    return Status(
        202,
        SmsStepUpSentOut(
            detail=f"A code is on its way to {sent.phone_masked}.",
            challenge_id=sent.challenge_id,
            purpose=sent.purpose,
            binding=sent.binding,
            phone=sent.phone_masked,
            expires_at=sent.expires_at,
            expires_in=sent.expires_in,
            resend_after=sent.resend_after,
        ),
    )


@router.post(
    "/auth/step-up/sms/complete",
    auth=API_AUTH,
    response={201: SmsStepUpGrantOut, **WRITE_ERRORS},
    summary="Finish a step-up with the SMS code",
    description="400 `invalid_sms_code` for a wrong, expired or used-up code or challenge (a wrong code counts "
    "as one of a few attempts); 403 `sms_step_up_not_allowed` when the account has a second factor by now.",
)
def sms_step_up_complete(request: HttpRequest, payload: SmsStepUpCompleteIn) -> Status:
    grant = sms_stepup.complete_step_up_by_sms(
        user=request.auth,  # type: ignore[attr-defined]
        challenge_id=payload.challenge_id,
        code=payload.code,
    )
    return Status(
        201,
        SmsStepUpGrantOut(
            purpose=grant.purpose, binding=grant.binding, method=grant.method, expires_at=grant.expires_at
        ),
    )


# --- identity verification (COMPLIANCE D4) ------------------------------------------------------


class IdentityIn(Schema):
    name: str = Field(..., min_length=1, max_length=60, pattern=NO_NUL, examples=["张三"])
    id_number: str = Field(..., min_length=1, max_length=24, pattern=NO_NUL, description="Resident ID, 18 characters")


class IdentityOut(Schema):
    verified: bool
    name_masked: str | None = None
    id_number_masked: str | None = None
    verified_at: datetime | None = None


def _identity_out(record: Any) -> IdentityOut:
    if record is None:
        return IdentityOut(verified=False)
    return IdentityOut(
        verified=True,
        name_masked=record.name_masked,
        id_number_masked=record.id_number_masked,
        verified_at=record.verified_at,
    )


@router.get(
    "/account/identity",
    auth=API_AUTH,
    response={200: IdentityOut, **errors(400, 401, 422)},
    summary="My identity verification (masked)",
)
def identity_get(request: HttpRequest) -> IdentityOut:
    return _identity_out(identity.verification_of(request.auth))  # type: ignore[attr-defined]


@router.post(
    "/account/identity",
    auth=API_AUTH,
    response={201: IdentityOut, **WRITE_ERRORS},
    summary="Verify my identity: real name and resident ID number",
    description="Needed once before purchases of one day reach the large-transaction threshold (COMPLIANCE D4). "
    "The values go to the personal-data vault; only masked forms are shown. 409 when already verified.",
)
def identity_post(request: HttpRequest, payload: IdentityIn) -> Status:
    record = identity.verify_identity(
        user=request.auth,  # type: ignore[attr-defined]
        name=payload.name,
        id_number=payload.id_number,
    )
    return Status(201, _identity_out(record))
