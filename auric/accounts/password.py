"""Changing one's own password: the current password, a strong new one, and a step-up.

A password change hands the account to whoever knows the new password, so it is a sensitive change
(S5): a shopper who has a passkey or an authenticator app must also step up for it (purpose
`change_password`, bound to the account), and the grant is used up by the change. A shopper with
neither has only the current password to prove themselves with; a passkey or an app makes the
account stronger, which the security page says.

Wrong current passwords count as failed sign-ins (accounts.lockout), so this form cannot be used to
guess a password the sign-in page would have locked. After the change every other session of the
account ends (Django's session hash changes); the caller keeps the current one alive.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from auric.accounts import lockout, stepup
from auric.accounts.models import StepUpGrant, User
from auric.core.errors import DomainError, ValidationFailed

logger = logging.getLogger("auric.security")

PURPOSE = "change_password"


class WrongPassword(DomainError):
    status = 400
    code = "wrong_password"
    title = "The current password is wrong"


def binding(user: User) -> dict[str, str]:
    """What a password-change step-up is bound to: this account and this kind of change."""
    return stepup.canonical_binding({"account": user.pk, "change": PURPOSE})


def needs_step_up(user: User) -> bool:
    return bool(stepup.available_methods(user))


def change_password(*, user: User, current_password: str, new_password: str, ip: str = "") -> None:
    """Set a new password after checking the current one, the password rules and, for an account
    with a second factor, a fresh step-up. Nothing changes when any check fails."""
    lockout.check(username=user.get_username(), ip=ip)
    if not user.check_password(current_password):
        lockout.record_failure(username=user.get_username(), ip=ip)
        raise WrongPassword("The current password is wrong.", errors={"current_password": ["wrong"]})
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed("The new password is too weak.", errors={"new_password": list(exc.messages)}) from exc
    if new_password == current_password:
        raise ValidationFailed(
            "The new password is the current one.", errors={"new_password": ["same as the current password"]}
        )
    grant: StepUpGrant | None = None
    if needs_step_up(user):
        grant = stepup.require_step_up(user=user, purpose=PURPOSE, binding=binding(user))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        if grant is not None:  # one change per confirmation
            StepUpGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now())
    user.password = locked.password
    lockout.record_success(username=user.get_username())
    logger.info("password changed for user %s (step-up: %s)", user.pk, grant.method if grant else "none set up")


def change_password_for_request(request: Any, *, user: User, current_password: str, new_password: str) -> None:
    """`change_password` for the signed-in user of a request, keeping this session signed in."""
    from django.contrib.auth import SESSION_KEY, update_session_auth_hash

    change_password(
        user=user, current_password=current_password, new_password=new_password, ip=lockout.client_ip(request)
    )
    if getattr(request, "session", None) is not None and request.session.get(SESSION_KEY) == str(user.pk):
        update_session_auth_hash(request, user)  # a bearer-token call has no session to keep
