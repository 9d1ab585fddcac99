"""Sign in with a phone number and an SMS code: two plain forms, no script (the CSP allows none inline).

Step 1 (`/account/login/phone/`) takes the number and sends a code; the number waits in the session
for step 2 (`/account/login/phone/code/`), which takes the code and signs in (a number without an
account gets one, as in the API). The rules are in `auric.accounts.sms_login`; the throttling
answers are shown as messages on the form.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from auric.accounts import lockout, sms_login
from auric.core.errors import DomainError, ValidationFailed
from auric.privacy.vault import mask_phone

SESSION_PHONE = "auric_sms_login_phone"
MAX_INPUT = 32


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({'next': target})}" if target else url


def _error_text(exc: DomainError) -> str:
    if isinstance(exc, sms_login.SmsThrottled):
        seconds = int(exc.extra.get("retry_after", 60))
        if seconds <= 90:
            return _("Too many codes requested. Try again in %(seconds)s seconds.") % {"seconds": seconds}
        return _("Too many codes requested. Try again in %(minutes)s minutes.") % {"minutes": math.ceil(seconds / 60)}
    if isinstance(exc, ValidationFailed) and "phone" in exc.errors:
        return _("Enter a mainland China mobile number (11 digits).")
    if isinstance(exc, sms_login.InvalidSmsCode):
        return _("The code is wrong or has expired. Ask for a new code.")
    if isinstance(exc, sms_login.SmsUnavailable):
        return _("The code could not be sent. Try again in a few minutes.")
    return _("You could not be signed in with this number.")


@require_http_methods(["GET", "POST"])
def phone_login(request: HttpRequest) -> HttpResponse:
    target = _next(request)
    context: dict[str, Any] = {"next": target, "phone": "", "error": ""}
    if request.method == "POST":
        resend = request.POST.get("resend") == "1"
        phone = request.session.get(SESSION_PHONE, "") if resend else request.POST.get("phone", "")[:MAX_INPUT]
        context["phone"] = "" if resend else phone
        try:
            sms_login.send_sign_in_code(phone=phone, ip=lockout.client_ip(request))
        except DomainError as exc:
            context["error"] = _error_text(exc)
            if resend and request.session.get(SESSION_PHONE):
                return _code_page(request, target, error=context["error"], status=exc.status)
            return render(request, "storefront/phone_login.html", context, status=exc.status)
        request.session[SESSION_PHONE] = sms_login.normalise_phone(phone)
        return HttpResponseRedirect(_with_next(reverse("storefront:phone_login_code"), target))
    return render(request, "storefront/phone_login.html", context)


def _code_page(request: HttpRequest, target: str, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "next": target,
        "phone_masked": mask_phone(request.session.get(SESSION_PHONE, "")),
        "error": error,
        "expires_minutes": max(1, int(getattr(settings, "AURIC_SMS_CODE_SECONDS", 300)) // 60),
    }
    return render(request, "storefront/phone_login_code.html", context, status=status)


@require_http_methods(["GET", "POST"])
def phone_login_code(request: HttpRequest) -> HttpResponse:
    target = _next(request)
    phone = request.session.get(SESSION_PHONE, "")
    if not phone:
        return HttpResponseRedirect(_with_next(reverse("storefront:phone_login"), target))
    if request.method == "GET":
        return _code_page(request, target)
    try:
        signed_in = sms_login.verify_sign_in_code(phone=phone, code=request.POST.get("code", "")[:MAX_INPUT])
    except DomainError as exc:
        return _code_page(request, target, error=_error_text(exc), status=exc.status)
    request.session.pop(SESSION_PHONE, None)
    login(request, signed_in.user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return HttpResponseRedirect(target or reverse("storefront:home"))
