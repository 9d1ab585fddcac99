"""Provenance API: a piece's entries with proofs, checkpoints, consistency proofs, parties, and
partners' signed statements.

Reads are public: the log is public by design (it holds no personal data). Submitting needs no
account — a statement is accepted only when a registered, unrevoked key of its party signed it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status

from auric.accounts.auth import API_AUTH
from auric.api import READ_ERRORS, WRITE_ERRORS, errors
from auric.core.errors import NotFound, ValidationFailed
from auric.provenance import keys, ownership, selectors, services
from auric.provenance.bundle import build_bundle
from auric.provenance.models import LogEntry, Party, PartyKey
from auric.provenance.statements import MAX_ENTRY_BYTES, StatementError, parse_entry

router = Router(tags=["provenance"])

PIECE_ID_PATTERN = r"^pc_[0-9a-f]{20}$"
MAX_SUBMISSION = 500
PieceId = Path(..., pattern=PIECE_ID_PATTERN, description="The piece's public id in the log")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class EntryOut(Schema):
    index: int
    entry: str = Field(..., description="The entry's exact bytes (canonical JSON), base64")
    proof: list[str] = Field(..., description="Inclusion proof in the checkpoint's tree, leaf's sibling first, base64")
    statement: dict[str, Any]
    key: str
    integrated_at: str


class PieceHistoryOut(Schema):
    piece: str
    checkpoint: str = Field(..., description="The signed checkpoint (C2SP tlog-checkpoint) with witness cosignatures")
    tree_size: int
    log_key: str = Field(..., description="The log's verifier key (C2SP signed-note)")
    entries: list[EntryOut]
    keys: list[EntryOut] = Field(..., description="The registrations (and revocations) of the keys that signed")


def entries_out(entries: list[LogEntry], size: int) -> list[EntryOut]:
    proofs = selectors.inclusion_proofs([e.index for e in entries], size)
    return [
        EntryOut(
            index=e.index,
            entry=_b64(bytes(e.entry)),
            proof=[_b64(h) for h in proofs[e.index]],
            statement=parse_entry(bytes(e.entry)).statement,
            key=e.key_id,
            integrated_at=e.integrated_at.isoformat(),
        )
        for e in entries
    ]


def piece_history(public_id: str) -> PieceHistoryOut:
    """Everything a browser or a verifier needs to check a piece's history against one checkpoint."""
    checkpoint = selectors.latest_checkpoint()
    entries = selectors.entries_of_piece(public_id)
    if checkpoint is None or not entries:
        raise NotFound("No history is logged for this piece")
    logged = [e for e in entries if e.index < checkpoint.size]
    key_entries = selectors.key_entries_for({e.key_id for e in logged}, checkpoint.size)
    return PieceHistoryOut(
        piece=public_id,
        checkpoint=selectors.checkpoint_note(checkpoint),
        tree_size=checkpoint.size,
        log_key=keys.log_verifier_key(),
        entries=entries_out(logged, checkpoint.size),
        keys=entries_out(key_entries, checkpoint.size),
    )


@router.get("/provenance/pieces/{piece_id}", response={200: PieceHistoryOut, **READ_ERRORS, **errors(404)})
def get_piece_history(request: HttpRequest, piece_id: str = PieceId) -> Any:
    return piece_history(piece_id)


@router.get(
    "/provenance/pieces/{piece_id}/bundle",
    response={200: None, **READ_ERRORS, **errors(404)},
    summary="The piece's offline bundle (zip: entries, C2SP tlog-proofs, policy)",
    openapi_extra={
        "responses": {"200": {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}
    },
)
def get_piece_bundle(request: HttpRequest, piece_id: str = PieceId) -> HttpResponse:
    history = piece_history(piece_id)
    triples = [
        (e.index, base64.b64decode(e.entry), [base64.b64decode(h) for h in e.proof])
        for e in sorted({e.index: e for e in [*history.keys, *history.entries]}.values(), key=lambda e: e.index)
    ]
    data = build_bundle(triples, history.checkpoint, selectors.policy_text(), piece_id)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{piece_id}-provenance.zip"'
    return response


class CheckpointOut(Schema):
    origin: str
    size: int
    root: str
    checkpoint: str
    log_key: str


@router.get("/provenance/checkpoint", response={200: CheckpointOut, **READ_ERRORS, **errors(404)})
def get_checkpoint(request: HttpRequest) -> Any:
    checkpoint = selectors.latest_checkpoint()
    if checkpoint is None:
        raise NotFound("The log is empty")
    return CheckpointOut(
        origin=keys.origin(),
        size=checkpoint.size,
        root=_b64(bytes(checkpoint.root)),
        checkpoint=selectors.checkpoint_note(checkpoint),
        log_key=keys.log_verifier_key(),
    )


class ConsistencyOut(Schema):
    old_size: int
    new_size: int
    proof: list[str]


@router.get("/provenance/consistency", response={200: ConsistencyOut, **READ_ERRORS})
def get_consistency(request: HttpRequest, old: int = Query(..., ge=1), new: int = Query(..., ge=1)) -> Any:
    checkpoint = selectors.latest_checkpoint()
    if checkpoint is None or not old <= new <= checkpoint.size:
        raise ValidationFailed(
            "Sizes must satisfy 1 ≤ old ≤ new ≤ the latest checkpoint's size",
            errors={"new": [f"at most {checkpoint.size if checkpoint else 0}"]},
        )
    return ConsistencyOut(old_size=old, new_size=new, proof=[_b64(h) for h in selectors.consistency_proof(old, new)])


class PartyOut(Schema):
    party_id: str
    kind: str
    name: str
    report_check_url: str
    keys: list[dict[str, Any]]


@router.get("/provenance/parties", response={200: list[PartyOut], **READ_ERRORS})
def list_parties(request: HttpRequest) -> Any:
    parties = Party.objects.prefetch_related("keys").order_by("party_id")
    return [
        PartyOut(
            party_id=p.party_id,
            kind=p.kind,
            name=p.name,
            report_check_url=p.report_check_url,
            keys=[_key_out(k) for k in p.keys.all()],
        )
        for p in parties
    ]


def _key_out(key: PartyKey) -> dict[str, Any]:
    return {
        "key": key.key_id,
        "public_key": _b64(bytes(key.public_key)),
        "added_at": key.added_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


class SubmissionIn(Schema):
    entries: list[str] = Field(
        ...,
        min_length=1,
        max_length=MAX_SUBMISSION,
        description="Signed entries (canonical JSON with statement, key, sig), each base64",
    )


class SubmissionOut(Schema):
    accepted: list[dict[str, Any]]


@router.post("/provenance/statements", response={202: SubmissionOut, **errors(400, 401, 403, 409, 422)})
def submit_statements(request: HttpRequest, body: SubmissionIn) -> Any:
    raw: list[bytes] = []
    for position, text in enumerate(body.entries):
        try:
            entry = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValidationFailed("An entry is not base64", errors={f"entries.{position}": ["not base64"]}) from error
        if len(entry) > MAX_ENTRY_BYTES:
            raise ValidationFailed("An entry is too large", errors={f"entries.{position}": ["too large"]})
        raw.append(entry)
    try:
        accepted = services.accept_entries(raw)
    except StatementError as error:  # pragma: no cover - accept_entries turns these into problems
        raise services.StatementRefused(str(error)) from error
    return Status(202, SubmissionOut(accepted=[{"source": a.source, "duplicate": a.duplicate} for a in accepted]))


# --- ownership (the signed-in owner) ------------------------------------------------------------


def _auth(request: HttpRequest) -> Any:
    """The user the API auth put on the request."""
    return getattr(request, "auth", None)


class TransferOut(Schema):
    piece: str
    code: str = Field(..., description="Give this one-time code to the buyer; it expires")
    expires_at: str


class ClaimIn(Schema):
    code: str = Field(..., min_length=8, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")


class OwnershipOut(Schema):
    piece: str
    commitment: str
    since: str


class OwnershipProofOut(Schema):
    piece: str
    commitment: str
    salt: str
    secret: str


@router.get(
    "/provenance/owned",
    response={200: list[OwnershipOut], **READ_ERRORS, **errors(401)},
    auth=API_AUTH,
    summary="My pieces",
)
def my_pieces(request: HttpRequest) -> Any:
    return [
        OwnershipOut(piece=o.piece.public_id, commitment=o.commitment, since=o.since.isoformat())
        for o in ownership.pieces_owned_by(_auth(request))
    ]


@router.post(
    "/provenance/pieces/{piece_id}/transfer",
    response={201: TransferOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Offer my piece for transfer (resale): a one-time code for the buyer",
)
def start_transfer(request: HttpRequest, piece_id: str = PieceId) -> Any:
    offer = ownership.start_transfer(user=_auth(request), public_id=piece_id)
    return Status(201, TransferOut(piece=piece_id, code=offer.code, expires_at=offer.expires_at.isoformat()))


@router.post(
    "/provenance/pieces/{piece_id}/claim",
    response={201: OwnershipOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Claim a piece with its owner's transfer code",
)
def claim_transfer(request: HttpRequest, body: ClaimIn, piece_id: str = PieceId) -> Any:
    owned = ownership.claim_transfer(user=_auth(request), public_id=piece_id, code=body.code)
    return Status(201, OwnershipOut(piece=piece_id, commitment=owned.commitment, since=owned.since.isoformat()))


@router.get(
    "/provenance/pieces/{piece_id}/ownership-proof",
    response={200: OwnershipProofOut, **READ_ERRORS, **errors(401, 404)},
    auth=API_AUTH,
    summary="Open my ownership commitment (proof that I own the piece)",
)
def ownership_proof(request: HttpRequest, piece_id: str = PieceId) -> Any:
    return ownership.ownership_proof(user=_auth(request), public_id=piece_id)
