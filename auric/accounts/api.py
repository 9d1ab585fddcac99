"""Accounts API: sign-up, bearer tokens, passkeys, TOTP and step-up.

POST /auth/register, /auth/token (throttled: 429 with Retry-After when locked; a sign-in like the
form's, so it is risk-screened: 403 `login_blocked`); passkeys under
/auth/passkeys/… (register, sign in, list, remove); TOTP under /auth/totp/…; step-up under
/auth/step-up/begin and /auth/step-up/complete (see accounts.stepup; the SMS-code step-up of accounts
without a second factor is in accounts.sms_api).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema, Status

from auric.accounts import lockout, passkeys, password, stepup, totp
from auric.accounts.auth import API_AUTH
from auric.accounts.models import PasskeyCredential, User
from auric.accounts.services import issue_api_token
from auric.api import NO_NUL, WRITE_ERRORS, errors, problem_response, text
from auric.core.errors import Conflict, DomainError, ValidationFailed

router = Router(tags=["accounts"])
USERNAME_PATTERN = r"^[\w.@+-]{3,150}$"


class BadCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    title = "Wrong username or password"


class RegisterIn(Schema):
    username: str = Field(..., pattern=USERNAME_PATTERN)
    password: str = Field(..., min_length=1, max_length=128)
    email: str = text(254)


class UserOut(Schema):
    id: int
    username: str


class TokenIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=128)
    name: str = text(80, default="api", description="A name for this token (device or app)")


class TokenOut(Schema):
    token: str = Field(..., description="Send as `Authorization: Bearer <token>`; shown once")
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


@router.post("/auth/register", response={201: UserOut, **WRITE_ERRORS}, summary="Create a shopper account")
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    candidate = User(username=payload.username, email=payload.email)
    try:
        validate_password(payload.password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed("The password is too weak.", errors={"password": list(exc.messages)}) from exc
    if User.objects.filter(username__iexact=payload.username).exists():
        raise Conflict("This username is taken.", code_detail="username_taken")
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=payload.username, email=payload.email, password=payload.password)
    except IntegrityError as exc:
        raise Conflict("This username is taken.") from exc
    return Status(201, UserOut(id=user.pk, username=user.username))


def _locked_response(exc: lockout.LoginLocked) -> HttpResponse:
    response = problem_response(exc.problem(), exc.status)
    response["Retry-After"] = str(exc.extra.get("retry_after", settings.AURIC_LOGIN_LOCKOUT_SECONDS))
    return response


@router.post(
    "/auth/token",
    response={201: TokenOut, **WRITE_ERRORS, **errors(429)},
    summary="Get a bearer token",
    description="Too many failed attempts for an account name or from an IP lock it for a while: 429 with "
    "Retry-After. A sign-in the risk rules block gets no token: 403 `login_blocked`.",
)
def token(request: HttpRequest, payload: TokenIn) -> Any:
    ip = lockout.client_ip(request)
    try:
        lockout.check(username=payload.username, ip=ip)
        user = authenticate(request, username=payload.username, password=payload.password)
        if user is None or not user.is_active:
            lockout.check(username=payload.username, ip=ip)  # this failure may have locked it
            raise BadCredentials("Wrong username or password.")
    except lockout.LoginLocked as exc:
        return _locked_response(exc)
    lockout.record_success(username=payload.username)
    # A sign-in like the form's: its receivers record the sign-in time and screen it for risk
    # (auric.risk.events). There is no session to end afterwards, so a receiver refuses it by raising
    # a DomainError (403 login_blocked) before the token exists.
    user_logged_in.send(sender=type(user), request=request, user=user, bearer_token=True)
    issued = issue_api_token(user=user, name=payload.name or "api")
    return Status(201, TokenOut(token=issued.secret))


# --- passkeys -------------------------------------------------------------------------------

CHALLENGE_ID = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class CeremonyOut(Schema):
    challenge_id: str = Field(..., description="Send back with the browser's response; single use")
    expires_at: datetime
    publicKey: dict[str, Any] = Field(  # the WebAuthn member name
        ..., description="Options for navigator.credentials.create()/get(); binary members in base64url"
    )


class PasskeyRegisterIn(Schema):
    challenge_id: str = CHALLENGE_ID
    credential: dict[str, Any] = Field(
        ..., description="PublicKeyCredential.toJSON() of navigator.credentials.create()"
    )
    name: str = text(80, description="A name for this passkey, e.g. the device")


class PasskeyOut(Schema):
    id: int
    name: str
    transports: list[str]
    created_at: datetime
    last_used_at: datetime | None


class PasskeyLoginOptionsIn(Schema):
    username: str = Field("", max_length=150, pattern=NO_NUL, description="Optional: limit to this account's passkeys")


class PasskeyLoginIn(Schema):
    challenge_id: str = CHALLENGE_ID
    credential: dict[str, Any] = Field(..., description="PublicKeyCredential.toJSON() of navigator.credentials.get()")


def _ceremony_out(ceremony: passkeys.Ceremony) -> CeremonyOut:
    return CeremonyOut(challenge_id=ceremony.challenge_id, expires_at=ceremony.expires_at, publicKey=ceremony.options)


def _passkey_out(passkey: PasskeyCredential) -> PasskeyOut:
    return PasskeyOut(
        id=passkey.pk,
        name=passkey.name,
        transports=list(passkey.transports or []),
        created_at=passkey.created_at,
        last_used_at=passkey.last_used_at,
    )


@router.post(
    "/auth/passkeys/register/options",
    auth=API_AUTH,
    response={201: CeremonyOut, **WRITE_ERRORS},
    summary="Start registering a passkey",
)
def passkey_register_options(request: HttpRequest) -> Status:
    ceremony = passkeys.begin_registration(user=request.auth)  # type: ignore[attr-defined]
    return Status(201, _ceremony_out(ceremony))


@router.post(
    "/auth/passkeys/register/verify",
    auth=API_AUTH,
    response={201: PasskeyOut, **WRITE_ERRORS},
    summary="Finish registering a passkey",
)
def passkey_register_verify(request: HttpRequest, payload: PasskeyRegisterIn) -> Status:
    passkey = passkeys.complete_registration(
        user=request.auth,  # type: ignore[attr-defined]
        challenge_id=payload.challenge_id,
        credential=payload.credential,
        name=payload.name,
    )
    return Status(201, _passkey_out(passkey))


@router.get(
    "/auth/passkeys", auth=API_AUTH, response={200: list[PasskeyOut], **errors(400, 401, 422)}, summary="My passkeys"
)
def passkey_list(request: HttpRequest) -> list[PasskeyOut]:
    return [_passkey_out(p) for p in PasskeyCredential.objects.filter(user=request.auth)]  # type: ignore[attr-defined]


@router.delete(
    "/auth/passkeys/{passkey_id}",
    auth=API_AUTH,
    response={204: None, **errors(400, 401, 404, 422)},
    summary="Remove one of my passkeys",
)
def passkey_delete(request: HttpRequest, passkey_id: int = Path(..., ge=1, le=2**62)) -> Status:
    passkeys.remove_passkey(user=request.auth, passkey_id=passkey_id)  # type: ignore[attr-defined]
    return Status(204, None)


@router.post(
    "/auth/passkeys/login/options",
    response={201: CeremonyOut, **WRITE_ERRORS},
    summary="Start signing in with a passkey",
)
def passkey_login_options(request: HttpRequest, payload: PasskeyLoginOptionsIn) -> Status:
    ceremony = passkeys.begin_login(username=payload.username)
    return Status(201, _ceremony_out(ceremony))


@router.post(
    "/auth/passkeys/login/verify",
    response={201: UserOut, **WRITE_ERRORS},
    summary="Sign in with a passkey (starts a browser session)",
)
def passkey_login_verify(request: HttpRequest, payload: PasskeyLoginIn) -> Status:
    user = passkeys.complete_login(challenge_id=payload.challenge_id, credential=payload.credential)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return Status(201, UserOut(id=user.pk, username=user.username))


# --- TOTP -----------------------------------------------------------------------------------

TOTP_CODE = Field(..., min_length=6, max_length=8, pattern=r"^[0-9 ]+$")


class TotpEnrolOut(Schema):
    otpauth_uri: str = Field(..., description="For authenticator apps; shown once")
    qr_svg: str = Field(..., description="The same URI as a QR code (SVG)")


class TotpCodeIn(Schema):
    code: str = TOTP_CODE


class TotpStatusOut(Schema):
    confirmed: bool


@router.post(
    "/auth/totp/enrol",
    auth=API_AUTH,
    response={201: TotpEnrolOut, **WRITE_ERRORS},
    summary="Set up an authenticator app",
)
def totp_enrol(request: HttpRequest) -> Status:
    enrolment = totp.begin_totp_enrolment(user=request.auth)  # type: ignore[attr-defined]
    return Status(201, TotpEnrolOut(otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg))


@router.post(
    "/auth/totp/confirm",
    auth=API_AUTH,
    response={201: TotpStatusOut, **WRITE_ERRORS, **errors(404)},
    summary="Confirm the authenticator app with a code",
)
def totp_confirm(request: HttpRequest, payload: TotpCodeIn) -> Status:
    totp.confirm_totp_enrolment(user=request.auth, code=payload.code)  # type: ignore[attr-defined]
    return Status(201, TotpStatusOut(confirmed=True))


# --- step-up --------------------------------------------------------------------------------


class StepUpBeginIn(Schema):
    purpose: str = Field(..., max_length=40, pattern=r"^[a-z_]+$", examples=["payment"])
    binding: dict[str, str] = Field(
        ..., description="Exactly the `binding` of the step_up_required problem", examples=[{"order_number": "A1"}]
    )


class StepUpBeginOut(Schema):
    challenge_id: str
    purpose: str
    binding: dict[str, str]
    expires_at: datetime
    methods: list[str] = Field(..., description='Always ["passkey", "totp"]')
    available: list[str] = Field(
        ...,
        description='The methods this account can use for this purpose: its passkey and TOTP, or ["sms"] for an '
        "account with neither (POST /auth/step-up/sms/send; never for a payment)",
    )
    publicKey: dict[str, Any] = Field(  # the WebAuthn member name
        ..., description='Options for navigator.credentials.get(), userVerification "required"'
    )


class StepUpCompleteIn(Schema):
    challenge_id: str = CHALLENGE_ID
    assertion: dict[str, Any] | None = Field(None, description="PublicKeyCredential.toJSON() of credentials.get()")
    totp_code: str | None = Field(None, min_length=6, max_length=8, pattern=r"^[0-9 ]+$")


class StepUpGrantOut(Schema):
    purpose: str
    binding: dict[str, str]
    method: str
    expires_at: datetime


@router.post(
    "/auth/step-up/begin", auth=API_AUTH, response={201: StepUpBeginOut, **WRITE_ERRORS}, summary="Start a step-up"
)
def step_up_begin(request: HttpRequest, payload: StepUpBeginIn) -> Status:
    challenge = stepup.begin_step_up(
        user=request.auth,  # type: ignore[attr-defined]
        purpose=payload.purpose,
        binding=payload.binding,
    )
    out = StepUpBeginOut(
        challenge_id=challenge.challenge_id,
        purpose=challenge.purpose,
        binding=challenge.binding,
        expires_at=challenge.expires_at,
        methods=list(challenge.methods),
        available=list(challenge.available),
        publicKey=challenge.options,
    )
    return Status(201, out)


@router.post(
    "/auth/step-up/complete",
    auth=API_AUTH,
    response={201: StepUpGrantOut, **WRITE_ERRORS},
    summary="Finish a step-up with a passkey assertion or a TOTP code",
)
def step_up_complete(request: HttpRequest, payload: StepUpCompleteIn) -> Status:
    grant = stepup.complete_step_up(
        user=request.auth,  # type: ignore[attr-defined]
        challenge_id=payload.challenge_id,
        assertion=payload.assertion,
        totp_code=payload.totp_code,
    )
    return Status(
        201,
        StepUpGrantOut(purpose=grant.purpose, binding=grant.binding, method=grant.method, expires_at=grant.expires_at),
    )


# --- password change --------------------------------------------------------------------------


class PasswordChangeIn(Schema):
    current_password: str = Field(..., min_length=1, max_length=128)
    new_password: str = Field(..., min_length=1, max_length=128)


@router.post(
    "/account/password",
    auth=API_AUTH,
    response={204: None, **WRITE_ERRORS, **errors(429)},
    summary="Change my password",
    description="Needs the current password; an account with a passkey or an authenticator app also needs a "
    "step-up (403 `step_up_required`, purpose `change_password`). Other sessions end.",
)
def change_password(request: HttpRequest, payload: PasswordChangeIn) -> Any:
    try:
        password.change_password_for_request(
            request,
            user=request.auth,  # type: ignore[attr-defined]
            current_password=payload.current_password,
            new_password=payload.new_password,
        )
    except lockout.LoginLocked as exc:
        return _locked_response(exc)
    return Status(204, None)
