"""The shopper's privacy pages: consents with their texts (D1) and the personalisation switch (D6),
a readable copy of all my data, and deleting my account (D3).

Thin: `auric.privacy.consents` and `auric.privacy.rights` decide; every page shows the signed-in
shopper's own data only, and every change is a CSRF-protected POST on their own account. Deleting
is confirmed as `rights.confirmation_needed` says: the current password, after a step-up (passkey in
the browser via storefront/passkey.js, or a code from the authenticator app) when the account has
a second factor, as on the password page; an account without a password steps up alone — with a
one-time code sent to its phone when it has no second factor either (`accounts.sms_stepup`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from auric.accounts import lockout, sms_login, sms_stepup, stepup
from auric.accounts.models import User
from auric.core.errors import DomainError, ValidationFailed
from auric.privacy import consents, rights
from auric.privacy.models import Purpose
from auric.storefront.account_views import ROLE_LABELS, VALUE_LABELS

CODE_MAX_CHARS = 8
# The step-up challenge the last SMS code for deleting the account was sent for.
SMS_CHALLENGE_KEY = "auric_delete_sms_challenge"

CONSENT_LABELS: dict[str, Any] = {
    consents.Kind.LOCATION: gettext_lazy("Location"),
    consents.Kind.BIOMETRIC_STEP_UP: gettext_lazy("Fingerprint or face on your device"),
    consents.Kind.MARKETING: gettext_lazy("News and offers"),
    consents.Kind.SHARE_WITH_FRANCHISEES: gettext_lazy("Sharing with franchised stores"),
    consents.Kind.CROSS_BORDER_TRANSFER: gettext_lazy("Transfer outside mainland China"),
    consents.Kind.PERSONALISED_RECOMMENDATIONS: gettext_lazy("Personalised recommendations"),
}
# Keys of the export whose ISO text is shown as a date on the readable page.
_TIME_KEYS = frozenset(
    {"at", "placed_at", "requested_at", "created_at", "last_used_at", "date_joined", "last_login", "exported_at"}
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _privacy_url() -> str:
    return reverse("storefront:account_privacy")


def _delete_url() -> str:
    return reverse("storefront:account_delete")


# --- consents ------------------------------------------------------------------------------------


@login_required
@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    language = get_language()
    rows = [
        {
            "state": state,
            "label": CONSENT_LABELS.get(kind, kind),
            "text": consents.current_text(kind).in_language(language)[1],
        }
        for kind, state in consents.current(_user(request)).items()
    ]
    switch = next(r for r in rows if r["state"].kind == consents.Kind.PERSONALISED_RECOMMENDATIONS)
    context = {"personalisation": switch, "consents": [r for r in rows if r is not switch]}
    return render(request, "storefront/account_privacy.html", context)


@login_required
@require_POST
def consent_change(request: HttpRequest, kind: str) -> HttpResponse:
    user = _user(request)
    try:
        if request.POST.get("granted") == "1":
            consents.grant(user, kind, consents.current_text(kind).version, language=get_language())
            messages.success(request, _("Thank you: your consent is recorded."))
        else:
            consents.withdraw(user, kind)
            messages.success(request, _("Your consent is withdrawn."))
    except (ValidationFailed, KeyError):
        messages.error(request, _("There is no such consent. Nothing was changed."))
    return HttpResponseRedirect(_privacy_url())


# --- export --------------------------------------------------------------------------------------


def _for_display(value: Any, key: str = "") -> Any:
    """The export as the JSON download has it, with its times as datetimes for the template."""
    if isinstance(value, dict):
        return {k: _for_display(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_for_display(v, key) for v in value]
    if key in _TIME_KEYS and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _as_text(value: Any) -> str:
    """A revealed value in one line: an address's parts joined, an erased one said so."""
    if isinstance(value, dict):
        if "unavailable" in value:
            return str(_("(erased)"))
        return ", ".join(str(v) for v in value.values() if v not in (None, ""))
    return "" if value is None else str(value)


def _where(where: str) -> tuple[Any, str]:
    """("Phone number", "AU…") from the export's "order AU….phone_token" (or "account.phone_token")."""
    holder, _dot, field = where.rpartition(".")
    label = VALUE_LABELS.get(field.removesuffix("_token"), field)
    return label, holder.removeprefix("order ") if holder.startswith("order ") else ""


@login_required
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    """Everything we hold, readable. Opening it reads the shopper's own values (logged: show_owner)."""
    data = _for_display(rights.export_data(user=_user(request)))
    for order in data["orders"]:
        order["delivery_text"] = {k: _as_text(v) for k, v in order["delivery"].items()}
        if "tax_id" in order["invoice"]:
            order["invoice"]["tax_id"] = _as_text(order["invoice"]["tax_id"])
    account = data["account"]
    account["phone_text"] = _as_text(account.get("phone")) if account.get("phone") else ""
    for row in data["consents"].values():
        row["label"] = CONSENT_LABELS.get(row["kind"], row["kind"])
    for row in data["consent_history"]:
        row["label"] = CONSENT_LABELS.get(row["kind"], row["kind"])
    purposes = dict(Purpose.choices)
    for entry in data["personal_data_access_log"]:
        entry["who"] = ROLE_LABELS.get(entry["role"], entry["role"])
        entry["why"] = purposes.get(entry["purpose"], entry["purpose"])
        entry["what"], entry["order_number"] = _where(entry["value"])
    response = render(request, "storefront/account_privacy_export.html", {"data": data})
    response["Cache-Control"] = "no-store"  # the page carries personal data
    return response


# --- delete my account ---------------------------------------------------------------------------


def _delete_page(
    request: HttpRequest, *, status: int = 200, required: stepup.StepUpRequired | None = None
) -> HttpResponse:
    user = _user(request)
    needed = rights.confirmation_needed(user)
    open_orders, open_returns = rights.orders_in_flight(user)
    context: dict[str, Any] = {
        "next_action": _delete_url(),
        "open_orders": open_orders,
        "open_returns": open_returns,
        "has_password": user.has_usable_password(),
    }
    if required is None and needed != rights.Confirmation.PASSWORD:
        try:
            stepup.require_step_up(user=user, purpose=rights.DELETE_PURPOSE, binding=rights.deletion_binding(user))
        except stepup.StepUpRequired as exc:
            required = exc
    if required is not None:  # confirm first; the delete button (and password) come once the step-up is fresh
        context |= stepup.step_up_context(required)
        if stepup.SMS_METHOD in required.extra.get("available", ()):
            context["sms_step_up"] = {"phone": user.phone_masked, "sent": bool(request.session.get(SMS_CHALLENGE_KEY))}
            context["step_up_reason"] = _(
                "Deleting your account needs a one-time code that we send by text message to %(phone)s."
            ) % {"phone": user.phone_masked}
        else:
            context["step_up_reason"] = _(
                "Deleting your account needs a confirmation with your passkey (fingerprint, face or device PIN) "
                "or a code from your authenticator app."
            )
    return render(request, "storefront/account_privacy_delete.html", context, status=status)


def _step_up_by_code(request: HttpRequest, user: User) -> HttpResponse:
    """A step-up by authenticator-app code (a passkey step-up runs in the browser and posts no code)."""
    code = "".join(request.POST.get("totp_code", "").split())[:CODE_MAX_CHARS]
    if code:
        try:
            stepup.step_up_with_totp(
                user=user, purpose=rights.DELETE_PURPOSE, binding=rights.deletion_binding(user), code=code
            )
        except stepup.StepUpFailed as failed:
            messages.error(request, _("The confirmation was not accepted: %(reason)s") % {"reason": failed.detail})
    return HttpResponseRedirect(_delete_url())


def _send_sms_code(request: HttpRequest, user: User) -> HttpResponse:
    """Text a step-up code for the deletion to the account's phone (accounts without a second factor)."""
    try:
        sent = sms_stepup.send_step_up_code(
            user=user,
            purpose=rights.DELETE_PURPOSE,
            binding=rights.deletion_binding(user),
            ip=lockout.client_ip(request),
        )
    except (sms_login.SmsThrottled, sms_login.SmsUnavailable, sms_stepup.SmsStepUpNotAllowed) as refused:
        messages.error(request, refused.detail)
    else:
        request.session[SMS_CHALLENGE_KEY] = sent.challenge_id
        messages.success(
            request,
            _("We sent a code to %(phone)s. It is valid for %(minutes)s minutes.")
            % {"phone": sent.phone_masked, "minutes": max(1, sent.expires_in // 60)},
        )
    return HttpResponseRedirect(_delete_url())


def _step_up_by_sms(request: HttpRequest, user: User) -> HttpResponse:
    """The step-up with the code texted by `_send_sms_code`."""
    code = "".join(request.POST.get("sms_code", "").split())[:CODE_MAX_CHARS]
    try:
        sms_stepup.complete_step_up_by_sms(user=user, challenge_id=request.session.get(SMS_CHALLENGE_KEY), code=code)
    except DomainError as refused:
        messages.error(request, _("The confirmation was not accepted: %(reason)s") % {"reason": refused.detail})
    else:
        request.session.pop(SMS_CHALLENGE_KEY, None)
    return HttpResponseRedirect(_delete_url())


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """GET: what deletion does, open orders that stop it, and the confirmation (step-up, password).
    POST with a code: the step-up (`send_sms_code` first texts one). POST otherwise: the deletion;
    the receipt page signs out."""
    user = _user(request)
    if request.method == "GET":
        return _delete_page(request)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if "totp_code" in request.POST:
        return _step_up_by_code(request, user)
    if "send_sms_code" in request.POST:
        return _send_sms_code(request, user)
    if "sms_code" in request.POST:
        return _step_up_by_sms(request, user)
    try:
        receipt = rights.delete_account(
            user=user, password=request.POST.get("password", "")[:128], ip=lockout.client_ip(request)
        )
    except rights.WrongPassword:
        messages.error(request, _("The password is wrong. Nothing was deleted."))
        return _delete_page(request, status=400)
    except rights.PasswordRequired:
        messages.error(request, _("Enter your current password. Nothing was deleted."))
        return _delete_page(request, status=400)
    except lockout.LoginLocked:
        messages.error(request, _("Too many wrong passwords. Try again later."))
        return _delete_page(request, status=429)
    except rights.OrdersInFlight:
        messages.error(request, _("Your account was not deleted: finish or cancel the orders listed first."))
        return _delete_page(request, status=409)
    except stepup.StepUpRequired as required:
        return _delete_page(request, status=403, required=required)
    logout(request)
    return render(request, "storefront/account_deleted.html", {"receipt": receipt})
