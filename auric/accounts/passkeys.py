"""Passkeys (WebAuthn) with the `webauthn` library: register, sign in, and the assertion check
that step-up uses.

Every ceremony starts with a challenge row (`AuthChallenge`): 32 random bytes, single-use and
expiring after `AURIC_WEBAUTHN_CHALLENGE_SECONDS` (≤ 5 minutes). Answering a challenge uses it up,
whether the answer is accepted or not, so a response cannot be replayed or retried against it.
All ceremonies require user verification (fingerprint, face or device PIN on the authenticator:
the server never sees biometric data — COMPLIANCE D2). A refused response changes nothing but the
challenge: no credential is stored and no sign count moves.

The browser side is `auric/storefront/static/storefront/passkey.js`.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from auric.accounts.models import AuthChallenge, PasskeyCredential, User
from auric.core.errors import DomainError, ValidationFailed

logger = logging.getLogger("auric.security")

MAX_RESPONSE_BYTES = 32 * 1024  # a real response is a few kilobytes
MAX_CREDENTIAL_ID_CHARS = 1400  # 1023 bytes in base64url
KNOWN_TRANSPORTS = frozenset(t.value for t in AuthenticatorTransport)


class InvalidChallenge(DomainError):
    status = 400
    code = "invalid_challenge"
    title = "The challenge is unknown, expired or already used"


class PasskeyRejected(DomainError):
    status = 400
    code = "passkey_rejected"
    title = "The passkey response was not accepted"


@dataclass(frozen=True)
class Ceremony:
    """A started ceremony: the challenge id to send back and the options for the browser."""

    challenge_id: str
    options: dict[str, Any]
    expires_at: Any


# --- configuration --------------------------------------------------------------------------


def rp_id() -> str:
    return str(settings.AURIC_WEBAUTHN_RP_ID)


def expected_origins() -> list[str]:
    return [o for o in settings.AURIC_WEBAUTHN_ORIGINS if o]


def challenge_seconds() -> int:
    return min(300, int(settings.AURIC_WEBAUTHN_CHALLENGE_SECONDS))


def user_handle(user: User) -> bytes:
    """An opaque, stable WebAuthn user handle (no personal data)."""
    return salted_hmac("auric.accounts.passkeys.user_handle", str(user.pk), algorithm="sha256").digest()[:16]


# --- challenges -----------------------------------------------------------------------------


def new_challenge(
    *, kind: str, user: User | None, step_up_purpose: str = "", binding: dict | None = None, digest: str = ""
) -> AuthChallenge:
    now = timezone.now()
    return AuthChallenge.objects.create(
        public_id=secrets.token_urlsafe(24),
        user=user,
        kind=kind,
        challenge=bytes_to_base64url(secrets.token_bytes(32)),
        step_up_purpose=step_up_purpose,
        binding=binding or {},
        binding_digest=digest,
        created_at=now,
        expires_at=now + timedelta(seconds=challenge_seconds()),
    )


def use_challenge(*, challenge_id: Any, kind: str, user: User | None = None) -> AuthChallenge:
    """Take a challenge for answering: exists, right kind (and user), unexpired, unused. Marks it
    used with a conditional update, so it can be answered once even under concurrency."""
    if not isinstance(challenge_id, str) or not 16 <= len(challenge_id) <= 64:
        raise InvalidChallenge("Unknown challenge. Start again.", reason="unknown")
    row = AuthChallenge.objects.filter(public_id=challenge_id, kind=kind).first()
    if row is None or (user is not None and row.user_id != user.pk):
        raise InvalidChallenge("Unknown challenge. Start again.", reason="unknown")
    now = timezone.now()
    if row.used_at is not None:
        logger.warning("replayed %s challenge %s", kind, row.pk)
        raise InvalidChallenge("This challenge was already used. Start again.", reason="used")
    if row.expires_at <= now:
        raise InvalidChallenge("This challenge has expired. Start again.", reason="expired")
    if not AuthChallenge.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        logger.warning("replayed %s challenge %s", kind, row.pk)
        raise InvalidChallenge("This challenge was already used. Start again.", reason="used")
    row.used_at = now
    return row


def purge_expired_challenges(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete challenges that expired more than `older_than` ago and led to no grant (run daily)."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        deleted, _ = AuthChallenge.objects.filter(expires_at__lt=cutoff, grant__isnull=True).delete()
    return deleted


def challenge_bytes(row: AuthChallenge) -> bytes:
    from webauthn.helpers import base64url_to_bytes

    return base64url_to_bytes(row.challenge)


# --- input checks ---------------------------------------------------------------------------


def check_response_shape(credential: Any) -> dict[str, Any]:
    """A browser PublicKeyCredential in JSON form, bounded in size; else 422."""
    if not isinstance(credential, dict):
        raise ValidationFailed("The passkey response must be an object.", errors={"credential": ["must be an object"]})
    try:
        size = len(json.dumps(credential, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("The passkey response is malformed.", errors={"credential": ["malformed"]}) from exc
    if size > MAX_RESPONSE_BYTES:
        raise ValidationFailed("The passkey response is too large.", errors={"credential": ["too large"]})
    cred_id = credential.get("id")
    if not isinstance(cred_id, str) or not 1 <= len(cred_id) <= MAX_CREDENTIAL_ID_CHARS or "\x00" in cred_id:
        raise ValidationFailed(
            "The passkey response has no valid id.", errors={"credential.id": ["missing or too long"]}
        )
    return credential


def _library_call(fn: Any, what: str, **kwargs: Any) -> Any:
    """Run a webauthn verification; anything it raises on hostile input is the client's problem."""
    try:
        return fn(**kwargs)
    except Exception as exc:  # parsers raise many types on malformed input; all are 400
        logger.warning("%s refused: %s", what, exc)
        raise PasskeyRejected(f"The passkey response was not accepted: {exc}") from exc


# --- registration ---------------------------------------------------------------------------


def begin_registration(*, user: User) -> Ceremony:
    with transaction.atomic():
        row = new_challenge(kind=AuthChallenge.Purpose.REGISTER, user=user)
        existing = [
            PublicKeyCredentialDescriptor(id=_b64(c.credential_id))
            for c in PasskeyCredential.objects.filter(user=user).only("credential_id")
        ]
    options = generate_registration_options(
        rp_id=rp_id(),
        rp_name=str(settings.AURIC_WEBAUTHN_RP_NAME),
        user_id=user_handle(user),
        user_name=user.get_username(),
        user_display_name=user.get_username(),
        challenge=challenge_bytes(row),
        timeout=challenge_seconds() * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=existing,
    )
    return Ceremony(challenge_id=row.public_id, options=json.loads(options_to_json(options)), expires_at=row.expires_at)


def _b64(value: str) -> bytes:
    from webauthn.helpers import base64url_to_bytes

    return base64url_to_bytes(value)


def _transports(credential: dict[str, Any]) -> list[str]:
    response = credential.get("response")
    raw = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(raw, list):
        return []
    return sorted({t for t in raw[:10] if isinstance(t, str) and t in KNOWN_TRANSPORTS})


def complete_registration(*, user: User, challenge_id: Any, credential: Any, name: str = "") -> PasskeyCredential:
    credential = check_response_shape(credential)
    failure: DomainError | None = None
    with transaction.atomic():
        row = use_challenge(challenge_id=challenge_id, kind=AuthChallenge.Purpose.REGISTER, user=user)
        try:
            verified = _library_call(
                verify_registration_response,
                "passkey registration",
                credential=credential,
                expected_challenge=challenge_bytes(row),
                expected_rp_id=rp_id(),
                expected_origin=expected_origins(),
                require_user_verification=True,
            )
            cred_id = bytes_to_base64url(verified.credential_id)
            if PasskeyCredential.objects.filter(credential_id=cred_id).exists():
                raise PasskeyRejected("This passkey is already registered.")
        except DomainError as exc:
            failure = exc  # the challenge stays used; nothing else is written
        else:
            passkey = PasskeyCredential.objects.create(
                user=user,
                name=(name or "").strip()[:80] or "passkey",
                credential_id=cred_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=_transports(credential),
                aaguid=str(verified.aaguid),
                backed_up=bool(verified.credential_backed_up),
            )
    if failure is not None:
        raise failure
    logger.info("passkey %s registered for user %s", passkey.pk, user.pk)
    return passkey


# --- assertions (sign-in and step-up) ---------------------------------------------------------


def request_options(*, row: AuthChallenge, user: User | None) -> dict[str, Any]:
    allow = []
    if user is not None:
        allow = [
            PublicKeyCredentialDescriptor(
                id=_b64(c.credential_id),
                transports=[AuthenticatorTransport(t) for t in c.transports if t in KNOWN_TRANSPORTS] or None,
            )
            for c in PasskeyCredential.objects.filter(user=user).only("credential_id", "transports")
        ]
    options = generate_authentication_options(
        rp_id=rp_id(),
        challenge=challenge_bytes(row),
        timeout=challenge_seconds() * 1000,
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return json.loads(options_to_json(options))


def verify_assertion(
    *, row: AuthChallenge, credential: dict[str, Any], user: User | None, require_user_verification: bool
) -> PasskeyCredential:
    """Check an assertion against a used-up challenge row and record the new sign count. Raises
    PasskeyRejected (bad signature, wrong origin or RP id, sign count going back, no user
    verification when required, unknown credential). Call inside the caller's transaction."""
    stored = PasskeyCredential.objects.filter(credential_id=credential["id"]).select_related("user").first()
    if stored is None or (user is not None and stored.user_id != user.pk) or not stored.user.is_active:
        raise PasskeyRejected("This passkey is not registered for this account.")
    verified = _library_call(
        verify_authentication_response,
        "passkey assertion",
        credential=credential,
        expected_challenge=challenge_bytes(row),
        expected_rp_id=rp_id(),
        expected_origin=expected_origins(),
        credential_public_key=bytes(stored.public_key),
        credential_current_sign_count=stored.sign_count,
        require_user_verification=require_user_verification,
    )
    now = timezone.now()
    updated = PasskeyCredential.objects.filter(pk=stored.pk, sign_count=stored.sign_count).update(
        sign_count=verified.new_sign_count, last_used_at=now, backed_up=bool(verified.credential_backed_up)
    )
    if not updated:  # another assertion moved the counter meanwhile: treat as a clone
        raise PasskeyRejected("The passkey was used concurrently; try again.")
    stored.sign_count, stored.last_used_at = verified.new_sign_count, now
    return stored


def begin_login(*, username: str = "") -> Ceremony:
    """Options for signing in with a passkey. Without a username the browser offers the passkeys
    it holds for this site (discoverable credentials). An unknown username gets the same answer
    shape as a known one, so the endpoint does not reveal which names exist."""
    user = User.objects.filter(username__iexact=username, is_active=True).first() if username else None
    with transaction.atomic():
        row = new_challenge(kind=AuthChallenge.Purpose.LOGIN, user=None)
    return Ceremony(challenge_id=row.public_id, options=request_options(row=row, user=user), expires_at=row.expires_at)


def complete_login(*, challenge_id: Any, credential: Any) -> User:
    credential = check_response_shape(credential)
    failure: DomainError | None = None
    with transaction.atomic():
        row = use_challenge(challenge_id=challenge_id, kind=AuthChallenge.Purpose.LOGIN)
        try:
            stored = verify_assertion(row=row, credential=credential, user=None, require_user_verification=True)
        except DomainError as exc:
            failure = exc
    if failure is not None:
        raise failure
    logger.info("passkey sign-in of user %s with passkey %s", stored.user_id, stored.pk)
    return stored.user


def remove_passkey(*, user: User, passkey_id: int) -> None:
    from auric.core.errors import NotFound

    with transaction.atomic():
        deleted, _ = PasskeyCredential.objects.filter(pk=passkey_id, user=user).delete()
    if not deleted:
        raise NotFound("No such passkey.")
