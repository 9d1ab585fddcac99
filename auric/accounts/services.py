"""Account use cases: API tokens.

A token reads `aur.<prefix>.<secret>`. The prefix finds the row; the secret is checked against its
SHA-256 in constant time. The secret is returned once by `issue_api_token` and never stored, so a
leaked database does not leak working tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from auric.accounts.models import ApiToken, User
from auric.core.errors import Conflict, ValidationFailed

TOKEN_SCHEME = "aur"  # noqa: S105 - the public first part of every token, not a secret
MAX_TOKEN_LENGTH = 200
# Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the full bearer value; shown once


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_token(*, user: User, name: str) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 80 or "\x00" in name:
        raise ValidationFailed("A token needs a name of 1–80 characters", errors={"name": ["1–80 characters"]})
    if not user.is_active:
        raise Conflict("Tokens can only be issued to active users")
    with transaction.atomic():
        prefix = secrets.token_hex(6)
        while ApiToken.objects.filter(key_prefix=prefix).exists():  # 48 bits: a clash is a curiosity
            prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = ApiToken.objects.create(user=user, name=name, key_prefix=prefix, secret_hash=_hash(secret))
    return IssuedToken(token=token, secret=f"{TOKEN_SCHEME}.{prefix}.{secret}")


def revoke_api_token(*, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db()
    return token


def authenticate_api_token(raw: str) -> User | None:
    """The active user behind a bearer value, or None for anything malformed, unknown or revoked."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH or "\x00" in raw:
        return None
    scheme, _, rest = raw.partition(".")
    prefix, _, secret = rest.partition(".")
    if scheme != TOKEN_SCHEME or not prefix or not secret:
        return None
    token = ApiToken.objects.select_related("user").filter(key_prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
