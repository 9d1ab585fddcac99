"""Sign-up and bearer tokens for apps: POST /auth/register, POST /auth/token."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from auric.accounts.models import User
from auric.accounts.services import issue_api_token
from auric.api import WRITE_ERRORS, text
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


@router.post("/auth/token", response={201: TokenOut, **WRITE_ERRORS}, summary="Get a bearer token")
def token(request: HttpRequest, payload: TokenIn) -> Status:
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise BadCredentials("Wrong username or password.")
    issued = issue_api_token(user=user, name=payload.name or "api")
    return Status(201, TokenOut(token=issued.secret))
