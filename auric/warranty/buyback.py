"""Gold buyback (回购) and trade-in (以旧换新): quotes from a store's buyback inspection and the day's
metal price minus the published fee, and accepting a quote exactly once.

A quote is made by counter staff for a piece the customer holds (its current owner in the
provenance log, or its warranty card's holder), from a decided, *passed* BUYBACK inspection at that
store (weight and fineness dual-verified), and is valid for `AURIC_BUYBACK_QUOTE_MINUTES` (default
30) because metal prices move. The arithmetic is `auric.warranty.fees`.

Accepting (by the customer, or by staff at the counter for them) is one transaction: the quote moves
open → accepted by a conditional update (so of two concurrent acceptances exactly one wins), the
piece re-enters stock at the store (`inventory.receive_piece`; with the inbound gate on it waits for
its inbound inspection like any received piece), the customer's ownership ends in the log, its
warranty cards are cancelled, the store signs `piece.bought_back`, and either a payout is owed
(buyback) or a single-use credit bound to the customer is issued (trade-in: a checkout `Coupon`
bound to the customer, 满X减X so it is used whole against a new order of at least its value).

Locks, in this order: the quote row, then the piece's stock row (inventory), then ownership and
warranty card rows.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.accounts import roles
from auric.catalog.models import Piece
from auric.checkout.models import Coupon
from auric.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from auric.core.transactions import service_transaction
from auric.inventory import services as inventory
from auric.inventory.models import Location, PieceStatus, PieceStock
from auric.pricing.models import MetalPrice
from auric.provenance import ownership
from auric.provenance import services as provenance
from auric.provenance.events import location_party
from auric.provenance.models import Ownership
from auric.quality.models import Gate, Inspection
from auric.warranty import fees
from auric.warranty.models import BuybackFee, BuybackQuote, Payout, TradeKind, WarrantyCard
from auric.warranty.services import _cancel_card, _number
from auric.warranty.states import CardStatus

QUOTE = "warranty.quote_buybackquote"
# Defaults; settings may override them (docs/warranty.md).
QUOTE_MINUTES = 30
CREDIT_DAYS = 90
PRICE_MAX_AGE_DAYS = 3
INSPECTION_MAX_AGE_HOURS = 24
# A payout reference is a transfer's id, never a card or account number.
LONG_DIGITS = re.compile(r"\d[\d \-]{11,}\d")


class QuoteNotFound(NotFound):
    code = "buyback_quote_not_found"
    title = gettext_noop("No such buyback quote")


class QuoteRefused(Conflict):
    code = "buyback_quote_refused"
    title = gettext_noop("No quote can be made for this piece")


class QuoteExpired(Conflict):
    code = "buyback_quote_expired"
    title = gettext_noop("The quote has expired")


class QuoteAlreadyAccepted(Conflict):
    code = "buyback_quote_already_accepted"
    title = gettext_noop("The quote has been accepted already")


class NotTheHolder(Conflict):
    code = "not_the_holder"
    title = gettext_noop("The customer does not hold this piece")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def quote_minutes() -> int:
    return _setting("AURIC_BUYBACK_QUOTE_MINUTES", QUOTE_MINUTES)


def credit_days() -> int:
    return _setting("AURIC_TRADE_IN_CREDIT_DAYS", CREDIT_DAYS)


# --- who holds a piece ---------------------------------------------------------------------------


def holds(user: Any, piece: Piece) -> bool:
    """The user is the piece's current owner in the log, or holds its active warranty card."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if Ownership.objects.filter(piece__piece_id=piece.pk, until__isnull=True, owner_id=user.pk).exists():
        return True
    return WarrantyCard.objects.filter(piece_id=piece.pk, holder_id=user.pk, status=CardStatus.ACTIVE).exists()


def may_quote(actor: Any, store: Location) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(QUOTE):
        raise PermissionDenied("Only counter staff may quote buybacks.")
    if roles.is_store_scoped(actor) and store.pk not in roles.store_location_ids(actor):
        raise PermissionDenied(f"You do not work at {store.name}.")


# --- the fee schedule and prices -----------------------------------------------------------------


def fee_schedule(*, currency: str = "CNY") -> list[BuybackFee]:
    return list(BuybackFee.objects.filter(is_active=True, currency=currency))


def fee_for(*, kind: str, metal: str, mark: int, currency: str) -> BuybackFee | None:
    """The mark's own line, else the metal's."""
    rows = BuybackFee.objects.filter(
        Q(fineness=mark) | Q(fineness__isnull=True), kind=kind, metal=metal, currency=currency, is_active=True
    )
    return min(rows, key=lambda row: row.fineness is None, default=None)


def prices_in_force(*, metal: str, currency: str, today: Any) -> dict[int, tuple[Decimal, Any]]:
    """{mark: (price per gram, date)} of the metal, the latest on or before today and at most
    PRICE_MAX_AGE_DAYS old (a stale price is no price for a buyback)."""
    oldest = today - timedelta(days=_setting("AURIC_BUYBACK_PRICE_MAX_AGE_DAYS", PRICE_MAX_AGE_DAYS))
    found: dict[int, tuple[Decimal, Any]] = {}
    rows = MetalPrice.objects.filter(metal=metal, currency=currency, on_date__lte=today, on_date__gte=oldest).order_by(
        "fineness", "-on_date"
    )
    for row in rows:
        found.setdefault(row.fineness, (row.price_per_gram, row.on_date))
    return found


# --- quotes --------------------------------------------------------------------------------------


def _verified(inspection: Inspection, name: str) -> Decimal | None:
    raw = (inspection.verified or {}).get(name)
    try:
        return Decimal(str(raw)) if raw not in (None, "") else None
    except ArithmeticError:
        return None


def make_quote(
    *,
    piece: Piece,
    kind: str,
    store: Location,
    customer: Any,
    inspection: Inspection,
    actor: Any,
    currency: str = "CNY",
) -> BuybackQuote:
    """A quote for a piece the customer holds, from its passed buyback inspection at this store."""
    if kind not in TradeKind.values:
        raise ValidationFailed("Unknown kind", errors={"kind": [f"one of {', '.join(TradeKind.values)}"]})
    may_quote(actor, store)
    now = timezone.now()
    with service_transaction():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if inspection.piece_id != piece.pk or inspection.gate != Gate.BUYBACK:
            raise QuoteRefused("The inspection is not a buyback test of this piece.")
        if inspection.state != Inspection.State.PASSED or inspection.decided_at is None:
            raise QuoteRefused(
                "A quote needs a decided, passed buyback inspection (weight and fineness dual-verified).",
                inspection_state=inspection.state,
            )
        if inspection.station_id != store.pk:
            raise QuoteRefused("The piece was tested at another store; quote where it was weighed and tested.")
        age = timedelta(hours=_setting("AURIC_BUYBACK_INSPECTION_MAX_AGE_HOURS", INSPECTION_MAX_AGE_HOURS))
        if inspection.decided_at < now - age:
            raise QuoteRefused("The buyback inspection is too old; test the piece again.")
        if not holds(customer, piece):
            raise NotTheHolder("The customer neither owns this piece in its history nor holds its warranty.")
        stock = PieceStock.objects.filter(piece_id=piece.pk).first()
        if stock is None or stock.status != PieceStatus.SOLD:
            raise QuoteRefused("Only a sold piece in a customer's hands can be bought back.")
        piece = Piece.objects.select_related("variant").get(pk=piece.pk)
        if piece.stones.exists():
            raise QuoteRefused("We buy back plain metal only: a piece with stones cannot be quoted by weight.")
        weight, fineness = _verified(inspection, "weight_g"), _verified(inspection, "fineness_permille")
        if weight is None or fineness is None or weight <= 0:
            raise QuoteRefused("The inspection has no verified weight and fineness.")
        metal = piece.variant.metal
        mark = fees.mark_for(metal, fineness)
        if mark is None:
            raise QuoteRefused(f"{fineness}‰ is below every GB 11887 mark for {metal}.")
        price = fees.price_at_mark(mark, prices_in_force(metal=metal, currency=currency, today=timezone.localdate()))
        if price is None:
            raise QuoteRefused(f"No {metal} price in force today; a quote needs the day's metal price.")
        fee = fee_for(kind=kind, metal=metal, mark=mark, currency=currency)
        if fee is None:
            raise QuoteRefused(f"The fee schedule has no {kind} line for {metal} {mark}‰.")
        valuation = fees.value(
            metal=metal,
            weight_g=weight,
            fineness_permille=fineness,
            mark=mark,
            price=price,
            fee=fees.Fee(basis=fee.basis, rate=fee.amount),
            currency=currency,
        )
        if valuation.amount <= 0:
            raise QuoteRefused("After the fee nothing is left to pay for this piece.")
        return BuybackQuote.objects.create(
            reference=_number("Q"),
            kind=kind,
            piece=piece,
            customer=customer,
            store=store,
            inspection=inspection,
            metal=metal,
            weight_g=weight,
            fineness_permille=fineness,
            mark=mark,
            price_per_gram=price.per_gram,
            price_date=price.on_date,
            metal_value=valuation.metal_value,
            fee=valuation.fee,
            amount=valuation.amount,
            currency=currency,
            lines=valuation.lines,
            created_at=now,
            created_by=actor,
            expires_at=now + timedelta(minutes=quote_minutes()),
        )


def _payout_method(kind: str, method: str, reference: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    if kind == TradeKind.BUYBACK and method not in Payout.Method.values:
        errors["payout_method"] = [f"one of {', '.join(Payout.Method.values)}"]
    if kind == TradeKind.TRADE_IN and method:
        errors["payout_method"] = ["a trade-in is paid as a credit, not a payout"]
    if len(reference) > 80 or "\x00" in reference:
        errors["payout_reference"] = ["at most 80 characters"]
    elif LONG_DIGITS.search(reference):
        errors["payout_reference"] = ["a transfer reference, never a card or account number"]
    if errors:
        raise ValidationFailed("The acceptance is not valid", errors=errors)
    return method, reference


def _credit(quote: BuybackQuote, now: datetime) -> Coupon:
    """A single-use credit for a new order, bound to the customer: 满 amount 减 amount."""
    return Coupon.objects.create(
        code=f"TI{secrets.token_hex(10).upper()}",
        label=f"以旧换新 Trade-in credit {quote.reference}",
        kind=Coupon.Kind.THRESHOLD,
        amount_off=quote.amount,
        min_spend=quote.amount,
        currency=quote.currency,
        starts_at=now,
        ends_at=now + timedelta(days=credit_days()),
        usage_limit=1,
        per_customer_limit=1,
        bound_to=quote.customer,
    )


def accept_quote(
    *,
    reference: str,
    customer: Any,
    payout_method: str = "",
    payout_reference: str = "",
    actor: Any = None,
) -> BuybackQuote:
    """The customer accepts the quote (or staff at the counter for them: `actor`). Exactly once;
    after expiry refused with nothing changed."""
    if not getattr(customer, "is_authenticated", False):
        raise QuoteNotFound(f"No buyback quote {reference}")
    now = timezone.now()
    with service_transaction():
        quote = (
            BuybackQuote.objects.select_for_update()
            .select_related("piece", "store")
            .filter(reference=reference, customer_id=customer.pk)
            .first()
        )
        if quote is None:
            raise QuoteNotFound(f"No buyback quote {reference}")
        if actor is not None:
            may_quote(actor, quote.store)
        if quote.state == BuybackQuote.State.ACCEPTED:
            raise QuoteAlreadyAccepted(f"Quote {reference} was accepted at {quote.accepted_at:%Y-%m-%d %H:%M} UTC.")
        if quote.state != BuybackQuote.State.OPEN:
            raise QuoteRefused(f"Quote {reference} is {quote.state}.")
        if quote.expires_at <= now:
            raise QuoteExpired(
                f"Quote {reference} expired at {quote.expires_at:%Y-%m-%d %H:%M} UTC; ask the store for a new one.",
                expired_at=quote.expires_at.isoformat(),
            )
        method, transfer = _payout_method(quote.kind, payout_method.strip(), payout_reference.strip())
        if not holds(customer, quote.piece):
            raise NotTheHolder("You no longer hold this piece.")
        moved = BuybackQuote.objects.filter(pk=quote.pk, state=BuybackQuote.State.OPEN, expires_at__gt=now).update(
            state=BuybackQuote.State.ACCEPTED, accepted_at=now, accepted_by=actor if actor is not None else customer
        )
        if moved != 1:
            raise QuoteAlreadyAccepted(f"Quote {reference} was accepted meanwhile.")
        try:
            inventory.receive_piece(
                piece=quote.piece, location=quote.store, actor=actor, reference=f"{quote.kind} {quote.reference}"
            )
        except Conflict as error:
            raise QuoteRefused(f"The piece cannot be taken back: {error.detail}") from error
        reason = "bought_back" if quote.kind == TradeKind.BUYBACK else "traded_in"
        ownership.end_ownership(piece_id=quote.piece_id, source=f"buyback:{quote.reference}:owner", reason=reason)
        cards = WarrantyCard.objects.select_for_update().filter(piece_id=quote.piece_id, status=CardStatus.ACTIVE)
        for card in cards.order_by("pk"):
            _cancel_card(card, reason=reason, now=now)
        party = location_party(quote.store_id)
        provenance.record(
            "piece.bought_back",
            party_id=party,
            piece=provenance.piece_public_id(quote.piece),
            data={
                "location": party,
                "kind": quote.kind,
                "weight_g": format(quote.weight_g, "f"),
                "fineness_permille": format(quote.fineness_permille, "f"),
                "mark": quote.mark,
            },
            source=f"buyback:{quote.reference}",
            at=now,
        )
        if quote.kind == TradeKind.BUYBACK:
            Payout.objects.create(
                reason=Payout.Reason.BUYBACK,
                payee=customer,
                amount=quote.amount,
                currency=quote.currency,
                method=method,
                reference=transfer,
                quote=quote,
            )
        else:
            quote.credit = _credit(quote, now)
            BuybackQuote.objects.filter(pk=quote.pk).update(credit=quote.credit)
        quote.refresh_from_db()
        return quote


def withdraw_quote(*, reference: str, actor: Any) -> BuybackQuote:
    """Staff withdraw an open quote (the customer declined)."""
    with service_transaction():
        quote = BuybackQuote.objects.select_for_update().filter(reference=reference).first()
        if quote is None:
            raise QuoteNotFound(f"No buyback quote {reference}")
        may_quote(actor, quote.store)
        if quote.state != BuybackQuote.State.OPEN:
            raise QuoteRefused(f"Quote {reference} is {quote.state}.")
        quote.state = BuybackQuote.State.WITHDRAWN
        quote.save(update_fields=["state"])
        return quote


def mark_payout_paid(*, payout: Payout, reference: str, actor: Any) -> Payout:
    """Staff record that an owed payout was paid, with the transfer's reference."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("warranty.settle_payout"):
        raise PermissionDenied("Only finance staff may mark payouts paid.")
    reference = reference.strip()
    if not reference or len(reference) > 80 or LONG_DIGITS.search(reference):
        raise ValidationFailed(
            "Give the transfer's reference", errors={"reference": ["1–80 characters, no card or account number"]}
        )
    with service_transaction():
        moved = Payout.objects.filter(pk=payout.pk, state=Payout.State.OWED).update(
            state=Payout.State.PAID, reference=reference, paid_at=timezone.now(), paid_by=actor
        )
        if moved != 1:
            raise Conflict(f"Payout {payout.pk} is paid already.")
        return Payout.objects.get(pk=payout.pk)


def quotes_of(user: Any) -> list[BuybackQuote]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        BuybackQuote.objects.filter(customer=user)
        .select_related("piece__style", "store", "credit")
        .order_by("-created_at", "-id")[:200]
    )
