"""Step-up with a one-time SMS code, for accounts that have no second factor.

A shopper who signs in by phone and code (`accounts.sms_login`) often has no password, passkey or
authenticator app. To confirm a sensitive change — deleting the account, above all — such an account
may step up with a code sent to its own sign-in phone:

1. `send_step_up_code(user=…, purpose=…, binding=…)` (POST /api/v1/auth/step-up/sms/send) checks
   that SMS is allowed (`stepup.sms_step_up_allowed`: a sign-in phone, neither a passkey nor an
   authenticator app, and never the purposes `payment` or `order` — COMPLIANCE D2 asks a passkey
   with user verification or TOTP for those), opens a step-up challenge for the binding and texts a
   6-digit code to the account's phone, read from the vault by the system for the purpose
   `send_notification` (logged).
2. `complete_step_up_by_sms(user=…, challenge_id=…, code=…)` (…/sms/complete) checks the code and
   creates a `StepUpGrant` (method `sms`) for the challenge's purpose and binding, which
   `stepup.require_step_up` accepts like a passkey or TOTP grant.

Codes follow the sign-in code's rules (`sms_login.new_code` / `use_code`): the same lifetime,
attempt limit, resend gap and hourly limits, kept as keyed hashes in `SmsCode`. Step-up codes are
counted under their own digest of the account's phone token, so a step-up code can never sign
anybody in and a sign-in code never confirms a change; the code's hash is keyed with the challenge,
so a code confirms only the operation it was sent for. Anything refused grants nothing; a wrong code
counts as an attempt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from auric import privacy
from auric.accounts import passkeys, sms, sms_login, stepup
from auric.accounts.models import AuthChallenge, StepUpGrant, User
from auric.core.errors import DomainError, PermissionDenied
from auric.privacy.models import Purpose

logger = logging.getLogger("auric.security")

STEP_UP_TEMPLATE = "step_up_code"
VAULT_ACTOR = "system: sms step-up"


class SmsStepUpNotAllowed(PermissionDenied):
    code = "sms_step_up_not_allowed"
    title = "This cannot be confirmed with a text message"


@dataclass(frozen=True)
class StepUpCodeSent:
    challenge_id: str
    purpose: str
    binding: dict[str, str]
    phone_masked: str
    expires_at: datetime
    expires_in: int  # seconds
    resend_after: int  # seconds


def _code_digest(user: User) -> str:
    # The account's phone token, not the number: verifying needs no reveal, and the namespace
    # differs from sign-in codes (keyed by the number) so the two kinds never match each other.
    return sms_login._digest("step_up", user.phone_token)


def _refusal(user: User, purpose: str) -> SmsStepUpNotAllowed:
    """Why this account may not step up by SMS for this purpose."""
    if purpose in stepup.SMS_FORBIDDEN_PURPOSES:
        return SmsStepUpNotAllowed(
            gettext("Payments are confirmed with your passkey or authenticator app, never with a text message."),
            reason="purpose",
            purpose=purpose,
        )
    if stepup.available_methods(user):
        return SmsStepUpNotAllowed(
            gettext("Your account has a passkey or an authenticator app: confirm with it instead."),
            reason="second_factor",
            purpose=purpose,
        )
    return SmsStepUpNotAllowed(
        gettext("Your account has no phone number to send a code to."), reason="no_phone", purpose=purpose
    )


def _action(purpose: str, binding: dict[str, str]) -> str:
    """What the code confirms, in the message, so a code asked for by someone else is recognised."""
    if binding.get("change") == "delete_account":
        return gettext("deleting your account")
    return {
        "change_phone": gettext("changing your phone number"),
        "change_password": gettext("changing your password"),
        "add_address": gettext("adding an address"),
    }.get(purpose, gettext("a change to your account"))


def send_step_up_code(*, user: User, purpose: str, binding: dict[str, Any], ip: str = "") -> StepUpCodeSent:
    """Open a step-up challenge for the binding and text its code to the account's phone. 403
    `sms_step_up_not_allowed` (see the module doc), 429 when throttled, 503 when the gateway refuses."""
    purpose = stepup._check_purpose(purpose)
    canonical = stepup.canonical_binding(binding)
    if not stepup.sms_step_up_allowed(user=user, purpose=purpose):
        raise _refusal(user, purpose)
    try:
        number = str(privacy.reveal(user.phone_token, Purpose.SEND_NOTIFICATION, actor=VAULT_ACTOR))
    except DomainError as exc:  # erased or missing: there is no phone to send to
        raise _refusal(user, purpose) from exc
    with transaction.atomic():
        challenge = passkeys.new_challenge(
            kind=AuthChallenge.Purpose.STEP_UP,
            user=user,
            step_up_purpose=purpose,
            binding=canonical,
            digest=stepup.binding_digest(canonical),
        )
    row, code, ttl = sms_login.new_code(
        phone_digest=_code_digest(user), ip_digest=sms_login.ip_digest_of(ip), context=challenge.public_id
    )
    minutes = max(1, ttl // 60)
    message = sms.SmsMessage(
        text=gettext(
            "[Auric] Your code to confirm %(action)s is %(code)s. It is valid for %(minutes)s minutes. "
            "Never share it; we never ask for it by phone."
        )
        % {"action": _action(purpose, canonical), "code": code, "minutes": minutes},
        template=STEP_UP_TEMPLATE,
        params=(code, str(minutes)),
    )
    try:
        sms_login.deliver(row, number, message)
    except sms_login.SmsUnavailable:
        AuthChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(used_at=timezone.now())
        raise
    logger.info("step-up code sent to user %s for %s", user.pk, purpose)
    return StepUpCodeSent(
        challenge_id=challenge.public_id,
        purpose=purpose,
        binding=canonical,
        phone_masked=user.phone_masked,
        expires_at=min(challenge.expires_at, row.expires_at),
        expires_in=ttl,
        resend_after=sms_login._seconds("AURIC_SMS_RESEND_SECONDS", 60),
    )


def _open_challenge(user: User, challenge_id: Any) -> AuthChallenge | None:
    """The user's unanswered, unexpired step-up challenge, locked; None for anything else."""
    if not isinstance(challenge_id, str) or not 16 <= len(challenge_id) <= 64:
        return None
    return (
        AuthChallenge.objects.select_for_update()
        .filter(
            public_id=challenge_id,
            kind=AuthChallenge.Purpose.STEP_UP,
            user=user,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def complete_step_up_by_sms(*, user: User, challenge_id: Any, code: str) -> StepUpGrant:
    """A grant for the challenge's purpose and binding when `code` is the newest code sent for it.
    Refusals grant nothing: 403 when SMS is not (or no longer) allowed, 400 `invalid_sms_code` for
    an unknown, answered or expired challenge or a wrong, expired or used-up code (a wrong code
    counts as an attempt, so the refusal is raised after the transaction commits)."""
    outcome: StepUpGrant | DomainError
    with transaction.atomic():
        row = _open_challenge(user, challenge_id)
        if row is None:
            outcome = sms_login.InvalidSmsCode(sms_login.wrong_code_message(), attempts_left=0)
        elif not stepup.sms_step_up_allowed(user=user, purpose=row.step_up_purpose):
            outcome = _refusal(user, row.step_up_purpose)  # a second factor added since the code was sent
        else:
            refused = sms_login.use_code(phone_digest=_code_digest(user), code=code, context=row.public_id)
            if refused is not None:
                outcome = refused
            else:
                AuthChallenge.objects.filter(pk=row.pk).update(used_at=timezone.now())
                outcome = stepup.grant_for(user=user, row=row, method=stepup.SMS_METHOD)
    if isinstance(outcome, DomainError):
        logger.warning("sms step-up refused for user %s: %s", user.pk, outcome.code)
        raise outcome
    logger.info("step-up granted to user %s for %s by sms", user.pk, outcome.purpose)
    return outcome
