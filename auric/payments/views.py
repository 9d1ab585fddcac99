"""The sandbox provider's hosted payment page.

It stands in for the page a real channel hosts, so it is reached by its unguessable payment id
alone (a shopper paying from an app has no session here). Its forms are CSRF-protected POSTs; it
renders under the strict CSP (no inline script or style).
"""

from __future__ import annotations

import contextlib
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from auric.core.errors import DomainError
from auric.payments.models import Payment
from auric.payments.providers import sandbox
from auric.payments.providers.base import CallbackStatus
from auric.payments.webhooks import deliver_sandbox_callback

ACTIONS: dict[str, CallbackStatus] = {"pay": "succeeded", "fail": "failed", "abandon": "abandoned"}


def _payment(payment_id: UUID) -> Payment:
    if not sandbox.enabled():
        raise Http404(_("The sandbox payment provider is not enabled"))
    return get_object_or_404(Payment.objects.select_related("order"), pk=payment_id, provider=sandbox.NAME)


@require_http_methods(["GET", "HEAD", "POST"])
def sandbox_page(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    payment = _payment(payment_id)
    if request.method == "POST":
        status = ACTIONS.get(request.POST.get("action", ""))
        if status is None:
            return HttpResponseBadRequest(_("Choose pay, fail or abandon."))
        if payment.state == Payment.State.CREATED:
            # On a refusal the result page shows the payment as it stands.
            with contextlib.suppress(DomainError):
                deliver_sandbox_callback(payment=payment, status=status)
        return redirect("payments:sandbox_result", payment_id=payment.pk)
    context = {"payment": payment, "order": payment.order, "open": payment.state == Payment.State.CREATED}
    return render(request, "payments/sandbox_page.html", context)


@require_http_methods(["GET", "HEAD"])
def sandbox_result(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    payment = _payment(payment_id)
    payment.refresh_from_db()
    return render(request, "payments/sandbox_result.html", {"payment": payment, "order": payment.order})
