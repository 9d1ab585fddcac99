"""Who may reveal a personal value for which purpose.

A reveal names a purpose; the actor must hold a role allowed that purpose. Roles are the back-office
groups of `auric.accounts.roles`; `SYSTEM` is code acting on its own (a notification or shipping job,
the return-window check), named by a string actor; `OWNER` is the data subject seeing their own data,
named by `Owner(user)` once the calling view has checked the value is theirs.

Some roles hold a purpose only for the objects of their own stores (`OWN_STORE_ROLES`): store staff
and franchisees may reveal an order's pickup contact (purpose `hand_over_pickup`) only through
`reveal_pickup_contact`, which first checks that the order is picked up at one of their stores —
the check the order counter already makes (`auric.orders.admin.may_hand_over`): the stores they
staff (`Location.staff`) and the stores of the franchises they own (`Franchise.owners`),
`accounts.roles.store_location_ids`. A reveal for that purpose anywhere else is refused to them, and
every refusal — another store's order, or no object check at all — is in the vault's reveal log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from auric.accounts import roles
from auric.privacy.models import PersonalValue, Purpose, RevealLog

SYSTEM = "system"
OWNER = "owner"
SUPERUSER = "superuser"
OPERATOR = roles.OPERATOR
STORE_STAFF = roles.STORE_STAFF
FRANCHISEE = roles.FRANCHISEE
# Roles the security work adds to accounts.roles; named here so the mapping does not wait for them.
CUSTOMER_SERVICE: str = getattr(roles, "CUSTOMER_SERVICE", "customer service")
COMPLIANCE_OFFICER: str = getattr(roles, "COMPLIANCE_OFFICER", "compliance officer")

PURPOSE_ROLES: dict[str, frozenset[str]] = {
    Purpose.SHIP_PARCEL: frozenset({OPERATOR, CUSTOMER_SERVICE, SYSTEM}),
    Purpose.HAND_OVER_PICKUP: frozenset({STORE_STAFF, FRANCHISEE, OPERATOR}),
    Purpose.ISSUE_INVOICE: frozenset({OPERATOR, SYSTEM}),
    Purpose.SEND_NOTIFICATION: frozenset({SYSTEM}),
    Purpose.HANDLE_TICKET: frozenset({CUSTOMER_SERVICE, OPERATOR, SYSTEM}),
    Purpose.SHOW_OWNER: frozenset({OWNER, SYSTEM}),
    Purpose.VERIFY_IDENTITY: frozenset({COMPLIANCE_OFFICER, SYSTEM}),
    # Only the sign-in code reads an authenticator secret; no person ever sees it again.
    Purpose.VERIFY_SECOND_FACTOR: frozenset({SYSTEM}),
}
# Roles that hold a purpose only for their own stores' objects: the vault grants it to them only
# inside `_object_checked_for` (entered by `reveal_pickup_contact` after its object check).
OWN_STORE_ROLES: dict[str, frozenset[str]] = {
    Purpose.HAND_OVER_PICKUP: frozenset({STORE_STAFF, FRANCHISEE}),
}
OTHER_STORE_REASON = "not an order of the actor's own stores"

# The purpose whose object check passed for the reveals now running (in this thread or task).
_object_checked: ContextVar[str] = ContextVar("auric_privacy_object_checked", default="")


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
    """The role that allows the purpose (for the log), or None when none does. A role of
    `OWN_STORE_ROLES` counts only once the object check of that purpose passed."""
    allowed = PURPOSE_ROLES.get(purpose, frozenset()) & actor.roles
    if _object_checked.get() != purpose:
        allowed -= OWN_STORE_ROLES.get(purpose, frozenset())
    return min(allowed) if allowed else None


@contextmanager
def _object_checked_for(purpose: str) -> Iterator[None]:
    reset = _object_checked.set(purpose)
    try:
        yield
    finally:
        _object_checked.reset(reset)


# --- object checks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PickupContact:
    phone: str
    name: str


def may_reveal_pickup_contact(user: Any, order: Any) -> bool:
    """The own-store check of `hand_over_pickup`: a store-scoped user (store staff, franchisee)
    only for a pickup order of one of their stores — as `orders.admin.may_hand_over`. Others
    pass here; the vault's role check decides for them (operators yes, the rest no)."""
    from auric.orders.models import Order

    if not roles.is_store_scoped(user):
        return True
    return (
        order.delivery_method == Order.Delivery.PICKUP
        and order.pickup_location_id is not None
        and order.pickup_location_id in roles.store_location_ids(user)
    )


def reveal_pickup_contact(*, order: Any, actor: Any) -> PickupContact:
    """The pickup contact (phone, name) of an order, for handing it over at the counter (purpose
    `hand_over_pickup`, logged). Store staff and franchisees get it only for their own stores'
    pickup orders; another store's order is refused (`RevealRefused`, 403) and logged as refused."""
    from auric import privacy
    from auric.privacy import vault

    purpose = Purpose.HAND_OVER_PICKUP
    tokens = [t for t in (order.phone_token, order.recipient_token) if t]
    if not may_reveal_pickup_contact(actor, order):
        who = resolve_actor(actor)
        for token in tokens or [""]:
            kind = PersonalValue.objects.filter(token=token).values_list("kind", flat=True).first() or ""
            vault._log(token, kind, purpose, who, None, RevealLog.Outcome.REFUSED, OTHER_STORE_REASON)
        vault.logger.warning("vault: %s may not reveal the pickup contact of order %s", who.label, order.pk)
        raise vault.RevealRefused(f"Order {order.number} is not picked up at one of {who.label}'s stores")
    with _object_checked_for(purpose):
        phone = str(privacy.reveal(order.phone_token, purpose, actor=actor)) if order.phone_token else ""
        name = str(privacy.reveal(order.recipient_token, purpose, actor=actor)) if order.recipient_token else ""
    return PickupContact(phone=phone, name=name)
