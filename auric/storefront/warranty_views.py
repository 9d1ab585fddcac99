"""The shopper's warranties: "My warranties" (cards, free services left, bookings with weights in and
out) and booking or cancelling a service.

Thin like the other storefront views: `auric.warranty.services` decides. Every change is a
CSRF-protected POST on the signed-in shopper's own cards and bookings; anyone else's is a 404.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from auric.core.errors import Conflict, NotFound, ValidationFailed
from auric.inventory.models import Location
from auric.warranty import services
from auric.warranty.states import CardStatus, Channel, Period, ServiceKind, ServiceState

KIND_LABELS: dict[str, Any] = {
    ServiceKind.CLEANING: gettext_lazy("Cleaning"),
    ServiceKind.REPAIR: gettext_lazy("Repair of a manufacturing defect"),
    ServiceKind.RESIZE: gettext_lazy("Resizing"),
    ServiceKind.RE_POLISH: gettext_lazy("Re-polishing"),
    ServiceKind.RE_PLATING: gettext_lazy("Re-plating"),
    ServiceKind.CERTIFICATE_RECHECK: gettext_lazy("Certificate re-check"),
}
STATE_LABELS: dict[str, Any] = {
    ServiceState.BOOKED: gettext_lazy("Booked"),
    ServiceState.RECEIVED: gettext_lazy("Received by the store"),
    ServiceState.IN_WORK: gettext_lazy("In work"),
    ServiceState.RETURNED: gettext_lazy("Returned"),
    ServiceState.CANCELLED: gettext_lazy("Cancelled"),
}
CARD_STATUS_LABELS: dict[str, Any] = {
    CardStatus.ACTIVE: gettext_lazy("Active"),
    CardStatus.CANCELLED: gettext_lazy("Cancelled"),
    CardStatus.EXPIRED: gettext_lazy("Expired"),
}
CHANNEL_LABELS: dict[str, Any] = {
    Channel.STORE: gettext_lazy("I bring it to the store"),
    Channel.MAIL_IN: gettext_lazy("I mail it to the store"),
}
PERIOD_LABELS: dict[str, Any] = {Period.PER_YEAR: gettext_lazy("per year"), Period.TOTAL: gettext_lazy("in total")}


def _url() -> str:
    return reverse("storefront:warranties")


@login_required
@require_GET
def warranties_page(request: HttpRequest) -> HttpResponse:
    cards = [
        {
            "card": card,
            "status": card.status_on(),
            "status_label": CARD_STATUS_LABELS[card.status_on()],
            "entitlements": [
                {
                    "kind": KIND_LABELS.get(e.kind, e.kind),
                    "allowance": e.allowance,
                    "period": PERIOD_LABELS.get(e.period, e.period),
                    "left": e.left,
                    "ends_at": e.ends_at,
                }
                for e in services.entitlements_left(card)
            ],
        }
        for card in services.cards_of(request.user)
    ]
    bookings = [
        {
            "booking": b,
            "kind": KIND_LABELS.get(b.kind, b.kind),
            "state": STATE_LABELS.get(b.state, b.state),
            "channel": CHANNEL_LABELS.get(b.channel, b.channel),
            "cancellable": b.state == ServiceState.BOOKED,
        }
        for b in services.bookings_of(request.user)[:100]
    ]
    today = timezone.localdate()
    context = {
        "cards": cards,
        "bookable": [c for c in cards if c["status"] == CardStatus.ACTIVE],
        "bookings": bookings,
        "kinds": list(KIND_LABELS.items()),
        "channels": list(CHANNEL_LABELS.items()),
        "stores": list(Location.objects.filter(kind=Location.Kind.STORE, is_active=True).order_by("code")),
        "min_date": today.isoformat(),
        "max_date": (today + timedelta(days=services.BOOKING_HORIZON_DAYS)).isoformat(),
    }
    return render(request, "storefront/warranties.html", context)


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


@login_required
@require_POST
def warranty_book(request: HttpRequest) -> HttpResponse:
    store = request.POST.get("store", "")
    requested_on = _date(request.POST.get("date", ""))
    try:
        booking = services.book_service(
            user=request.user,
            card_number=request.POST.get("card", "")[:16],
            kind=request.POST.get("kind", ""),
            channel=request.POST.get("channel", ""),
            location_id=int(store) if store.isdigit() and len(store) < 12 else 0,
            requested_on=requested_on or date.min,
            note=request.POST.get("note", "")[:300],
        )
    except NotFound as exc:
        raise Http404("No such warranty card") from exc
    except ValidationFailed as error:
        fields = ", ".join(sorted(error.errors))
        messages.error(request, _("Please check the booking: %(fields)s.") % {"fields": fields})
    except Conflict:
        messages.error(request, _("This warranty card can no longer be used."))
    else:
        if booking.chargeable:
            messages.success(request, _("Booked. Your warranty does not cover this service, so it is chargeable."))
        else:
            messages.success(request, _("Booked. This service is free under your warranty."))
    return HttpResponseRedirect(_url())


@login_required
@require_POST
def warranty_booking_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        services.cancel_booking(reference=reference[:16], user=request.user)
    except NotFound as exc:
        raise Http404("No such booking") from exc
    except Conflict:
        messages.error(request, _("The store has received the piece already; this booking can no longer be cancelled."))
    else:
        messages.success(request, _("Your booking is cancelled."))
    return HttpResponseRedirect(_url())
