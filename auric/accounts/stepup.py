"""Step-up authentication: a fresh proof of the user, bound to one exact operation.

A high-value payment (total ≥ `AURIC_STEP_UP_THRESHOLD`, ¥100,000 by default), a change of phone
or password, or a new shipping address right before a big order needs it. The flow:

1. The protected service calls `require_step_up(user=…, purpose="payment", binding={…})`. Without
   a fresh grant for exactly this binding it raises `StepUpRequired` (403 problem+json, code
   `step_up_required`) saying how to step up: the endpoints, the methods, the binding.
2. The client calls `begin_step_up` (POST /api/v1/auth/step-up/begin): a single-use challenge
   (≤ 5 minutes) stored with the binding, and WebAuthn request options with
   userVerification "required".
3. The client answers with a passkey assertion (the browser's fingerprint/face/PIN prompt) or a
   TOTP code — TOTP is always offered (COMPLIANCE D2) — via `complete_step_up`
   (POST /api/v1/auth/step-up/complete), which creates a `StepUpGrant` for that binding.
   An account with neither a passkey nor an authenticator app (one that signs in by SMS code) may
   instead step up with a one-time code sent to its phone (`accounts.sms_stepup`,
   POST /api/v1/auth/step-up/sms/send and …/sms/complete) — never for a payment or a high-value
   order (`SMS_FORBIDDEN_PURPOSES`, COMPLIANCE D2), and an SMS grant stops counting once the
   account has a second factor.
4. The protected service calls `require_step_up` again and proceeds. If the order changed in the
   meantime (number, amount, currency, payee), the binding differs and the grant does not count.

The assertion is verified with `require_user_verification=True`: the webauthn library does not
check the UV flag unless told to.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from auric.accounts import passkeys, totp
from auric.accounts.models import AuthChallenge, PasskeyCredential, StepUpGrant, User
from auric.core.errors import DomainError, PermissionDenied, ValidationFailed
from auric.core.money import Money

logger = logging.getLogger("auric.security")

METHODS = ("passkey", "totp")
SMS_METHOD: str = StepUpGrant.Method.SMS
BEGIN_PATH = "/api/v1/auth/step-up/begin"
COMPLETE_PATH = "/api/v1/auth/step-up/complete"
SMS_SEND_PATH = "/api/v1/auth/step-up/sms/send"
SMS_COMPLETE_PATH = "/api/v1/auth/step-up/sms/complete"
PURPOSES = frozenset({"payment", "order", "change_phone", "change_password", "add_address", "account_change"})
# COMPLIANCE D2: paying (and placing) a high-value order needs a passkey with user verification or
# TOTP; an SMS code proves only that someone holds the SIM, so it never steps up for these.
SMS_FORBIDDEN_PURPOSES = frozenset({"payment", "order"})
MAX_BINDING_KEYS = 12
MAX_BINDING_KEY = 40
MAX_BINDING_VALUE = 200


class StepUpRequired(PermissionDenied):
    code = "step_up_required"
    title = "Confirm it is you to continue"


class StepUpFailed(DomainError):
    status = 400
    code = "step_up_failed"
    title = "The confirmation was not accepted"


@dataclass(frozen=True)
class StepUpChallenge:
    challenge_id: str
    purpose: str
    binding: dict[str, str]
    expires_at: Any
    methods: tuple[str, ...] = METHODS
    options: dict[str, Any] = field(default_factory=dict)  # WebAuthn PublicKeyCredentialRequestOptions
    available: tuple[str, ...] = ()  # the methods this user has set up


# --- bindings -------------------------------------------------------------------------------


def _canonical_value(value: Any) -> str:
    if isinstance(value, Money):
        return f"{_canonical_value(value.amount)} {value.currency}"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("binding amounts must be finite")
        text = format(value.normalize(), "f")
        return text if text != "-0" else "0"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"binding values are text, integers, Decimals or Money, not {type(value).__name__}")


def canonical_binding(binding: dict[str, Any]) -> dict[str, str]:
    """The binding as text, so 100000 and 100000.00 are the same amount; 422 for a bad binding."""
    if not isinstance(binding, dict) or len(binding) > MAX_BINDING_KEYS:
        raise ValidationFailed("The binding must be an object of a few fields.", errors={"binding": ["invalid"]})
    result: dict[str, str] = {}
    for key, value in binding.items():
        try:
            text = _canonical_value(value)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed("The binding has an invalid value.", errors={f"binding.{key}": [str(exc)]}) from exc
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_BINDING_KEY or len(text) > MAX_BINDING_VALUE:
            raise ValidationFailed("The binding has an invalid field.", errors={"binding": ["field too long"]})
        if "\x00" in key or "\x00" in text:
            raise ValidationFailed("The binding has an invalid field.", errors={"binding": ["NUL byte"]})
        result[key] = text
    return dict(sorted(result.items()))


def binding_digest(binding: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(binding, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def payment_binding(*, order_number: str, amount: Money, payee: str) -> dict[str, str]:
    """The binding of a payment step-up: order number, amount, currency and payee."""
    return canonical_binding(
        {"order_number": order_number, "amount": amount.amount, "currency": amount.currency, "payee": payee}
    )


def _check_purpose(purpose: Any) -> str:
    if purpose not in PURPOSES:
        raise ValidationFailed(
            "Unknown step-up purpose.", errors={"purpose": [f"one of {', '.join(sorted(PURPOSES))}"]}
        )
    return str(purpose)


# --- threshold ------------------------------------------------------------------------------


def threshold() -> Money:
    return Money(Decimal(str(settings.AURIC_STEP_UP_THRESHOLD)), str(settings.AURIC_STEP_UP_THRESHOLD_CURRENCY))


def needs_step_up(amount: Money) -> bool:
    """True for an amount at or above the threshold. An amount in another currency than the
    threshold's needs step-up too (no exchange rate here; failing safe)."""
    limit = threshold()
    if amount.currency != limit.currency:
        return True
    return amount.amount >= limit.amount


# --- the flow -------------------------------------------------------------------------------


def available_methods(user: User) -> tuple[str, ...]:
    methods = []
    if PasskeyCredential.objects.filter(user=user).exists():
        methods.append("passkey")
    if totp.has_totp(user):
        methods.append("totp")
    return tuple(methods)


def sms_step_up_allowed(*, user: User, purpose: str) -> bool:
    """True when this account may step up for this purpose with a code sent to its phone: it has a
    sign-in phone, neither a passkey nor an authenticator app, and the purpose is not a payment."""
    return (
        purpose in PURPOSES
        and purpose not in SMS_FORBIDDEN_PURPOSES
        and user.is_active
        and bool(user.phone_token)
        and not available_methods(user)
    )


def methods_for(user: User, purpose: str) -> tuple[str, ...]:
    """The methods this user can step up with for this purpose: their second factors, else SMS."""
    if sms_step_up_allowed(user=user, purpose=purpose):
        return (SMS_METHOD,)
    return available_methods(user)


def begin_step_up(*, user: User, purpose: str, binding: dict[str, Any]) -> StepUpChallenge:
    purpose = _check_purpose(purpose)
    canonical = canonical_binding(binding)
    with transaction.atomic():
        row = passkeys.new_challenge(
            kind=AuthChallenge.Purpose.STEP_UP,
            user=user,
            step_up_purpose=purpose,
            binding=canonical,
            digest=binding_digest(canonical),
        )
    return StepUpChallenge(
        challenge_id=row.public_id,
        purpose=purpose,
        binding=canonical,
        expires_at=row.expires_at,
        options=passkeys.request_options(row=row, user=user),
        available=methods_for(user, purpose),
    )


def complete_step_up(
    *, user: User, challenge_id: Any, assertion: Any = None, totp_code: str | None = None
) -> StepUpGrant:
    """A grant for the challenge's purpose and binding, from a passkey assertion verified with
    user verification required, or a TOTP code. The challenge is used up either way."""
    if (assertion is None) == (totp_code is None):
        raise ValidationFailed(
            "Send either a passkey assertion or a one-time code.", errors={"request": ["assertion or totp_code"]}
        )
    if assertion is not None:
        assertion = passkeys.check_response_shape(assertion)
    failure: DomainError | None = None
    with transaction.atomic():
        row = passkeys.use_challenge(challenge_id=challenge_id, kind=AuthChallenge.Purpose.STEP_UP, user=user)
        credential: PasskeyCredential | None = None
        try:
            if assertion is not None:
                method = StepUpGrant.Method.PASSKEY
                credential = passkeys.verify_assertion(
                    row=row, credential=assertion, user=user, require_user_verification=True
                )
            else:
                method = StepUpGrant.Method.TOTP
                if not totp.verify_totp(user=user, code=str(totp_code)):
                    raise StepUpFailed("The code is wrong, expired or already used.", method="totp")
        except DomainError as exc:
            failure = exc
        else:
            grant = grant_for(user=user, row=row, method=method, credential=credential)
    if failure is not None:
        logger.warning("step-up refused for user %s (%s): %s", user.pk, row.step_up_purpose, failure.detail)
        if isinstance(failure, passkeys.PasskeyRejected):
            raise StepUpFailed(failure.detail, method="passkey") from failure
        raise failure
    logger.info("step-up granted to user %s for %s by %s", user.pk, grant.purpose, grant.method)
    return grant


def grant_for(
    *, user: User, row: AuthChallenge, method: str, credential: PasskeyCredential | None = None
) -> StepUpGrant:
    """The grant an answered challenge earns: its purpose and binding, fresh for a few minutes."""
    now = timezone.now()
    return StepUpGrant.objects.create(
        user=user,
        purpose=row.step_up_purpose,
        binding=row.binding,
        binding_digest=row.binding_digest,
        method=method,
        credential=credential,
        challenge=row,
        granted_at=now,
        expires_at=now + timedelta(minutes=int(settings.AURIC_STEP_UP_GRANT_MINUTES)),
    )


def step_up_with_totp(*, user: User, purpose: str, binding: dict[str, Any], code: str) -> StepUpGrant:
    """The no-JavaScript path of a page form: begin and complete a step-up with an authenticator code."""
    challenge = begin_step_up(user=user, purpose=purpose, binding=binding)
    return complete_step_up(user=user, challenge_id=challenge.challenge_id, totp_code=code)


def fresh_grant(*, user: User, purpose: str, binding: dict[str, Any]) -> StepUpGrant | None:
    """The newest unexpired grant for exactly this purpose and binding. An SMS grant counts only
    while SMS is allowed for it: not for a payment, and not once the account has a second factor."""
    canonical = canonical_binding(binding)
    grants = StepUpGrant.objects.filter(
        user=user, purpose=purpose, binding_digest=binding_digest(canonical), expires_at__gt=timezone.now()
    )
    if not sms_step_up_allowed(user=user, purpose=purpose):
        grants = grants.exclude(method=SMS_METHOD)
    return grants.order_by("-granted_at").first()


def require_step_up(*, user: User, purpose: str, binding: dict[str, Any]) -> StepUpGrant:
    """The fresh grant for exactly this purpose and binding, or StepUpRequired (403) saying how."""
    purpose = _check_purpose(purpose)
    canonical = canonical_binding(binding)
    grant = fresh_grant(user=user, purpose=purpose, binding=canonical)
    if grant is not None:
        return grant
    how: dict[str, Any] = {
        "begin": {"method": "POST", "href": BEGIN_PATH, "body": {"purpose": purpose, "binding": canonical}},
        "complete": {"method": "POST", "href": COMPLETE_PATH},
    }
    detail = "Confirm this with your passkey (fingerprint, face or device PIN) or a code from your authenticator app."
    if sms_step_up_allowed(user=user, purpose=purpose):
        detail = f"Confirm this with a one-time code we send by text message to {user.phone_masked}."
        how["sms"] = {
            "phone": user.phone_masked,
            "send": {"method": "POST", "href": SMS_SEND_PATH, "body": {"purpose": purpose, "binding": canonical}},
            "complete": {"method": "POST", "href": SMS_COMPLETE_PATH},
        }
    raise StepUpRequired(
        detail,
        purpose=purpose,
        binding=canonical,
        methods=list(METHODS),
        available=list(methods_for(user, purpose)),
        **how,
    )


def step_up_context(required: StepUpRequired) -> dict[str, Any]:
    """Template context for accounts/_step_up_form.html from a StepUpRequired error."""
    body = required.problem()
    return {"step_up": body, "step_up_binding_json": json.dumps(body.get("binding", {}), ensure_ascii=False)}
