"""TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-second steps) with pyotp.

Enrolment: `begin_totp_enrolment` makes a new secret and returns it as an otpauth:// URI and a QR
code (SVG, segno); `confirm_totp_enrolment` activates it once the shopper types a code from the
app. Verification accepts the current step and one step either side (clock drift), and each
code once: a code is refused unless its step is later than the last accepted step, so a replayed
or older code fails even within its 90-second window.

The secret is kept in the personal-data vault (kind `totp_secret`); `TotpDevice` holds its token.
Only this module reads it back, as the system, for the purpose `verify_second_factor` (each read is
in the vault's reveal log). A replaced or removed secret is erased (crypto-shredded).
"""

from __future__ import annotations

import hmac
import io
import logging
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from auric import privacy
from auric.accounts.models import TotpDevice, User
from auric.core.errors import Conflict, DomainError, NotFound
from auric.privacy.models import Kind, Purpose

logger = logging.getLogger("auric.security")

DIGITS = 6
INTERVAL = 30
VALID_WINDOW = 1  # steps either side of now
VAULT_ACTOR = "system: totp verification"


class InvalidTotpCode(DomainError):
    status = 400
    code = "invalid_totp_code"
    title = "The one-time code is not valid"


@dataclass(frozen=True)
class TotpEnrolment:
    device: TotpDevice
    secret: str  # base32; shown once, in the URI and QR code
    otpauth_uri: str
    qr_svg: str


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)


def _issuer() -> str:
    return str(getattr(settings, "AURIC_WEBAUTHN_RP_NAME", "Auric"))


def begin_totp_enrolment(*, user: User) -> TotpEnrolment:
    """A new, unconfirmed secret for the user. Refused while a confirmed device exists (remove it
    first, which needs a current code)."""
    secret = pyotp.random_base32()  # 160 bits
    replaced = ""
    with privacy.erased_on_error(), transaction.atomic():
        existing = TotpDevice.objects.select_for_update().filter(user=user).first()
        if existing is not None and existing.is_confirmed:
            raise Conflict("An authenticator app is already set up for this account.", code_detail="totp_active")
        token = privacy.store(Kind.TOTP_SECRET, secret)
        if existing is None:
            device = TotpDevice.objects.create(user=user, secret_token=token)
        else:
            replaced = existing.secret_token
            existing.secret_token, existing.last_used_step, existing.created_at = token, 0, timezone.now()
            existing.save(update_fields=["secret_token", "last_used_step", "created_at"])
            device = existing
    if replaced:
        _erase_secret(replaced)
    uri = _totp(secret).provisioning_uri(name=user.get_username(), issuer_name=_issuer())
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True)
    return TotpEnrolment(device=device, secret=secret, otpauth_uri=uri, qr_svg=buffer.getvalue().decode())


def _secret(device: TotpDevice) -> str:
    return str(privacy.reveal(device.secret_token, Purpose.VERIFY_SECOND_FACTOR, actor=VAULT_ACTOR))


def _erase_secret(token: str) -> None:
    """Shred a secret no device uses any more; a leftover is logged, never fatal (the row is gone)."""
    try:
        privacy.erase(token)
    except Exception:
        logger.exception("totp: could not erase a replaced secret")


def _clean_code(code: str) -> str | None:
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    return code


def _matching_step(secret: str, code: str, at: datetime) -> int | None:
    totp = _totp(secret)
    now_step = totp.timecode(at)
    found = None
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        # compare every candidate (no early exit) in constant time
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _use_code(device: TotpDevice, code: str, at: datetime) -> bool:
    """Accept `code` once: the matching step must be later than the last accepted one. A
    conditional update makes two simultaneous uses of one code succeed at most once."""
    cleaned = _clean_code(code)
    if cleaned is None:  # no vault read for what cannot be a code
        return False
    step = _matching_step(_secret(device), cleaned, at)
    if step is None or step <= device.last_used_step:
        return False
    updated = TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step)
    if updated:
        device.last_used_step = step
    return bool(updated)


def confirm_totp_enrolment(*, user: User, code: str, at: datetime | None = None) -> TotpDevice:
    with transaction.atomic():
        device = TotpDevice.objects.filter(user=user).first()
        if device is None:
            raise NotFound("Start setting up an authenticator app first.")
        if device.is_confirmed:
            raise Conflict("The authenticator app is already set up.", code_detail="totp_active")
        if not _use_code(device, code, at or timezone.now()):
            raise InvalidTotpCode("The code is wrong or expired. Enter the current code from the app.")
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
    logger.info("totp enrolled for user %s", user.pk)
    return device


def verify_totp(*, user: User, code: str, at: datetime | None = None) -> bool:
    """True once for a current code of the user's confirmed device; False for a wrong, expired or
    already used code, or when the user has no confirmed device."""
    with transaction.atomic():
        device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
        if device is None:
            return False
        ok = _use_code(device, code, at or timezone.now())
    if not ok:
        logger.info("totp code refused for user %s", user.pk)
    return ok


def has_totp(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def remove_totp(*, user: User, code: str) -> None:
    """Remove the authenticator app; needs a current code from it."""
    with transaction.atomic():
        if not verify_totp(user=user, code=code):
            raise InvalidTotpCode("The code is wrong or expired. Enter the current code from the app.")
        tokens = list(TotpDevice.objects.filter(user=user).values_list("secret_token", flat=True))
        TotpDevice.objects.filter(user=user).delete()
    for token in tokens:
        if token:
            _erase_secret(token)
