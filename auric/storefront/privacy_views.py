"""The shopper's privacy page: consents with their texts (D1, D6), export all my data, delete my
account (D3). Thin: `auric.privacy.consents` and `auric.privacy.rights` decide; every change is a
CSRF-protected POST on the signed-in shopper's own account."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from auric.accounts import stepup
from auric.accounts.models import User
from auric.core.errors import ValidationFailed
from auric.privacy import consents, rights


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _page(request: HttpRequest, *, status: int = 200, extra: dict[str, Any] | None = None) -> HttpResponse:
    language = get_language()
    rows = [
        {"state": state, "text": consents.current_text(kind).in_language(language)[1]}
        for kind, state in consents.current(_user(request)).items()
    ]
    return render(request, "storefront/account_privacy.html", {"consents": rows, **(extra or {})}, status=status)


@login_required
@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


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
    except ValidationFailed:
        messages.error(request, _("There is no such consent. Nothing was changed."))
    return HttpResponseRedirect(reverse("storefront:account_privacy"))


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        receipt = rights.delete_account(user=user, password=request.POST.get("password", "")[:128])
    except rights.WrongPassword:
        messages.error(request, _("The password is wrong. Nothing was deleted."))
        return _page(request, status=400)
    except rights.OrdersInFlight as refused:
        numbers = ", ".join([*refused.extra.get("orders", []), *refused.extra.get("returns", [])])
        messages.error(
            request,
            _("Your account can be deleted once these orders are delivered or cancelled and returns settled: %(n)s")
            % {"n": numbers},
        )
        return _page(request, status=409)
    except stepup.StepUpRequired:
        messages.error(request, _("Enter your password to delete the account."))
        return _page(request, status=403)
    logout(request)
    return render(request, "storefront/account_deleted.html", {"receipt": receipt})
