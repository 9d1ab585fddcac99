"""The log's business rules: who may sign, accepting statements, and the single sequencer.

Accepting a statement checks its party's key and signature and keeps it pending (idempotently:
the same source or the same entry bytes are accepted once). The sequencer integrates pending
entries in batches under the log head's lock: it appends the entries, stores the tree's new
complete subtrees, and signs a checkpoint for the new size — all in one transaction.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.catalog.models import Certificate, Piece
from auric.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from auric.core.sql import copy_insert, in_values
from auric.core.transactions import service_transaction
from auric.provenance import keys, selectors, tlog
from auric.provenance.models import (
    LEVEL_SHIFT,
    Checkpoint,
    LogEntry,
    LogHead,
    Party,
    PartyKey,
    PendingEntry,
    PieceRecord,
    Submission,
    TreeNode,
)
from auric.provenance.note import Checkpoint as CheckpointBody
from auric.provenance.note import sign_note
from auric.provenance.statements import (
    PARTY_KINDS,
    SignedStatement,
    StatementError,
    key_id,
    parse_entry,
    public_key_bytes,
    sign_statement,
    statement,
)

PLATFORM = "platform"
# Statements about who may sign come from the platform only.
PLATFORM_ONLY_TYPES = frozenset({"party.registered", "party.key_added", "party.key_revoked"})


class StatementRefused(DomainError):
    status = 422
    code = "statement_refused"
    title = gettext_noop("The statement was refused")


class UnknownSigner(DomainError):
    status = 403
    code = "unknown_signer"
    title = gettext_noop("The statement is not signed by a registered key of its party")


class PartyExists(Conflict):
    code = "party_exists"
    title = gettext_noop("The party is registered already")


@dataclass(frozen=True)
class Accepted:
    source: str
    duplicate: bool


# --- parties ------------------------------------------------------------------------------------


def _public_key_b64(public_key: bytes) -> str:
    return base64.b64encode(public_key).decode()


def _platform_signer() -> tuple[Any, PartyKey]:
    key = (
        PartyKey.objects.select_related("party")
        .filter(party__party_id=PLATFORM, revoked_at__isnull=True)
        .order_by("-added_at")
        .first()
    )
    if key is None:
        key = _register_platform()
    return keys.custodial_key(PLATFORM, key.custody_generation or 0), key


def _register_platform() -> PartyKey:
    """The platform party's first key, registered by a self-signed first statement."""
    with service_transaction():
        party, _ = Party.objects.get_or_create(
            party_id=PLATFORM, defaults={"kind": Party.Kind.PLATFORM, "name": "Auric", "custodial": True}
        )
        existing = party.keys.filter(revoked_at__isnull=True).first()
        if existing:
            return existing
        private = keys.custodial_key(PLATFORM, 0)
        key = _add_key(party, public_key_bytes(private), custody_generation=0)
        _log(
            sign_statement(_registration(party, key, "party.registered"), private),
            source=f"party:{PLATFORM}:{key.key_id}",
        )
        return key


def _registration(party: Party, key: PartyKey, type_: str, **extra: Any) -> dict[str, Any]:
    data = {
        "party": party.party_id,
        "kind": party.kind,
        "name": party.name,
        "key": key.key_id,
        "public_key": _public_key_b64(bytes(key.public_key)),
        **extra,
    }
    return statement(type_, piece=None, party=PLATFORM, data=data, time=timezone.now())


def _add_key(party: Party, public_key: bytes, *, custody_generation: int | None) -> PartyKey:
    if len(public_key) != 32:
        raise ValidationFailed("An Ed25519 public key has 32 bytes", errors={"public_key": ["must be 32 bytes"]})
    return PartyKey.objects.create(
        party=party, key_id=key_id(public_key), public_key=public_key, custody_generation=custody_generation
    )


def register_party(
    *,
    party_id: str,
    kind: str,
    name: str,
    public_key: bytes | None = None,
    report_check_url: str = "",
) -> Party:
    """Register a party. Without a public key the platform holds the key (its own stations)."""
    if kind not in PARTY_KINDS or kind == "witness":
        raise ValidationFailed(f"Unknown party kind {kind}", errors={"kind": [f"one of {sorted(Party.Kind.values)}"]})
    signer, _ = _platform_signer()
    with service_transaction():
        if Party.objects.filter(party_id=party_id).exists():
            raise PartyExists(f"Party {party_id} is registered already")
        party = Party(
            party_id=party_id, kind=kind, name=name, custodial=public_key is None, report_check_url=report_check_url
        )
        try:
            statement("party.registered", piece=None, party=party_id, data={}, time=timezone.now())
        except StatementError as error:
            raise ValidationFailed(str(error), errors={"party_id": [str(error)]}) from error
        party.save()
        if public_key is None:
            key = _add_key(party, public_key_bytes(keys.custodial_key(party_id, 0)), custody_generation=0)
        else:
            key = _add_key(party, public_key, custody_generation=None)
        _log(
            sign_statement(_registration(party, key, "party.registered"), signer),
            source=f"party:{party_id}:{key.key_id}",
        )
        return party


def ensure_party(party_id: str, *, kind: str, name: str) -> Party:
    """A custodial party of the platform's own (a station, warehouse, store), registered once."""
    party = Party.objects.filter(party_id=party_id).first()
    if party is not None:
        return party
    try:
        with transaction.atomic():
            return register_party(party_id=party_id, kind=kind, name=name)
    except (IntegrityError, DomainError):
        return Party.objects.get(party_id=party_id)


def add_party_key(*, party_id: str, public_key: bytes | None = None) -> PartyKey:
    """A new key for a party (a rotation); the old keys stay valid until revoked."""
    signer, _ = _platform_signer()
    with service_transaction():
        party = Party.objects.select_for_update().filter(party_id=party_id).first()
        if party is None:
            raise NotFound(f"No party {party_id}")
        if public_key is None:
            if not party.custodial:
                raise ValidationFailed("A partner's new key must be given", errors={"public_key": ["required"]})
            generation = party.keys.count()
            key = _add_key(
                party, public_key_bytes(keys.custodial_key(party_id, generation)), custody_generation=generation
            )
        else:
            key = _add_key(party, public_key, custody_generation=None)
        _log(
            sign_statement(_registration(party, key, "party.key_added"), signer),
            source=f"party:{party_id}:{key.key_id}",
        )
        return key


def revoke_party_key(*, key_id_: str, reason: str) -> PartyKey:
    """From now on statements signed with this key are refused; those already logged stay."""
    signer, _ = _platform_signer()
    with service_transaction():
        key = PartyKey.objects.select_for_update().select_related("party").filter(key_id=key_id_).first()
        if key is None:
            raise NotFound(f"No key {key_id_}")
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.revocation_reason = reason[:200]
            key.save(update_fields=["revoked_at", "revocation_reason"])
            _log(
                sign_statement(_registration(key.party, key, "party.key_revoked", reason=reason[:200]), signer),
                source=f"revoke:{key.key_id}",
            )
        return key


# --- pieces -------------------------------------------------------------------------------------


def piece_public_id(piece: Piece) -> str:
    """The piece's opaque id in the log, made on first use."""
    record = PieceRecord.objects.filter(piece=piece).only("public_id").first()
    if record:
        return record.public_id
    try:
        with transaction.atomic():
            return PieceRecord.objects.create(piece=piece, public_id="pc_" + secrets.token_hex(10)).public_id
    except IntegrityError:
        return PieceRecord.objects.get(piece=piece).public_id


# --- accepting statements -----------------------------------------------------------------------


def _authorised(signed: SignedStatement, keys_by_id: Mapping[str, PartyKey]) -> PartyKey:
    """The statement's key, if its party may state this with it now (the signature aside)."""
    key = keys_by_id.get(signed.key_id)
    if key is None:
        raise UnknownSigner(f"Key {signed.key_id} is not registered")
    if key.party.party_id != signed.party:
        raise UnknownSigner(f"Key {signed.key_id} belongs to {key.party.party_id}, not {signed.party}")
    if key.revoked_at is not None:
        raise UnknownSigner(f"Key {signed.key_id} of {signed.party} was revoked")
    if signed.type in PLATFORM_ONLY_TYPES and signed.party != PLATFORM:
        raise StatementRefused(f"Only the platform states {signed.type}")
    return key


def _checked(signed: SignedStatement, keys_by_id: Mapping[str, PartyKey]) -> None:
    key = _authorised(signed, keys_by_id)
    try:
        signed.verify(bytes(key.public_key))
    except StatementError as error:
        raise UnknownSigner(str(error)) from error


# Ed25519 verification releases the GIL: a large upload is verified on every core.
VERIFY_WORKERS = os.cpu_count() or 1
_VERIFIERS = ThreadPoolExecutor(max_workers=VERIFY_WORKERS, thread_name_prefix="provenance-verify")
PARALLEL_FROM = 64


def _verify_signatures(parsed: Sequence[SignedStatement], keys_by_id: Mapping[str, PartyKey]) -> None:
    def verify(chunk: Sequence[SignedStatement]) -> str | None:
        for signed in chunk:
            try:
                signed.verify(bytes(keys_by_id[signed.key_id].public_key))
            except StatementError as error:
                return str(error)
        return None

    workers = VERIFY_WORKERS if len(parsed) >= PARALLEL_FROM else 1
    size = -(-len(parsed) // workers)
    chunks = [parsed[i : i + size] for i in range(0, len(parsed), size)]
    outcomes = list(_VERIFIERS.map(verify, chunks)) if workers > 1 else [verify(parsed)]
    if failure := next((outcome for outcome in outcomes if outcome), None):
        raise UnknownSigner(failure)


def _locked_keys(key_ids: set[str]) -> list[PartyKey]:
    """The signing keys, locked until commit: a revocation waits for statements accepted under the
    key, so none of them can land in the log after the revocation that would invalidate it."""
    return list(PartyKey.objects.select_for_update(of=("self",)).select_related("party").filter(key_id__in=key_ids))


def _log(signed: SignedStatement, *, source: str | None) -> Accepted:
    """Keep a verified statement pending, once per source."""
    entry = signed.entry_bytes()
    source = source or "sha256:" + tlog.leaf_hash(entry).hex()
    try:
        with transaction.atomic():
            Submission.objects.create(source=source)
    except IntegrityError:
        return Accepted(source=source, duplicate=True)
    PendingEntry.objects.create(
        entry=entry,
        source=source,
        piece=signed.piece,
        type=signed.type,
        party=signed.party,
        key_id=signed.key_id,
    )
    if settings.AURIC_PROVENANCE_SEQUENCE_ON_COMMIT:
        transaction.on_commit(_sequence_soon)
    return Accepted(source=source, duplicate=False)


# Bulk work (imports, the demo) defers sequencing to one run at its end: one checkpoint, not one
# per statement.
_sequencing_deferred: ContextVar[bool] = ContextVar("auric_provenance_sequencing_deferred", default=False)


@contextmanager
def sequencing_deferred() -> Iterator[None]:
    """Statements accepted inside wait for the sequencer, which runs once when the block ends."""
    token = _sequencing_deferred.set(True)
    try:
        yield
    finally:
        _sequencing_deferred.reset(token)
    integrate_all()


def _sequence_soon() -> None:
    """After a submission commits: integrate, unless another sequencer is at work. That one looks
    for pending entries again after each batch, and ours committed before we found it busy, so it
    takes ours too; web workers never queue up behind each other on the log head."""
    if _sequencing_deferred.get():
        return
    try:
        while integrate_pending(wait=False) is not None:
            pass
    except SequencerBusy:
        return


def accept(signed: SignedStatement, *, source: str | None = None) -> Accepted:
    """Accept a party's signed statement: a known, unrevoked key of its party, a valid signature."""
    with service_transaction():
        keys_by_id = {k.key_id: k for k in _locked_keys({signed.key_id})}
        _checked(signed, keys_by_id)
        return _log(signed, source=source)


def accept_entries(entries: Sequence[bytes]) -> list[Accepted]:
    """Accept a batch of entries as bytes (a partner's upload): all or nothing."""
    try:
        parsed = [parse_entry(entry) for entry in entries]
    except StatementError as error:
        raise StatementRefused(str(error)) from error
    key_ids = {s.key_id for s in parsed}
    # Signatures are verified before the transaction, so the keys stay locked only briefly; key
    # rows never change but for a revocation, which is checked again under the lock.
    keys_by_id = {k.key_id: k for k in PartyKey.objects.select_related("party").filter(key_id__in=key_ids)}
    for signed in parsed:
        _authorised(signed, keys_by_id)
    _verify_signatures(parsed, keys_by_id)
    with service_transaction():
        locked = {k.key_id: k for k in _locked_keys(key_ids)}
        for signed in parsed:
            _authorised(signed, locked)
        return _log_batch(parsed, list(entries))


def _log_batch(
    parsed: Sequence[SignedStatement], entries: Sequence[bytes], sources: Sequence[str] | None = None
) -> list[Accepted]:
    """`_log` for many statements: one read of what is known, two bulk inserts."""
    sources = sources or ["sha256:" + tlog.leaf_hash(entry).hex() for entry in entries]
    known = set(Submission.objects.filter(in_values("source", sources)).values_list("source", flat=True))
    results, fresh = [], {}
    for signed, entry, source in zip(parsed, entries, sources, strict=True):
        duplicate = source in known or source in fresh
        if not duplicate:
            fresh[source] = (signed, entry)
        results.append(Accepted(source=source, duplicate=duplicate))
    try:
        with transaction.atomic():
            copy_insert([Submission(source=source) for source in fresh])
    except IntegrityError:  # the same entries arrived concurrently: settle them one by one
        return [_log(signed, source=source) for signed, source in zip(parsed, sources, strict=True)]
    copy_insert(
        [
            PendingEntry(entry=entry, source=source, piece=s.piece, type=s.type, party=s.party, key_id=s.key_id)
            for source, (s, entry) in fresh.items()
        ]
    )
    if fresh and settings.AURIC_PROVENANCE_SEQUENCE_ON_COMMIT:
        transaction.on_commit(_sequence_soon)
    return results


def record(
    type_: str,
    *,
    party_id: str,
    piece: str | None,
    data: Mapping[str, Any],
    source: str,
    at: datetime | None = None,
) -> Accepted:
    """A statement by one of the platform's own (custodial) parties, signed here, once per source."""
    if Submission.objects.filter(source=source).exists():
        return Accepted(source=source, duplicate=True)
    key = (
        PartyKey.objects.select_related("party")
        .filter(party__party_id=party_id, party__custodial=True, revoked_at__isnull=True)
        .order_by("-added_at")
        .first()
    )
    if key is None:
        if party_id == PLATFORM:
            _platform_signer()
            return record(type_, party_id=party_id, piece=piece, data=data, source=source, at=at)
        raise UnknownSigner(f"{party_id} has no key held by the platform")
    try:
        body = statement(type_, piece=piece, party=party_id, data=data, time=at or timezone.now())
    except StatementError as error:
        raise StatementRefused(str(error)) from error
    signed = sign_statement(body, keys.custodial_key(party_id, key.custody_generation or 0))
    with service_transaction():
        return _log(signed, source=source)


@dataclass(frozen=True)
class Planned:
    """A statement one of the platform's own parties will sign (for `record_many`)."""

    type: str
    party_id: str
    piece: str | None
    data: Mapping[str, Any]
    source: str
    at: datetime


def record_many(planned: Sequence[Planned]) -> list[Accepted]:
    """`record` for many statements at once (imports, the demo): one key read, bulk inserts."""
    party_ids = {p.party_id for p in planned}
    signing: dict[str, Any] = {}
    for key in (
        PartyKey.objects.filter(party__party_id__in=party_ids, party__custodial=True, revoked_at__isnull=True)
        .select_related("party")
        .order_by("added_at")
    ):
        signing[key.party.party_id] = keys.custodial_key(key.party.party_id, key.custody_generation or 0)
    missing = party_ids - signing.keys()
    if missing:
        raise UnknownSigner(f"No key held by the platform for {', '.join(sorted(missing))}")
    signed = []
    for item in planned:
        try:
            body = statement(item.type, piece=item.piece, party=item.party_id, data=item.data, time=item.at)
        except StatementError as error:
            raise StatementRefused(str(error)) from error
        signed.append(sign_statement(body, signing[item.party_id]))
    with service_transaction():
        return _log_batch(signed, [s.entry_bytes() for s in signed], [p.source for p in planned])


# --- the sequencer ------------------------------------------------------------------------------


class SequencerBusy(Exception):
    """Another sequencer holds the log head (only with ``wait=False``)."""


def _head(*, wait: bool = True) -> LogHead:
    locked = LogHead.objects.select_for_update(skip_locked=not wait)
    head = locked.filter(origin=keys.origin()).first()
    if head is None:
        if not wait and LogHead.objects.filter(origin=keys.origin()).exists():
            raise SequencerBusy
        LogHead.objects.bulk_create(
            [LogHead(origin=keys.origin(), size=0, root=tlog.EMPTY_ROOT)], ignore_conflicts=True
        )
        head = LogHead.objects.select_for_update().get(origin=keys.origin())
    return head


def _node_key(node: tlog.Node) -> int:
    level, index = node
    return (level << LEVEL_SHIFT) | index


def integrate_pending(*, limit: int | None = None, wait: bool = True) -> Checkpoint | None:
    """Append pending entries to the log (one batch) and sign the new checkpoint.

    ``wait=False`` raises SequencerBusy instead of waiting for another sequencer."""
    limit = limit or settings.AURIC_PROVENANCE_BATCH
    with service_transaction():
        head = _head(wait=wait)
        pending = list(PendingEntry.objects.order_by("id")[:limit])
        if not pending:
            return None
        size = head.size
        edge = selectors.node_hashes(tlog.edge_nodes(size))
        leaf_hashes = [tlog.leaf_hash(bytes(item.entry)) for item in pending]
        created = tlog.new_nodes(size, leaf_hashes, edge.__getitem__)
        now = timezone.now()
        copy_insert(
            [
                LogEntry(
                    index=size + offset,
                    entry=bytes(item.entry),
                    source=item.source,
                    piece=item.piece,
                    type=item.type,
                    party=item.party,
                    key_id=item.key_id,
                    integrated_at=now,
                )
                for offset, item in enumerate(pending)
            ]
        )
        copy_insert([TreeNode(key=_node_key(node), hash=digest) for node, digest in created.items()])
        PendingEntry.objects.filter(in_values("id", [item.id for item in pending]))._raw_delete(PendingEntry.objects.db)
        new_size = size + len(pending)
        root = tlog.hash_of_range(tlog.root_nodes(new_size), {**edge, **created})
        head.size, head.root, head.updated_at = new_size, root, now
        head.save(update_fields=["size", "root", "updated_at"])
        return _sign_checkpoint(new_size, root, now)


def _sign_checkpoint(size: int, root: bytes, now: datetime) -> Checkpoint:
    body = CheckpointBody(origin=keys.origin(), size=size, root=root).body()
    return Checkpoint.objects.create(size=size, root=root, note=sign_note(body, [keys.log_signer()]), created_at=now)


def integrate_all(*, limit: int | None = None) -> int:
    """Run the sequencer until nothing is pending; returns how many batches it took."""
    batches = 0
    while integrate_pending(limit=limit) is not None:
        batches += 1
    return batches


# --- certificates -------------------------------------------------------------------------------

# Where a shopper checks a report at the lab itself ({number} is the report number).
LAB_REPORT_CHECK = {
    "GIA": "https://www.gia.edu/report-check?reportno={number}",
    "IGI": "https://www.igi.org/verify-your-report/?r={number}",
    "HRD": "https://my.hrdantwerp.com/?record_number={number}",
    "NGTC": "https://www.ngtc.com.cn/",
    "NJQSIC": "https://www.njqsic.com/",
    "GTC": "",
}


def lab_party_id(lab: str) -> str:
    return f"lab.{lab.lower()}"


def certificate_data(certificate: Certificate) -> dict[str, Any]:
    """What a lab report says, as logged: compared later with the database record."""
    return {
        "lab": certificate.lab,
        "number": certificate.report_number,
        "issued_on": certificate.issued_on.isoformat(),
        "grading_system": certificate.grading_system,
        "grades": certificate.grades,
        "measurements": certificate.measurements,
        "report_sha256": certificate.report_sha256,
    }


def log_certificate(certificate: Certificate) -> Accepted:
    """Log a lab report as `certificate.issued` by its lab.

    A lab that holds its own key submits the signed statement itself through the API; for a lab not
    registered yet (the demo's labs), the platform registers a custodial key in the lab's name.
    """
    party_id = lab_party_id(certificate.lab)
    if not Party.objects.filter(party_id=party_id).exists():
        ensure_party(party_id, kind="lab", name=certificate.get_lab_display())
        Party.objects.filter(party_id=party_id, report_check_url="").update(
            report_check_url=LAB_REPORT_CHECK.get(certificate.lab, "")
        )
    return record(
        "certificate.issued",
        party_id=party_id,
        piece=piece_public_id(certificate.piece),
        data=certificate_data(certificate),
        source=f"certificate:{certificate.lab}:{certificate.report_number}",
        at=timezone.now(),
    )


@dataclass(frozen=True)
class CertificateCheck:
    certificate: Certificate
    piece: str
    entry: LogEntry | None  # None: not logged (or still pending)
    differences: list[str]
    report_check_url: str

    @property
    def matches(self) -> bool:
        return self.entry is not None and not self.differences


def check_certificate(lab: str, number: str) -> CertificateCheck:
    """A report by lab and number: its piece, its log entry, and whether today's record still says
    what was logged (any edit after logging is listed)."""
    certificate = Certificate.objects.select_related("piece").filter(lab=lab, report_number=number).first()
    if certificate is None:
        raise NotFound(f"No {lab} report {number} is registered with a piece here")
    entry = LogEntry.objects.filter(source=f"certificate:{lab}:{number}").first()
    differences: list[str] = []
    if entry is not None:
        logged = parse_entry(bytes(entry.entry)).statement["data"]
        today = certificate_data(certificate)
        differences = [
            f"{field}: logged {logged.get(field)!r}, now {today.get(field)!r}"
            for field in sorted(set(logged) | set(today))
            if logged.get(field) != today.get(field)
        ]
    party = Party.objects.filter(party_id=lab_party_id(lab)).first()
    template = (party.report_check_url if party else "") or LAB_REPORT_CHECK.get(lab, "")
    return CertificateCheck(
        certificate=certificate,
        piece=piece_public_id(certificate.piece),
        entry=entry,
        differences=differences,
        report_check_url=template.replace("{number}", number),
    )
