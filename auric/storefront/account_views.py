"""The shopper's own security and privacy pages: passkeys, the authenticator app (TOTP), the
password (with step-up) and "who accessed my data".

Thin like the other storefront views: `auric.accounts.passkeys` / `auric.accounts.totp` decide,
`auric.privacy.access_log_for` reads the reveal log. Every change is a CSRF-protected POST that
acts on the signed-in shopper's own rows only; another shopper's passkey is a 404. Adding a passkey
runs in the browser (storefront/passkey.js, data-passkey-register), no inline script (CSP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from auric import privacy
from auric.accounts import lockout, passkeys, password, stepup, totp
from auric.accounts.models import PasskeyCredential, TotpDevice, User
from auric.core.errors import Conflict, NotFound, ValidationFailed
from auric.orders.models import Order
from auric.privacy.access import COMPLIANCE_OFFICER, CUSTOMER_SERVICE, OPERATOR, OWNER, STORE_STAFF, SUPERUSER, SYSTEM

ACCESS_LOG_LIMIT = 200
CODE_MAX_CHARS = 8

# Who read the value, by the role that allowed the reveal (accounts.roles / privacy.access).
ROLE_LABELS: dict[str, Any] = {
    OPERATOR: gettext_lazy("Operator"),
    STORE_STAFF: gettext_lazy("Store staff"),
    CUSTOMER_SERVICE: gettext_lazy("Customer service"),
    COMPLIANCE_OFFICER: gettext_lazy("Compliance officer"),
    SUPERUSER: gettext_lazy("Shop owner"),
    SYSTEM: gettext_lazy("Automatic process"),
    OWNER: gettext_lazy("You"),
}
# Which of the shopper's values was read, by the order field that holds its token.
VALUE_LABELS: dict[str, Any] = {
    "address": gettext_lazy("Delivery address"),
    "phone": gettext_lazy("Phone number"),
    "recipient": gettext_lazy("Recipient name"),
    "tax_id": gettext_lazy("Tax ID on the invoice"),
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _security_url() -> str:
    return reverse("storefront:account_security")


def _code(request: HttpRequest) -> str:
    return "".join(request.POST.get("code", "").split())[:CODE_MAX_CHARS]


# --- security page -------------------------------------------------------------------------------


def _security_context(user: User, *, enrolment: totp.TotpEnrolment | None = None) -> dict[str, Any]:
    device = TotpDevice.objects.filter(user=user).first()
    return {
        "passkeys": list(PasskeyCredential.objects.filter(user=user).order_by("created_at", "id")),
        "totp_active": device is not None and device.is_confirmed,
        "totp_pending": device is not None and not device.is_confirmed,
        "enrolment": enrolment,
    }


@login_required
@require_GET
def security_page(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/account_security.html", _security_context(_user(request)))


@login_required
@require_POST
def passkey_remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    try:
        passkeys.remove_passkey(user=_user(request), passkey_id=passkey_id)
    except NotFound as exc:
        raise Http404("No such passkey") from exc
    messages.success(request, _("The passkey was removed."))
    return HttpResponseRedirect(_security_url())


@login_required
@require_POST
def totp_enrol(request: HttpRequest) -> HttpResponse:
    """Shows the new secret once, as a QR code and as text, with the form to confirm it."""
    user = _user(request)
    try:
        enrolment = totp.begin_totp_enrolment(user=user)
    except Conflict:
        messages.error(request, _("An authenticator app is already set up. Remove it first to set up another."))
        return HttpResponseRedirect(_security_url())
    response = render(request, "storefront/account_security.html", _security_context(user, enrolment=enrolment))
    response["Cache-Control"] = "no-store"  # the page carries the secret
    return response


@login_required
@require_POST
def totp_confirm(request: HttpRequest) -> HttpResponse:
    try:
        totp.confirm_totp_enrolment(user=_user(request), code=_code(request))
    except totp.InvalidTotpCode:
        messages.error(request, _("The code is wrong or expired. Enter the current code from your authenticator app."))
    except NotFound:
        messages.error(request, _("Start setting up an authenticator app first."))
    except Conflict:
        messages.info(request, _("Your authenticator app is already set up."))
    else:
        messages.success(request, _("Your authenticator app is set up."))
    return HttpResponseRedirect(_security_url())


@login_required
@require_POST
def totp_remove(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not totp.has_totp(user):
        messages.info(request, _("No authenticator app is set up."))
        return HttpResponseRedirect(_security_url())
    try:
        totp.remove_totp(user=user, code=_code(request))
    except totp.InvalidTotpCode:
        messages.error(
            request,
            _("The code is wrong or expired. The authenticator app was not removed; enter its current code."),
        )
    else:
        messages.success(request, _("The authenticator app was removed."))
    return HttpResponseRedirect(_security_url())


# --- password ------------------------------------------------------------------------------------


def _password_page(
    request: HttpRequest, *, status: int = 200, required: stepup.StepUpRequired | None = None
) -> HttpResponse:
    user = _user(request)
    if required is None and password.needs_step_up(user):
        try:
            stepup.require_step_up(user=user, purpose=password.PURPOSE, binding=password.binding(user))
        except stepup.StepUpRequired as exc:
            required = exc
    context: dict[str, Any] = {"next_action": reverse("storefront:password_change")}
    if required is not None:  # confirm first; the password form comes once the step-up is fresh
        context |= stepup.step_up_context(required)
        context["step_up_reason"] = _(
            "Changing your password needs a confirmation with your passkey (fingerprint, face or device PIN) "
            "or a code from your authenticator app."
        )
    return render(request, "storefront/account_password.html", context, status=status)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """GET: the step-up if one is due, else the form. POST with a code: the step-up by authenticator
    app (a passkey step-up runs in the browser and posts without one). POST with the form: the change."""
    user = _user(request)
    if request.method == "GET":
        return _password_page(request)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if "new_password" not in request.POST:
        code = "".join(request.POST.get("totp_code", "").split())[:CODE_MAX_CHARS]
        if code:
            try:
                stepup.step_up_with_totp(user=user, purpose=password.PURPOSE, binding=password.binding(user), code=code)
            except stepup.StepUpFailed as failed:
                messages.error(request, _("The confirmation was not accepted: %(reason)s") % {"reason": failed.detail})
        return HttpResponseRedirect(reverse("storefront:password_change"))
    new, repeated = request.POST.get("new_password", ""), request.POST.get("new_password_again", "")
    if new != repeated:
        messages.error(request, _("The two new passwords are not the same."))
        return _password_page(request, status=400)
    try:
        password.change_password_for_request(
            request, user=user, current_password=request.POST.get("current_password", "")[:128], new_password=new[:128]
        )
    except stepup.StepUpRequired as required:
        return _password_page(request, status=403, required=required)
    except lockout.LoginLocked:
        messages.error(request, _("Too many wrong passwords. Try again later."))
        return _password_page(request, status=429)
    except password.WrongPassword:
        messages.error(request, _("The current password is wrong. Nothing was changed."))
        return _password_page(request, status=400)
    except ValidationFailed as invalid:
        for message in invalid.errors.get("new_password", [invalid.detail]):
            messages.error(request, message)
        return _password_page(request, status=400)
    messages.success(request, _("Your password was changed. Other devices were signed out."))
    return HttpResponseRedirect(_security_url())


# --- who accessed my data ------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessRow:
    at: datetime
    who: str
    label: str
    why: str
    what: str
    order_number: str


def own_tokens(user: User) -> dict[str, tuple[str, str]]:
    """The vault tokens on the user's own orders: token → (which value, order number)."""
    found: dict[str, tuple[str, str]] = {}
    rows = Order.objects.filter(user=user).values_list(
        "number", "address_token", "phone_token", "recipient_token", "invoice"
    )
    for number, address, phone, recipient, invoice in rows:
        tax_id = invoice.get("tax_id_token", "") if isinstance(invoice, dict) else ""
        for what, token in (("address", address), ("phone", phone), ("recipient", recipient), ("tax_id", tax_id)):
            if isinstance(token, str) and token:
                found.setdefault(token, (what, number))
    return found


def access_rows(user: User) -> list[AccessRow]:
    tokens = own_tokens(user)
    if not tokens:
        return []
    rows = []
    for entry in privacy.access_log_for(tokens)[:ACCESS_LOG_LIMIT]:
        what, number = tokens.get(entry.token, ("", ""))
        role = entry.role if entry.role in ROLE_LABELS else ""
        rows.append(
            AccessRow(
                at=entry.at,
                who=str(ROLE_LABELS[role]) if role else entry.role,
                label="" if role == OWNER else entry.actor,
                why=entry.purpose_label,
                what=str(VALUE_LABELS.get(what, entry.kind)),
                order_number=number,
            )
        )
    return rows


@login_required
@require_GET
def access_log_page(request: HttpRequest) -> HttpResponse:
    rows = access_rows(_user(request))
    return render(
        request,
        "storefront/account_access_log.html",
        {"rows": rows, "truncated": len(rows) >= ACCESS_LOG_LIMIT},
    )
