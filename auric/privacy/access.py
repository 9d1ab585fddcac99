"""Who may reveal a personal value for which purpose.

A reveal names a purpose; the actor must hold a role allowed that purpose. Roles are the back-office
groups of `auric.accounts.roles`; `SYSTEM` is code acting on its own (a notification or shipping job,
the return-window check), named by a string actor; `OWNER` is the data subject seeing their own data,
named by `Owner(user)` once the calling view has checked the value is theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auric.accounts import roles
from auric.privacy.models import Purpose

SYSTEM = "system"
OWNER = "owner"
SUPERUSER = "superuser"
OPERATOR = roles.OPERATOR
STORE_STAFF = roles.STORE_STAFF
# Roles the security work adds to accounts.roles; named here so the mapping does not wait for them.
CUSTOMER_SERVICE: str = getattr(roles, "CUSTOMER_SERVICE", "customer service")
COMPLIANCE_OFFICER: str = getattr(roles, "COMPLIANCE_OFFICER", "compliance officer")

PURPOSE_ROLES: dict[str, frozenset[str]] = {
    Purpose.SHIP_PARCEL: frozenset({OPERATOR, CUSTOMER_SERVICE, SYSTEM}),
    Purpose.HAND_OVER_PICKUP: frozenset({STORE_STAFF, OPERATOR}),
    Purpose.ISSUE_INVOICE: frozenset({OPERATOR, SYSTEM}),
    Purpose.SEND_NOTIFICATION: frozenset({SYSTEM}),
    Purpose.HANDLE_TICKET: frozenset({CUSTOMER_SERVICE, OPERATOR, SYSTEM}),
    Purpose.SHOW_OWNER: frozenset({OWNER, SYSTEM}),
    Purpose.VERIFY_IDENTITY: frozenset({COMPLIANCE_OFFICER, SYSTEM}),
    # Only the sign-in code reads an authenticator secret; no person ever sees it again.
    Purpose.VERIFY_SECOND_FACTOR: frozenset({SYSTEM}),
}


@dataclass(frozen=True)
class Owner:
    """The data subject reading their own data (the account page, data export)."""

    user: Any


@dataclass(frozen=True)
class Actor:
    label: str
    roles: frozenset[str]


def resolve_actor(actor: Any) -> Actor:
    if isinstance(actor, Owner):
        return Actor(label=f"{OWNER}: {actor.user.get_username()}"[:150], roles=frozenset({OWNER}))
    if actor is not None and getattr(actor, "is_authenticated", False):
        names = set(actor.groups.values_list("name", flat=True))
        if actor.is_superuser:
            # The shop owner's account acts as an operator, never as the system or another person.
            names |= {SUPERUSER, OPERATOR}
        return Actor(label=actor.get_username()[:150], roles=frozenset(names))
    if actor is not None and not isinstance(actor, str):
        # An anonymous user or an unknown object is nobody.
        return Actor(label="anonymous", roles=frozenset())
    return Actor(label=(actor or SYSTEM)[:150], roles=frozenset({SYSTEM}))


def allowed_role(purpose: str, actor: Actor) -> str | None:
    """The role that allows the purpose (for the log), or None when none does."""
    allowed = PURPOSE_ROLES.get(purpose, frozenset()) & actor.roles
    return min(allowed) if allowed else None
