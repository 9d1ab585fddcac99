""" "Fake one, pay ten" (假一赔十): a holder claims a piece is not as certified; an independent re-test
(a CLAIM-gate inspection, dual readings, at another store than the one that sold it when there is
one) or a third-party report staff confirm decides it; an upheld claim is compensated with ten
times the price paid for the piece.

Compensation goes first through the refund path for what the order paid for the line
(`payments.refund_payment`, keyed `claim:<reference>`, so a retry resumes rather than refunds
twice; a refund never exceeds what was paid) when the claimant is the buyer and the order can still
be refunded; the rest (9×, or all of it when the refund path is closed — a resold piece, a completed
order) is an owed `Payout`. Every step is a provenance statement without personal data:
`guarantee.claimed`, the station's own `qc.passed`/`qc.failed` (gate `claim`), `guarantee.decided`
and `guarantee.compensated`.

Deciding is a conditional update filed → upheld/rejected: a claim is decided once, also when two
staff decide it at the same moment. Locks: the claim row, then (refund) the payment row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.catalog.models import Piece
from auric.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from auric.core.money import Money
from auric.core.transactions import service_transaction
from auric.inventory.models import Location, PieceStock
from auric.orders.models import OrderLine
from auric.orders.services import PAID_STATES
from auric.provenance import services as provenance
from auric.quality.models import Gate, Inspection
from auric.warranty.buyback import holds
from auric.warranty.models import ClaimGround, GuaranteeClaim, InspectionReport, Payout, WarrantyCard
from auric.warranty.services import _number

MULTIPLE = 10
DECIDE = "warranty.decide_guaranteeclaim"
Basis = GuaranteeClaim.Basis
State = GuaranteeClaim.State


class ClaimNotFound(NotFound):
    code = "guarantee_claim_not_found"
    title = gettext_noop("No such guarantee claim")


class ClaimOpenAlready(Conflict):
    code = "guarantee_claim_open"
    title = gettext_noop("A claim for this piece is being handled already")


class ClaimDecidedAlready(Conflict):
    code = "guarantee_claim_decided"
    title = gettext_noop("The claim has been decided already")


class ClaimNotDecidable(Conflict):
    code = "guarantee_claim_not_decidable"
    title = gettext_noop("The claim cannot be decided that way")


def _may_decide(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(DECIDE):
        raise PermissionDenied("Only claims staff may do this.")


def sale_of(piece: Piece) -> OrderLine | None:
    """The order line the piece was last sold with (its warranty card's, else the latest paid)."""
    card = WarrantyCard.objects.filter(piece=piece).select_related("order_line__order").order_by("-issued_at").first()
    if card is not None:
        return card.order_line
    return (
        OrderLine.objects.select_related("order")
        .filter(piece=piece, order__paid_at__isnull=False)
        .order_by("-order__paid_at", "-pk")
        .first()
    )


def net_price(line: OrderLine) -> Decimal:
    """What was paid for the line: its total net of its share of discounts."""
    return line.line_total - line.discount


def file_claim(
    *, user: Any, piece: Piece, ground: str, detail: str = "", report: InspectionReport | None = None
) -> GuaranteeClaim:
    """The holder files a claim (someone else: 404, as for a piece that does not exist)."""
    errors: dict[str, list[str]] = {}
    if ground not in ClaimGround.values:
        errors["ground"] = [f"one of {', '.join(ClaimGround.values)}"]
    if len(detail) > 1000 or "\x00" in detail:
        errors["detail"] = ["at most 1000 characters"]
    if report is not None and report.piece_id != piece.pk:
        errors["report"] = ["not a report of this piece"]
    if errors:
        raise ValidationFailed("The claim is not valid", errors=errors)
    if not holds(user, piece):
        raise ClaimNotFound("You hold no such piece")
    line = sale_of(piece)
    if line is None:
        raise ClaimNotDecidable("The piece was never sold here, so there is no price to compensate.")
    stock = PieceStock.objects.filter(piece_id=piece.pk).first()
    public_id = provenance.piece_public_id(piece)
    now = timezone.now()
    with service_transaction():
        try:
            with transaction.atomic():
                claim = GuaranteeClaim.objects.create(
                    reference=_number("G"),
                    piece=piece,
                    piece_public_id=public_id,
                    claimant=user,
                    order_line=line,
                    sold_at_id=stock.location_id if stock is not None else None,
                    ground=ground,
                    detail=detail.strip(),
                    report=report,
                    price_paid=net_price(line),
                    currency=line.order.currency,
                    filed_at=now,
                )
        except IntegrityError as error:
            raise ClaimOpenAlready("A claim for this piece is open already.") from error
        provenance.record(
            "guarantee.claimed",
            party_id=provenance.PLATFORM,
            piece=public_id,
            data={"claim": claim.reference, "ground": ground, "report": report.sha256 if report else None},
            source=f"claim:{claim.reference}:filed",
            at=now,
        )
        return claim


def retest_stations(claim: GuaranteeClaim) -> list[Location]:
    """Where the independent re-test may be done: active stores and warehouses, not the selling one."""
    places = Location.objects.filter(is_active=True, kind__in=[Location.Kind.STORE, Location.Kind.WAREHOUSE])
    if claim.sold_at_id is not None:
        places = places.exclude(pk=claim.sold_at_id)
    return list(places.order_by("code"))


def link_retest(*, claim: GuaranteeClaim, inspection: Inspection, actor: Any) -> GuaranteeClaim:
    """Staff link the decided CLAIM-gate inspection of the piece to the claim."""
    _may_decide(actor)
    with service_transaction():
        claim = GuaranteeClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.state != State.FILED:
            raise ClaimDecidedAlready(f"Claim {claim.reference} is {claim.state}.")
        inspection = Inspection.objects.get(pk=inspection.pk)
        if inspection.piece_id != claim.piece_id or inspection.gate != Gate.CLAIM:
            raise ClaimNotDecidable("Link a guarantee re-test (claim gate) of this piece.")
        if inspection.state not in (Inspection.State.PASSED, Inspection.State.FAILED):
            raise ClaimNotDecidable("The re-test is not decided yet.")
        if inspection.opened_at < claim.filed_at:
            raise ClaimNotDecidable("The re-test must be done after the claim was filed.")
        if inspection.station_id == claim.sold_at_id and retest_stations(claim):
            raise ClaimNotDecidable("Re-test at another store or lab than the one that sold the piece.")
        claim.inspection = inspection
        claim.save(update_fields=["inspection"])
        return claim


def decide_claim(
    *, claim: GuaranteeClaim, upheld: bool, basis: str = "", reason: str = "", actor: Any
) -> GuaranteeClaim:
    """Uphold (on a failed re-test, or a third-party report staff confirm) or reject (with the
    reason). Exactly once."""
    _may_decide(actor)
    reason = reason.strip()
    if len(reason) > 500 or "\x00" in reason:
        raise ValidationFailed("The reason is too long", errors={"reason": ["at most 500 characters"]})
    if not upheld and not reason:
        raise ValidationFailed("Say why the claim does not hold", errors={"reason": ["required"]})
    if upheld and basis not in Basis.values:
        raise ValidationFailed("Say what the claim holds on", errors={"basis": [f"one of {', '.join(Basis.values)}"]})
    now = timezone.now()
    with service_transaction():
        claim = (
            GuaranteeClaim.objects.select_for_update(of=("self",))
            .select_related("inspection", "report")
            .get(pk=claim.pk)
        )
        if claim.state != State.FILED:
            raise ClaimDecidedAlready(f"Claim {claim.reference} was decided: {claim.state}.")
        retest = claim.inspection.state if claim.inspection is not None else None
        if upheld and basis == Basis.RETEST and retest != Inspection.State.FAILED:
            raise ClaimNotDecidable("A claim holds on the re-test only when the linked re-test failed.")
        if upheld and basis == Basis.REPORT and (claim.report is None or not reason):
            raise ClaimNotDecidable(
                "A claim holds on a third-party report only with the report and the mismatch stated."
            )
        compensation = claim.price_paid * MULTIPLE if upheld else None
        moved = GuaranteeClaim.objects.filter(pk=claim.pk, state=State.FILED).update(
            state=State.UPHELD if upheld else State.REJECTED,
            basis=basis if upheld else "",
            decision_reason=reason,
            decided_at=now,
            decided_by=actor,
            compensation=compensation,
        )
        if moved != 1:
            raise ClaimDecidedAlready(f"Claim {claim.reference} was decided meanwhile.")
        provenance.record(
            "guarantee.decided",
            party_id=provenance.PLATFORM,
            piece=claim.piece_public_id,
            data={
                "claim": claim.reference,
                "outcome": "upheld" if upheld else "rejected",
                "basis": basis if upheld else None,
                "retest": retest,
                "compensation": format(compensation, "f") if compensation is not None else None,
                "currency": claim.currency,
            },
            source=f"claim:{claim.reference}:decided",
            at=now,
        )
        claim.refresh_from_db()
        return claim


def _refundable(claim: GuaranteeClaim) -> Decimal:
    """What the refund path can give back: the line's paid amount not refunded yet, when the claimant
    bought it and the order can still be refunded; else nothing."""
    line = OrderLine.objects.select_related("order").get(pk=claim.order_line_id)
    order = line.order
    if order.user_id is None or order.user_id != claim.claimant_id or order.state not in PAID_STATES:
        return Decimal(0)
    if not order.payments.filter(state="succeeded").exists():
        return Decimal(0)
    return max(Decimal(0), min(net_price(line) - line.refunded_amount, claim.compensation or Decimal(0)))


def _finish(claim_id: int, *, refund: Any, payout_method: str) -> None:
    """The payout for the rest, the claim compensated, the statement — in the caller's transaction."""
    claim = GuaranteeClaim.objects.select_for_update().get(pk=claim_id)
    if claim.state == State.COMPENSATED:
        return
    total = claim.compensation or Decimal(0)
    refunded = refund.amount if refund is not None else Decimal(0)
    rest = total - refunded
    if rest > 0:
        Payout.objects.create(
            reason=Payout.Reason.COMPENSATION,
            payee_id=claim.claimant_id,
            amount=rest,
            currency=claim.currency,
            method=payout_method,
            claim=claim,
        )
    now = timezone.now()
    GuaranteeClaim.objects.filter(pk=claim.pk, state=State.UPHELD).update(
        state=State.COMPENSATED, refund=refund, refund_amount=refunded, compensated_at=now
    )
    provenance.record(
        "guarantee.compensated",
        party_id=provenance.PLATFORM,
        piece=claim.piece_public_id,
        data={
            "claim": claim.reference,
            "total": format(total, "f"),
            "refunded": format(refunded, "f"),
            "paid_out": format(rest, "f"),
            "currency": claim.currency,
        },
        source=f"claim:{claim.reference}:compensated",
        at=now,
    )


def compensate_claim(*, claim: GuaranteeClaim, payout_method: str, actor: Any) -> GuaranteeClaim:
    """Pay an upheld claim: the refund path for what the order paid, the rest as an owed payout.
    Calling again after it is compensated changes nothing; after a crash it resumes the refund."""
    from auric.payments.services import refund_payment

    _may_decide(actor)
    if payout_method not in Payout.Method.values:
        raise ValidationFailed("How is the rest paid?", errors={"payout_method": [", ".join(Payout.Method.values)]})
    claim = GuaranteeClaim.objects.get(pk=claim.pk)
    if claim.state == State.COMPENSATED:
        return claim
    if claim.state != State.UPHELD:
        raise ClaimNotDecidable(f"Only an upheld claim is compensated; claim {claim.reference} is {claim.state}.")
    amount = _refundable(claim)
    if amount > 0:
        line = OrderLine.objects.select_related("order").get(pk=claim.order_line_id)
        refund_payment(
            order=line.order,
            amount=Money(amount, claim.currency),
            reason=f"guarantee claim {claim.reference} (假一赔十)",
            actor=actor,
            key=f"claim:{claim.reference}",
            line_amounts={line.pk: Money(amount, claim.currency)},
            on_refunded=lambda refund: _finish(claim.pk, refund=refund, payout_method=payout_method),
        )
    else:
        with service_transaction():
            _finish(claim.pk, refund=None, payout_method=payout_method)
    return GuaranteeClaim.objects.get(pk=claim.pk)


def claims_of(user: Any) -> list[GuaranteeClaim]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        GuaranteeClaim.objects.filter(claimant=user).select_related("piece__style").order_by("-filed_at", "-id")[:200]
    )
