"""Data-subject rights (PIPL Arts. 45, 47; COMPLIANCE D3): export all my data, delete my account.

**Export** gathers what the platform holds about the signed-in shopper: the account, consents and
their history, orders with their lines, the personal values behind them (revealed with the purpose
`show_owner`, so the reveal itself is logged), second factors (names and dates, never keys), API
tokens (prefixes only) and who read the shopper's data.

**Deletion** is confirmed as a password change is (`accounts.password`): the current password
(wrong ones count towards the sign-in lockout), and — when the account has a second factor (a
passkey or an authenticator app) — also a fresh step-up bound to the deletion (purpose
`account_change`, `deletion_binding`). An account without a usable password confirms with a step-up
alone: its passkey or app, or, with neither (an account that signs in by SMS code), a one-time code
sent to its phone (`accounts.sms_stepup`). `confirmation_needed` says which, for the page and the API.
Deletion is refused while an order is in flight (unpaid, paid but not yet delivered or picked up, or
with an open return): the shopper finishes or cancels it first.

The vault is another database, so there is no transaction spanning both. The steps are ordered so
that a failure after step 1 leaves nothing personal readable, and every step can run again
(erasing twice is harmless), so a second deletion completes whatever an interrupted one left:

1. the personal values are erased from the vault (crypto-shredding) first, and the shopper's own
   label in the vault's reveal log is replaced by "owner" — if anything after this fails, the
   account is still open but its personal values are gone, and deleting again finishes the job;
2. in ONE commerce transaction: the in-flight check runs again under the account's row lock (an
   order placed meanwhile stops it here; the account stays open, its older values already erased,
   until that order is finished and the deletion is run again); values stored meanwhile are erased
   too; orders keep
   number, lines, amounts and dates (tax law) and lose every personal field
   (`auric.orders.services.anonymise_orders`); passkeys, the authenticator app, API tokens,
   step-up grants, the cart and stored API answers go; the account row is anonymised and
   deactivated (every session ends, since the password hash changes and Django refuses inactive
   users); a `DeletionReceipt` records what was done; `accounts.AccountDeleted` is published so
   point and commission balances can be settled by their published rules when those features exist.

Kept by law, encrypted in the vault and named in the receipt: identity values a large-transaction
report refers to (D4: the anti-money-laundering rules require dealers to keep them, and PIPL Art. 47
lets the law's retention override erasure; read only by the compliance role), and a company's tax ID
on a company invoice (the company's data, needed for the tax record).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from auric import privacy
from auric.accounts import lockout, stepup
from auric.accounts.models import (
    ApiToken,
    AuthChallenge,
    Consent,
    DeletionReceipt,
    PasskeyCredential,
    StepUpGrant,
    TotpDevice,
    User,
)
from auric.checkout.models import Cart
from auric.checkout.services import clear_cart
from auric.core import events
from auric.core.errors import Conflict, DomainError, NotFound
from auric.core.models import AuditEntry, IdempotencyKey
from auric.orders.models import Order, ReturnRequest
from auric.orders.services import PERSONAL_TOKEN_FIELDS, anonymise_orders
from auric.orders.states import State
from auric.privacy import consents
from auric.privacy.access import OWNER
from auric.privacy.models import RevealLog
from auric.privacy.vault import vault_alias

logger = logging.getLogger("auric.privacy")

DELETE_PURPOSE = "account_change"
# An order in one of these states is still being fulfilled (or paid): the account cannot go yet.
IN_FLIGHT = (State.PENDING_PAYMENT, State.PAID, State.PROCESSING, State.SHIPPED, State.READY_FOR_PICKUP)
OPEN_RETURNS = (ReturnRequest.State.REQUESTED, ReturnRequest.State.APPROVED, ReturnRequest.State.RECEIVED)
ORDER_TOKEN_FIELDS = PERSONAL_TOKEN_FIELDS


class WrongPassword(DomainError):
    status = 400
    code = "wrong_password"
    title = "The current password is wrong"


class PasswordRequired(DomainError):
    status = 400
    code = "password_required"
    title = "Enter your current password"


class OrdersInFlight(Conflict):
    code = "orders_in_flight"
    title = "Finish or cancel your open orders first"


# --- what belongs to whom ------------------------------------------------------------------------


def _token_fields(instance: models.Model) -> dict[str, str]:
    return {
        f.name: getattr(instance, f.name)
        for f in instance._meta.concrete_fields
        if f.name.endswith("_token") and isinstance(getattr(instance, f.name), str) and getattr(instance, f.name)
    }


def _identity(user: User) -> Any:
    return getattr(user, "identity_verification", None) if hasattr(user, "identity_verification") else None


def _retained_identity_tokens(user: User) -> set[str]:
    """Identity values a large-transaction report refers to: kept by law (see the module doc)."""
    identity = _identity(user)
    if identity is None:
        return set()
    try:
        reports = apps.get_model("payments", "LargeTransactionReport")
    except LookupError:
        return set()
    if not reports.objects.filter(identity=identity).exists():
        return set()
    return set(_token_fields(identity).values())


def personal_tokens(user: User) -> dict[str, str]:
    """Every vault token of this shopper: token → where it is held (for export and erasure)."""
    found: dict[str, str] = {}
    for name, token in _token_fields(user).items():
        found[token] = f"account.{name}"
    identity = _identity(user)
    if identity is not None:
        for name, token in _token_fields(identity).items():
            found[token] = f"identity.{name}"
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None:
        for name, token in _token_fields(device).items():
            found[token] = f"authenticator.{name}"
    for order in Order.objects.filter(user=user).only("number", "invoice", *ORDER_TOKEN_FIELDS):
        for name in ORDER_TOKEN_FIELDS:
            if token := getattr(order, name):
                found[token] = f"order {order.number}.{name}"
        tax_token = order.invoice.get("tax_id_token", "") if isinstance(order.invoice, dict) else ""
        if tax_token:
            found[tax_token] = f"order {order.number}.invoice.tax_id"
    return found


# --- export --------------------------------------------------------------------------------------


def _reveal_own(token: str, user: User) -> Any:
    try:
        return privacy.reveal(token, "show_owner", actor=privacy.owner(user))
    except DomainError as exc:  # erased, or refused: say so rather than fail the export
        return {"unavailable": exc.code}


def export_data(*, user: User) -> dict[str, Any]:
    """Everything about the shopper, as JSON-ready data. Reading their own values is logged."""
    orders = []
    for order in Order.objects.filter(user=user).prefetch_related("lines").order_by("placed_at", "id"):
        personal = {}
        for name in ORDER_TOKEN_FIELDS:
            if token := getattr(order, name):
                personal[name.removesuffix("_token")] = _reveal_own(token, user)
        invoice = dict(order.invoice) if isinstance(order.invoice, dict) else {}
        if tax_token := invoice.pop("tax_id_token", ""):
            invoice["tax_id"] = _reveal_own(tax_token, user)
        orders.append(
            {
                "number": order.number,
                "state": order.state,
                "placed_at": order.placed_at.isoformat() if order.placed_at else None,
                "currency": order.currency,
                "subtotal": format(order.subtotal, "f"),
                "discount_total": format(order.discount_total, "f"),
                "shipping_total": format(order.shipping_total, "f"),
                "total": format(order.total, "f"),
                "delivery_method": order.delivery_method,
                "delivery": personal,
                "invoice": invoice,
                "lines": [
                    {
                        "title": line.title,
                        "serial_number": line.serial_number,
                        "quantity": line.quantity,
                        "unit_price": format(line.unit_price, "f"),
                    }
                    for line in order.lines.all()
                ],
            }
        )
    identity = _identity(user)
    account_values = {name: _reveal_own(token, user) for name, token in _token_fields(user).items()}
    tokens = personal_tokens(user)
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            **{name.removesuffix("_token"): value for name, value in account_values.items()},
        },
        "identity_verification": (
            {
                "name": identity.name_masked,
                "id_number": identity.id_number_masked,
                "at": identity.verified_at.isoformat(),
            }
            if identity is not None
            else None
        ),
        "consents": {kind: state.as_dict() for kind, state in consents.current(user).items()},
        "consent_history": consents.history(user),
        "orders": orders,
        "returns": [
            {
                "order": r.order.number,
                "state": r.state,
                "requested_at": r.requested_at.isoformat(),
                "currency": r.currency,
                "amount": format(r.amount, "f"),
                "lines": [
                    {"title": line.order_line.title, "reason": line.reason, "quantity": line.quantity}
                    for line in r.lines.all()
                ],
            }
            for r in ReturnRequest.objects.filter(order__user=user)
            .select_related("order")
            .prefetch_related("lines__order_line")
            .order_by("requested_at", "id")
        ],
        "passkeys": [
            {"name": p.name, "created_at": p.created_at.isoformat(), "last_used_at": _iso(p.last_used_at)}
            for p in PasskeyCredential.objects.filter(user=user).order_by("created_at")
        ],
        "authenticator_app": TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists(),
        "api_tokens": [
            {"name": t.name, "prefix": t.key_prefix, "created_at": t.created_at.isoformat(), "active": t.is_active}
            for t in ApiToken.objects.filter(user=user)
        ],
        "personal_data_access_log": [
            {"at": e.at.isoformat(), "role": e.role, "purpose": e.purpose, "value": tokens.get(e.token, e.kind)}
            for e in privacy.access_log_for(tokens)
        ],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


# --- deletion ------------------------------------------------------------------------------------


def deletion_binding(user: User) -> dict[str, str]:
    return stepup.canonical_binding({"account": user.pk, "change": "delete_account"})


class Confirmation(models.TextChoices):
    """How a deletion is confirmed (`confirmation_needed`); the receipt's `confirmed_by` (≤ 10 characters)."""

    PASSWORD = "password", "the current password (no second factor)"
    PASSWORD_AND_STEP_UP = "pw+step_up", "the current password and a passkey or TOTP step-up"
    STEP_UP = "step_up", "a passkey or TOTP step-up (no usable password)"
    SMS = "sms", "a code sent to the account's phone (no password, no second factor)"
    NONE = "none", "no way yet: set up a passkey or an authenticator app first"


def confirmation_needed(user: User) -> Confirmation:
    """How this account confirms its deletion (see the module doc)."""
    second_factor = bool(stepup.available_methods(user))
    if user.has_usable_password():
        return Confirmation.PASSWORD_AND_STEP_UP if second_factor else Confirmation.PASSWORD
    if second_factor:
        return Confirmation.STEP_UP
    return Confirmation.SMS if stepup.sms_step_up_allowed(user=user, purpose=DELETE_PURPOSE) else Confirmation.NONE


def _check_password(user: User, password: str, ip: str) -> None:
    """Wrong passwords count as failed sign-ins, so this form cannot be used to guess one."""
    lockout.check(username=user.get_username(), ip=ip)
    if not password:
        raise PasswordRequired(
            "Enter your current password to delete your account. Nothing was deleted.",
            errors={"password": ["required"]},
        )
    if not user.check_password(password):
        lockout.record_failure(username=user.get_username(), ip=ip)
        raise WrongPassword("The password is wrong. Nothing was deleted.", errors={"password": ["wrong"]})


def _confirm(user: User, password: str, ip: str) -> tuple[Confirmation, str]:
    """How the shopper proved it is them: (`confirmation_needed`, the step-up method or "").
    Raises what is missing: the password (400), the step-up (403 step_up_required, saying how)."""
    needed = confirmation_needed(user)
    if needed in (Confirmation.PASSWORD, Confirmation.PASSWORD_AND_STEP_UP):
        _check_password(user, password, ip)
        if needed == Confirmation.PASSWORD:
            return needed, ""
    # A grant by SMS counts only while the account has no second factor (stepup.fresh_grant).
    grant = stepup.require_step_up(user=user, purpose=DELETE_PURPOSE, binding=deletion_binding(user))
    if needed != Confirmation.PASSWORD_AND_STEP_UP:
        needed = Confirmation.SMS if grant.method == stepup.SMS_METHOD else Confirmation.STEP_UP
    return needed, grant.method


def orders_in_flight(user: User) -> tuple[list[str], list[str]]:
    """(order numbers, order numbers with an open return) that keep the account from being deleted."""
    open_orders = list(
        Order.objects.filter(user=user, state__in=IN_FLIGHT).order_by("placed_at").values_list("number", flat=True)[:20]
    )
    open_returns = list(
        ReturnRequest.objects.filter(order__user=user, state__in=OPEN_RETURNS)
        .order_by("requested_at")
        .values_list("order__number", flat=True)[:20]
    )
    return open_orders, open_returns


def _check_nothing_in_flight(user: User) -> None:
    open_orders, open_returns = orders_in_flight(user)
    if open_orders or open_returns:
        raise OrdersInFlight(
            "Your account can be deleted once every order is delivered or cancelled and every return is "
            "settled; we keep what we need to finish them until then.",
            orders=open_orders,
            returns=open_returns,
        )


def _retained_tokens(user: User) -> dict[str, str]:
    """Values the law keeps (see the module doc): token → why."""
    retained = dict.fromkeys(_retained_identity_tokens(user), "aml")
    for invoice in Order.objects.filter(user=user).values_list("invoice", flat=True):
        if isinstance(invoice, dict) and invoice.get("kind") == "company" and invoice.get("tax_id_token"):
            retained[invoice["tax_id_token"]] = "tax"
    return retained


def _erase(tokens: dict[str, str], retained: dict[str, str]) -> dict[str, int]:
    """Erase every token not retained; erasing twice is harmless. Returns counts by kind of value."""
    erased: dict[str, int] = {}
    for token, where in tokens.items():
        if token in retained:
            continue
        with contextlib.suppress(NotFound):  # a token the vault never had: nothing to erase
            privacy.erase(token)
        kind = where.rsplit(".", 1)[-1].removesuffix("_token")
        erased[kind] = erased.get(kind, 0) + 1
    return erased


def _forget_owner_label(tokens: Iterable[str]) -> None:
    """The reveal log keeps who read a value; the shopper's own reads lose the shopper's username."""
    RevealLog.objects.using(vault_alias()).filter(token__in=list(tokens), actor_role=OWNER).update(actor_label=OWNER)


def _remove_credentials_and_traces(user: User) -> tuple[int, int, int]:
    """Second factors, API tokens, step-up grants, the cart and stored API answers of the account."""
    StepUpGrant.objects.filter(user=user).delete()  # before the challenges they protect
    AuthChallenge.objects.filter(user=user).delete()
    passkeys_removed, _ = PasskeyCredential.objects.filter(user=user).delete()
    totp_removed, _ = TotpDevice.objects.filter(user=user).delete()
    tokens_removed, _ = ApiToken.objects.filter(user=user).delete()
    IdempotencyKey.objects.filter(user=user).delete()  # first answers may carry masked personal data
    if (cart := Cart.objects.filter(user=user).first()) is not None:
        clear_cart(cart=cart)
    return passkeys_removed, totp_removed, tokens_removed


def _anonymise_account(user: User, username: str) -> None:
    for name in _token_fields(user):
        setattr(user, name, "")
        masked_name = name.replace("_token", "_masked")
        if hasattr(user, masked_name):
            setattr(user, masked_name, "")
    user.username = username
    user.email = user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()  # changes the session hash: every session of the account ends
    user.save()
    AuditEntry.objects.filter(actor=user).update(actor_label=username)


def delete_account(*, user: User, password: str = "", ip: str = "") -> DeletionReceipt:
    """Erase the shopper's personal data and close the account (see the module doc). Idempotent:
    deleting an account whose receipt exists returns that receipt; an interrupted deletion is
    completed by running it again."""
    existing = DeletionReceipt.objects.filter(user=user).first()
    if existing is not None:
        return existing
    if not user.is_active:
        raise NotFound("No such account")
    confirmed_by, step_up_method = _confirm(user, password, ip)
    _check_nothing_in_flight(user)

    # 1. the vault, first (its own database; see the module doc)
    retained = _retained_tokens(user)
    tokens = personal_tokens(user)
    erased = _erase(tokens, retained)
    _forget_owner_label(tokens)

    # 2. the commerce database, in one transaction
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _check_nothing_in_flight(locked)
        retained |= _retained_tokens(locked)
        late = {t: w for t, w in personal_tokens(locked).items() if t not in tokens}
        for kind, n in _erase(late, retained).items():  # stored between step 1 and the lock
            erased[kind] = erased.get(kind, 0) + n
        tokens |= late
        username = f"deleted-{secrets.token_hex(8)}"
        orders = anonymise_orders(user=locked, actor_label=username)
        passkeys_removed, totp_removed, tokens_removed = _remove_credentials_and_traces(locked)
        if not _retained_identity_tokens(locked):  # an identity no report needs goes with its masked forms
            apps.get_model("accounts", "IdentityVerification").objects.filter(user=locked).delete()
        _anonymise_account(locked, username)
        for kind, state in consents.current(locked).items():
            if state.granted and not state.is_default:
                Consent.objects.create(user=locked, kind=kind, granted=False, channel=Consent.Channel.SYSTEM)
        details: dict[str, Any] = {"step_up_method": step_up_method} if step_up_method else {}
        for why in ("aml", "tax"):
            if kept := sorted(tokens[t] for t, reason in retained.items() if reason == why and t in tokens):
                details[f"retained_for_{why}"] = kept
        receipt = DeletionReceipt.objects.create(
            user=locked,
            reference=f"DEL-{timezone.now():%Y%m%d}-{secrets.token_hex(4).upper()}",
            confirmed_by=confirmed_by,
            erased_values=erased,
            orders_anonymised=orders,
            passkeys_removed=passkeys_removed,
            api_tokens_removed=tokens_removed,
            totp_removed=bool(totp_removed),
            details=details,
        )
        events.publish(
            "accounts.AccountDeleted",
            {"user_id": locked.pk, "reference": receipt.reference, "at": receipt.requested_at.isoformat()},
            aggregate=f"user:{locked.pk}",
        )
    logger.info("account %s deleted (%s), receipt %s", locked.pk, confirmed_by, receipt.reference)
    return receipt
