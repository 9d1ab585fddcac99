"""The shopper's buyback, trade-in and guarantee API: the published fee schedule (public), my quotes
and accepting one, my guarantee claims and filing one, and attaching a third-party report to a
piece I hold.

Holder only: another shopper's quote, claim or piece answers 404, exactly like one that does not
exist. Quotes are made at the store counter (back office), from the piece's buyback test there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Path, Router, Schema, Status, UploadedFile

from auric.accounts.auth import API_AUTH
from auric.api import READ_ERRORS, WRITE_ERRORS, DecimalStr, errors, text
from auric.warranty import buyback, claims, reports
from auric.warranty.models import BuybackQuote, GuaranteeClaim, InspectionReport

router = Router(tags=["buyback and guarantee"])

QUOTE_PATTERN = r"^Q[0-9A-Z]{12}$"
CLAIM_PATTERN = r"^G[0-9A-Z]{12}$"
PIECE_PATTERN = r"^pc_[0-9a-f]{20}$"
QuoteReference = Path(..., pattern=QUOTE_PATTERN, description="The quote's reference")
ClaimReference = Path(..., pattern=CLAIM_PATTERN, description="The claim's reference")
PieceId = Path(..., pattern=PIECE_PATTERN, description="The piece's public id in the provenance log")


def _auth(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


class FeeOut(Schema):
    kind: str = Field(..., description="buyback (cash out) or trade_in (credit for a new order)")
    metal: str
    fineness: int | None = Field(..., description="A GB 11887 mark; null: every fineness of the metal")
    basis: str = Field(..., description="per_gram or percent (of the metal value)")
    amount: DecimalStr
    currency: str
    note: str


class FeeScheduleOut(Schema):
    fees: list[FeeOut]
    quote_minutes: int = Field(..., description="How long a quote is valid")
    credit_days: int = Field(..., description="How long a trade-in credit can be used")
    rule: str


class QuoteLine(Schema):
    label: str
    text: str


class QuoteOut(Schema):
    reference: str
    kind: str
    piece: str = Field(..., description="The piece's public id in the provenance log")
    store: str
    state: str = Field(..., description="open, accepted, withdrawn, or expired (open past its time)")
    weight_g: DecimalStr
    fineness_permille: DecimalStr
    mark: int
    price_per_gram: DecimalStr
    price_date: dt.date
    metal_value: DecimalStr
    fee: DecimalStr
    amount: DecimalStr
    currency: str
    lines: list[QuoteLine]
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    credit_code: str | None = Field(None, description="Trade-in: the single-use code for a new order")
    credit_ends_at: dt.datetime | None = None


class AcceptIn(Schema):
    payout_method: Literal["", "bank_transfer", "alipay", "wechat_pay", "cash"] = Field(
        "", description="Buyback: how we pay you; trade-in: empty (a credit is issued)"
    )
    payout_reference: str = text(80, description="Optional note for the transfer; never a card or account number")


class ClaimIn(Schema):
    ground: Literal["fineness", "weight", "stone", "certificate", "other"]
    detail: str = text(1000, description="What is wrong, in your words (never in the public history)")
    report_sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="A third-party report attached to this piece"
    )


class ClaimOut(Schema):
    reference: str
    piece: str
    ground: str
    state: str = Field(..., description="filed, upheld, rejected or compensated")
    filed_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    price_paid: DecimalStr
    compensation: DecimalStr | None = Field(..., description="10 × the price paid, once upheld")
    refunded: DecimalStr | None = Field(..., description="Of it, refunded through the order's payment")
    currency: str


class ReportOut(Schema):
    piece: str
    issuer: str
    report_number: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


def quote_out(quote: BuybackQuote) -> QuoteOut:
    credit = quote.credit
    return QuoteOut(
        reference=quote.reference,
        kind=quote.kind,
        piece=quote.piece.provenance.public_id if hasattr(quote.piece, "provenance") else "",
        store=quote.store.name,
        state="expired" if quote.is_expired() else quote.state,
        weight_g=quote.weight_g,
        fineness_permille=quote.fineness_permille,
        mark=quote.mark,
        price_per_gram=quote.price_per_gram,
        price_date=quote.price_date,
        metal_value=quote.metal_value,
        fee=quote.fee,
        amount=quote.amount,
        currency=quote.currency,
        lines=[QuoteLine(label=str(line["label"]), text=str(line["text"])) for line in quote.lines],
        expires_at=quote.expires_at,
        accepted_at=quote.accepted_at,
        credit_code=credit.code if credit else None,
        credit_ends_at=credit.ends_at if credit else None,
    )


def claim_out(claim: GuaranteeClaim) -> ClaimOut:
    return ClaimOut(
        reference=claim.reference,
        piece=claim.piece_public_id,
        ground=claim.ground,
        state=claim.state,
        filed_at=claim.filed_at,
        decided_at=claim.decided_at,
        decision_reason=claim.decision_reason,
        price_paid=claim.price_paid,
        compensation=claim.compensation,
        refunded=claim.refund_amount,
        currency=claim.currency,
    )


def _my_quote(request: HttpRequest, reference: str) -> BuybackQuote:
    quote = next((q for q in buyback.quotes_of(_auth(request)) if q.reference == reference), None)
    if quote is None:
        raise buyback.QuoteNotFound(f"No buyback quote {reference}")
    return quote


@router.get(
    "/warranty/buyback/fees",
    response={200: FeeScheduleOut, **READ_ERRORS},
    auth=None,
    summary="The published buyback and trade-in fee schedule",
)
def fee_schedule(request: HttpRequest) -> FeeScheduleOut:
    return FeeScheduleOut(
        fees=[
            FeeOut(
                kind=f.kind,
                metal=f.metal,
                fineness=f.fineness,
                basis=f.basis,
                amount=f.amount,
                currency=f.currency,
                note=f.note,
            )
            for f in buyback.fee_schedule()
        ],
        quote_minutes=buyback.quote_minutes(),
        credit_days=buyback.credit_days(),
        rule=(
            "measured weight × the day's price per gram at the highest GB 11887 mark the measured fineness "
            "reaches, minus the fee (per gram, or a percentage of the metal value); amounts rounded half-up to "
            "the fen; plain metal only"
        ),
    )


@router.get(
    "/warranty/buyback/quotes",
    response={200: list[QuoteOut], **READ_ERRORS, **errors(401)},
    auth=API_AUTH,
    summary="My buyback and trade-in quotes",
)
def my_quotes(request: HttpRequest) -> list[QuoteOut]:
    return [quote_out(q) for q in buyback.quotes_of(_auth(request))]


@router.get(
    "/warranty/buyback/quotes/{reference}",
    response={200: QuoteOut, **READ_ERRORS, **errors(401, 404)},
    auth=API_AUTH,
    summary="One of my quotes, with its arithmetic",
)
def my_quote(request: HttpRequest, reference: str = QuoteReference) -> QuoteOut:
    return quote_out(_my_quote(request, reference))


@router.post(
    "/warranty/buyback/quotes/{reference}/accept",
    response={201: QuoteOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Accept my quote before it expires (201; once only — 409 after expiry or a second time)",
)
def accept(request: HttpRequest, payload: AcceptIn, reference: str = QuoteReference) -> Any:
    buyback.accept_quote(
        reference=reference,
        customer=_auth(request),
        payout_method=payload.payout_method,
        payout_reference=payload.payout_reference,
    )
    return Status(201, quote_out(_my_quote(request, reference)))


@router.get(
    "/warranty/claims",
    response={200: list[ClaimOut], **READ_ERRORS, **errors(401)},
    auth=API_AUTH,
    summary="My guarantee claims (假一赔十)",
)
def my_claims(request: HttpRequest) -> list[ClaimOut]:
    return [claim_out(c) for c in claims.claims_of(_auth(request))]


@router.get(
    "/warranty/claims/{reference}",
    response={200: ClaimOut, **READ_ERRORS, **errors(401, 404)},
    auth=API_AUTH,
    summary="One of my guarantee claims",
)
def my_claim(request: HttpRequest, reference: str = ClaimReference) -> ClaimOut:
    claim = next((c for c in claims.claims_of(_auth(request)) if c.reference == reference), None)
    if claim is None:
        raise claims.ClaimNotFound(f"No guarantee claim {reference}")
    return claim_out(claim)


@router.post(
    "/warranty/pieces/{piece_id}/claims",
    response={201: ClaimOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Claim that a piece I hold is not as certified (201)",
)
def file_claim(request: HttpRequest, payload: ClaimIn, piece_id: str = PieceId) -> Any:
    user = _auth(request)
    piece = reports.held_piece(user=user, public_id=piece_id)
    report = None
    if payload.report_sha256:
        report = InspectionReport.objects.filter(piece=piece, sha256=payload.report_sha256).first()
        if report is None:
            from auric.core.errors import ValidationFailed

            raise ValidationFailed("No such report on this piece", errors={"report_sha256": ["attach it first"]})
    claim = claims.file_claim(user=user, piece=piece, ground=payload.ground, detail=payload.detail, report=report)
    return Status(201, claim_out(claim))


@router.post(
    "/warranty/pieces/{piece_id}/reports",
    response={201: ReportOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Attach a third-party inspection report (PDF, JPEG, PNG or WebP, ≤ 10 MB) to a piece I hold (201)",
)
def attach_report(
    request: HttpRequest,
    file: File[UploadedFile],
    issuer: Form[str],
    report_number: Form[str],
    piece_id: str = PieceId,
) -> Any:
    user = _auth(request)
    piece = reports.held_piece(user=user, public_id=piece_id)
    report = reports.attach_report(
        piece=piece, issuer=issuer[:200], report_number=report_number[:200], upload=file, user=user
    )
    return Status(
        201,
        ReportOut(
            piece=report.piece_public_id,
            issuer=report.issuer,
            report_number=report.report_number,
            content_type=report.content_type,
            size=report.size,
            sha256=report.sha256,
            uploaded_at=report.uploaded_at,
        ),
    )
