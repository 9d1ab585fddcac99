"""The shopper's identity verification page (COMPLIANCE D4): real name and resident ID number, once.

Paying an order that brings the day's purchases to the large-transaction threshold sends the shopper
here first (`shop_views._pay`); the rules are in `auric.accounts.identity`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from auric.accounts import identity
from auric.accounts.models import User
from auric.core.errors import Conflict, ValidationFailed


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("storefront:orders")


@login_required
@require_http_methods(["GET", "POST"])
def identity_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    target = _next(request)
    context: dict[str, Any] = {"next": target, "record": identity.verification_of(user), "errors": {}, "name": ""}
    if request.method == "POST" and context["record"] is None:
        name = request.POST.get("name", "")[:60]
        try:
            identity.verify_identity(user=user, name=name, id_number=request.POST.get("id_number", "")[:24])
        except ValidationFailed as exc:
            context.update(errors=exc.errors, name=name)
            return render(request, "storefront/identity.html", context, status=422)
        except Conflict:
            pass
        messages.success(request, _("Your identity is verified. You can pay now."))
        return HttpResponseRedirect(target)
    return render(request, "storefront/identity.html", context)
