"""Sign in with a mainland mobile number and a one-time code sent by SMS (the Chinese default).

`send_sign_in_code(phone=…, ip=…)` sends a 6-digit code valid for `AURIC_SMS_CODE_SECONDS` (300).
It answers the same for every well-formed number — registered or not — so it cannot be used to learn
which numbers have accounts; it sends to unknown numbers too, because a first verified sign-in creates
a shopper account (`AURIC_SMS_SIGNUP`, on by default). Sends are throttled per number (one per
`AURIC_SMS_RESEND_SECONDS`, `AURIC_SMS_MAX_PER_HOUR_PER_PHONE` an hour) and per client IP
(`AURIC_SMS_MAX_PER_HOUR_PER_IP`): `SmsThrottled`, 429 with `retry_after`.

`verify_sign_in_code(phone=…, code=…)` returns the account: a code works once, for
`AURIC_SMS_MAX_ATTEMPTS` (5) tries, and only the newest code of a number counts. Wrong, expired, used
or unknown codes all answer `InvalidSmsCode` (400).

Nothing here stores a phone number or a code in the commerce database: codes are kept as keyed hashes
and numbers as keyed digests (`SmsCode`); the account's number is in the vault (kind `phone`), found
by its blind index (`privacy.find`), with a token and a masked form on `User`.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from auric import privacy
from auric.accounts import sms
from auric.accounts.models import SmsCode, User
from auric.core.errors import DomainError, PermissionDenied, ValidationFailed
from auric.privacy.models import Kind

logger = logging.getLogger("auric.security")

CODE_DIGITS = 6
# A mainland China mobile number: 11 digits starting 13–19, optionally written with +86 / 86.
_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()]")
SIGN_IN_TEMPLATE = "sign_in_code"


class SmsThrottled(DomainError):
    status = 429
    code = "sms_throttled"
    title = "Too many codes requested"


class InvalidSmsCode(DomainError):
    status = 400
    code = "invalid_sms_code"
    title = "The code is not valid"


class SmsUnavailable(DomainError):
    status = 503
    code = "sms_unavailable"
    title = "Text messages cannot be sent right now"


class PhoneNotRegistered(PermissionDenied):
    code = "phone_not_registered"
    title = "No account uses this phone number"


class AccountInactive(PermissionDenied):
    code = "account_inactive"
    title = "This account is disabled"


@dataclass(frozen=True)
class CodeSent:
    expires_in: int  # seconds
    resend_after: int  # seconds


@dataclass(frozen=True)
class SignedIn:
    user: User
    created: bool  # a new shopper account for this number


# --- values -------------------------------------------------------------------------------------


def normalise_phone(phone: str) -> str:
    """The 11 digits of a mainland mobile number; 422 for anything else."""
    text = _SEPARATORS.sub("", str(phone or ""))[:32]
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if not text.isascii() or not _MAINLAND_MOBILE.fullmatch(text):
        raise ValidationFailed(
            "Enter a mainland China mobile number.", errors={"phone": ["a mainland China mobile number, 11 digits"]}
        )
    return text


def _digest(purpose: str, value: str) -> str:
    # Keyed with SECRET_KEY, not the vault's index key: these digests must not match the vault's index.
    return salted_hmac(f"auric.accounts.sms_login.{purpose}", value, algorithm="sha256").hexdigest()


def _code_hash(code_row_salt: str, code: str) -> str:
    return _digest(f"code.{code_row_salt}", code)


def _seconds(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- sending ------------------------------------------------------------------------------------


def _check_throttles(*, phone_digest: str, ip_digest: str, now: datetime) -> None:
    gap = _seconds("AURIC_SMS_RESEND_SECONDS", 60)
    hour_ago = now - timedelta(hours=1)
    latest = SmsCode.objects.filter(phone_digest=phone_digest).order_by("-created_at").first()
    if latest is not None and latest.created_at > now - timedelta(seconds=gap):
        wait = gap - int((now - latest.created_at).total_seconds())
        raise SmsThrottled(
            gettext("Wait a minute before asking for another code."), retry_after=max(1, wait), scope="phone"
        )
    limits = (
        ("phone", {"phone_digest": phone_digest}, _seconds("AURIC_SMS_MAX_PER_HOUR_PER_PHONE", 5)),
        ("ip", {"ip_digest": ip_digest}, _seconds("AURIC_SMS_MAX_PER_HOUR_PER_IP", 20)),
    )
    for scope, match, limit in limits:
        if scope == "ip" and not ip_digest:
            continue
        sent = SmsCode.objects.filter(**match, created_at__gt=hour_ago).order_by("created_at")
        if sent.count() >= limit:
            oldest = sent.values_list("created_at", flat=True).first() or now
            wait = 3600 - int((now - oldest).total_seconds())
            raise SmsThrottled(
                gettext("Too many codes were requested. Try again later."), retry_after=max(1, wait), scope=scope
            )
    # The database check above is durable; this makes two simultaneous requests for one number
    # send one code (cache.add is atomic in local memory and Redis).
    if not cache.add(f"auric:sms:gap:{phone_digest}", 1, timeout=gap):
        raise SmsThrottled(gettext("Wait a minute before asking for another code."), retry_after=gap, scope="phone")


def new_code(*, phone_digest: str, ip_digest: str, context: str = "") -> tuple[SmsCode, str, int]:
    """A fresh code for a number (older active ones are replaced), after the throttles: (row, code,
    lifetime in seconds). `context` binds the code's hash to something else the caller checks (a
    step-up challenge), so the code matches only with it. Runs in its own transaction."""
    now = timezone.now()
    ttl = _seconds("AURIC_SMS_CODE_SECONDS", 300)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(8)
    with transaction.atomic():
        _check_throttles(phone_digest=phone_digest, ip_digest=ip_digest, now=now)
        SmsCode.objects.filter(phone_digest=phone_digest, state=SmsCode.State.ACTIVE).update(
            state=SmsCode.State.REPLACED
        )
        row = SmsCode.objects.create(
            phone_digest=phone_digest,
            ip_digest=ip_digest,
            code_hash=f"{salt}${_code_hash(salt + context, code)}",
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    return row, code, ttl


def deliver(row: SmsCode, number: str, message: sms.SmsMessage) -> None:
    """Send the message with a new code; a gateway refusal voids the code (503 SmsUnavailable)."""
    try:
        sms.send(number, message)
    except sms.SmsError as exc:
        SmsCode.objects.filter(pk=row.pk, state=SmsCode.State.ACTIVE).update(state=SmsCode.State.FAILED)
        raise SmsUnavailable(gettext("The code could not be sent. Try again in a few minutes.")) from exc


def ip_digest_of(ip: str) -> str:
    return _digest("ip", ip) if ip else ""


def send_sign_in_code(*, phone: str, ip: str = "") -> CodeSent:
    """Send a sign-in code to the number (registered or not). 422 for a malformed number, 429 when
    throttled, 503 when the gateway refuses; otherwise the same answer for every number."""
    number = normalise_phone(phone)
    row, code, ttl = new_code(phone_digest=_digest("phone", number), ip_digest=ip_digest_of(ip))
    minutes = max(1, ttl // 60)
    message = sms.SmsMessage(
        text=gettext("[Auric] Your sign-in code is %(code)s. It is valid for %(minutes)s minutes. Never share it.")
        % {"code": code, "minutes": minutes},
        template=SIGN_IN_TEMPLATE,
        params=(code, str(minutes)),
    )
    deliver(row, number, message)
    return CodeSent(expires_in=ttl, resend_after=_seconds("AURIC_SMS_RESEND_SECONDS", 60))


# --- verifying ----------------------------------------------------------------------------------


def _matches(row: SmsCode, code: str, context: str = "") -> bool:
    salt, _, expected = row.code_hash.partition("$")
    return hmac.compare_digest(expected, _code_hash(salt + context, code))


def wrong_code_message() -> str:
    return gettext("The code is wrong or has expired. Ask for a new code.")


def use_code(*, phone_digest: str, code: str, context: str = "") -> InvalidSmsCode | None:
    """Use the newest active code of a number: None when `code` is it (it is used up), else the
    refusal to raise. A wrong code counts as an attempt, so the caller runs this inside its
    transaction and raises the refusal only after the transaction commits."""
    cleaned = _clean_code(code)
    now = timezone.now()
    max_attempts = _seconds("AURIC_SMS_MAX_ATTEMPTS", 5)
    row = (
        SmsCode.objects.select_for_update()
        .filter(phone_digest=phone_digest, state=SmsCode.State.ACTIVE, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if row is None or row.attempts >= max_attempts:
        return InvalidSmsCode(wrong_code_message(), attempts_left=0)
    if not cleaned or not _matches(row, cleaned, context):
        attempts = row.attempts + 1
        state = SmsCode.State.EXHAUSTED if attempts >= max_attempts else SmsCode.State.ACTIVE
        SmsCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, state=state)
        return InvalidSmsCode(wrong_code_message(), attempts_left=max(0, max_attempts - attempts))
    if not SmsCode.objects.filter(pk=row.pk, state=SmsCode.State.ACTIVE).update(
        state=SmsCode.State.USED, used_at=now, attempts=F("attempts") + 1
    ):  # a simultaneous request used it first (the row lock makes this rare)
        return InvalidSmsCode(wrong_code_message(), attempts_left=0)
    return None


def _clean_code(code: str) -> str:
    text = "".join(str(code or "").split())
    return text if len(text) == CODE_DIGITS and text.isascii() and text.isdigit() else ""


def _account_for(number: str) -> User | None:
    tokens = privacy.find(Kind.PHONE, number)
    if not tokens:
        return None
    # The earliest account wins if the number were ever on two (sign-up by code cannot do that).
    return User.objects.filter(phone_token__in=tokens).order_by("pk").first()


def _new_shopper(number: str) -> User:
    token, masked = privacy.store_masked(Kind.PHONE, number)
    username = f"m{secrets.token_hex(6)}"
    while User.objects.filter(username=username).exists():  # 48 bits: a clash is a curiosity
        username = f"m{secrets.token_hex(6)}"
    user = User(username=username, phone_token=token, phone_masked=masked)
    user.set_unusable_password()  # signs in by code (or sets a password later)
    user.save()
    return user


def verify_sign_in_code(*, phone: str, code: str) -> SignedIn:
    """The account of the number whose newest code this is; creates a shopper account for a number
    without one (when `AURIC_SMS_SIGNUP`). InvalidSmsCode (400) for anything else; a wrong code
    counts as an attempt even though the call fails."""
    number = normalise_phone(phone)
    # A refusal is raised after the block commits, so the attempt it counted is kept.
    outcome: SignedIn | DomainError
    with privacy.erased_on_error(), transaction.atomic():
        refused = use_code(phone_digest=_digest("phone", number), code=code)
        outcome = refused if refused is not None else _sign_in(number)
    if isinstance(outcome, DomainError):
        logger.info("sms sign-in refused: %s", outcome.code)
        raise outcome
    logger.info("sms sign-in of user %s%s", outcome.user.pk, " (new account)" if outcome.created else "")
    return outcome


def _sign_in(number: str) -> SignedIn:
    user = _account_for(number)
    if user is not None:
        if not user.is_active:
            raise AccountInactive(gettext("This account is disabled."))
        return SignedIn(user=user, created=False)
    if not getattr(settings, "AURIC_SMS_SIGNUP", True):
        raise PhoneNotRegistered(gettext("No account uses this phone number. Sign up first."))
    return SignedIn(user=_new_shopper(number), created=True)


def purge_sms_codes(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete codes older than the throttling windows need (`manage.py purge_sms_codes`)."""
    with transaction.atomic():
        deleted, _ = SmsCode.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
