"""Buyback, trade-in and the "fake one, pay ten" guarantee for shoppers: the public fee schedule with
the rule, and "My guarantee" (my quotes, my claims, filing a claim with an optional third-party
report). Thin: `auric.warranty.buyback`, `.claims` and `.reports` decide.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from auric.core.errors import Conflict, NotFound, ValidationFailed
from auric.warranty import buyback, claims, reports, services
from auric.warranty.models import ClaimGround, FeeBasis, GuaranteeClaim, TradeKind
from auric.warranty.states import CardStatus

KIND_LABELS: dict[str, Any] = {
    TradeKind.BUYBACK: gettext_lazy("Buyback (cash)"),
    TradeKind.TRADE_IN: gettext_lazy("Trade-in (credit for a new piece)"),
}
METAL_LABELS: dict[str, Any] = {
    "gold": gettext_lazy("Gold"),
    "platinum": gettext_lazy("Platinum"),
    "palladium": gettext_lazy("Palladium"),
    "silver": gettext_lazy("Silver"),
}
GROUND_LABELS: dict[str, Any] = {
    ClaimGround.FINENESS: gettext_lazy("Fineness below its mark"),
    ClaimGround.WEIGHT: gettext_lazy("Weight differs"),
    ClaimGround.STONE: gettext_lazy("Stone not as certified"),
    ClaimGround.CERTIFICATE: gettext_lazy("Certificate does not match"),
    ClaimGround.OTHER: gettext_lazy("Other"),
}
CLAIM_STATE_LABELS: dict[str, Any] = {
    GuaranteeClaim.State.FILED: gettext_lazy("Filed, being re-tested"),
    GuaranteeClaim.State.UPHELD: gettext_lazy("Upheld"),
    GuaranteeClaim.State.REJECTED: gettext_lazy("Rejected"),
    GuaranteeClaim.State.COMPENSATED: gettext_lazy("Compensated"),
}


@require_GET
def buyback_page(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "kind": KIND_LABELS.get(fee.kind, fee.kind),
            "metal": METAL_LABELS.get(fee.metal, fee.metal),
            "fineness": fee.fineness,
            "fee": f"{fee.amount}%" if fee.basis == FeeBasis.PERCENT else f"{fee.amount} {fee.currency}/g",
            "note": fee.note,
        }
        for fee in sorted(buyback.fee_schedule(), key=lambda f: (f.metal, f.fineness or 0, f.kind))
    ]
    context = {"fees": rows, "quote_minutes": buyback.quote_minutes(), "credit_days": buyback.credit_days()}
    return render(request, "storefront/buyback.html", context)


def _url() -> str:
    return reverse("storefront:guarantee")


@login_required
@require_GET
def guarantee_page(request: HttpRequest) -> HttpResponse:
    held = [c for c in services.cards_of(request.user) if c.status_on() == CardStatus.ACTIVE]
    context = {
        "pieces": held,
        "grounds": list(GROUND_LABELS.items()),
        "claims": [
            {"claim": c, "ground": GROUND_LABELS.get(c.ground, c.ground), "state": CLAIM_STATE_LABELS.get(c.state)}
            for c in claims.claims_of(request.user)
        ],
        "quotes": [
            {"quote": q, "kind": KIND_LABELS.get(q.kind, q.kind), "expired": q.is_expired()}
            for q in buyback.quotes_of(request.user)
        ],
        "max_mb": reports.max_report_bytes() // (1024 * 1024),
    }
    return render(request, "storefront/guarantee.html", context)


@login_required
@require_POST
def guarantee_claim(request: HttpRequest) -> HttpResponse:
    public_id = str(request.POST.get("piece", ""))[:64]
    upload = request.FILES.get("report")
    try:
        piece = reports.held_piece(user=request.user, public_id=public_id)
        report = None
        if upload is not None:
            report = reports.attach_report(
                piece=piece,
                issuer=str(request.POST.get("issuer", ""))[:200],
                report_number=str(request.POST.get("report_number", ""))[:200],
                upload=upload,
                user=request.user,
            )
        claim = claims.file_claim(
            user=request.user,
            piece=piece,
            ground=str(request.POST.get("ground", ""))[:20],
            detail=str(request.POST.get("detail", ""))[:1000],
            report=report,
        )
    except NotFound:
        messages.error(request, _("You hold no such piece."))
    except ValidationFailed as error:
        fields = ", ".join(sorted(error.errors))
        messages.error(request, _("Please check the claim: %(fields)s.") % {"fields": fields})
    except Conflict:
        messages.error(request, _("A claim for this piece is being handled already."))
    else:
        messages.success(
            request,
            _("Claim %(reference)s filed. We re-test the piece independently.") % {"reference": claim.reference},
        )
    return HttpResponseRedirect(_url())
