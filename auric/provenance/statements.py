"""Signed statements: what a party says happened to a piece, in bytes anyone can check.

A statement is canonical JSON (RFC 8785) with a type, an opaque piece id, data, the party and the
time. The party signs ``DOMAIN || canonical(statement)`` with its own Ed25519 key, so the platform
cannot forge a lab's or a supplier's word. A log entry is the canonical JSON of the statement with
the key id and signature beside it; its bytes are what the Merkle tree hashes.

No Django here: the offline verifier and partners' tools use this module as it is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DOMAIN = b"auric.provenance.statement/v1\n"
MAX_ENTRY_BYTES = 65_535  # an entry bundle prefixes each entry with a big-endian uint16 length

STATEMENT_TYPES = frozenset(
    {
        # the log's own bookkeeping: who may sign
        "party.registered",
        "party.key_added",
        "party.key_revoked",
        # a piece's life
        "piece.origin",
        "piece.cut",
        "piece.made",
        "certificate.issued",
        "qc.passed",
        "qc.failed",
        "inventory.received",
        "inventory.transferred",
        "piece.sold",
        "piece.returned",
        "warranty.issued",
        "warranty.redeemed",
        "warranty.cancelled",
        "ownership.transferred",
        "service.performed",
        "inspection.attached",
        "piece.bought_back",
        "guarantee.claimed",
        "guarantee.decided",
        "guarantee.compensated",
    }
)
PARTY_KINDS = frozenset(
    {"mine", "supplier", "cutter", "lab", "qc_station", "warehouse", "store", "logistics", "platform", "witness"}
)
_PARTY_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,62}$")
_PIECE_ID = re.compile(r"^[A-Za-z0-9_\-]{4,64}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


class StatementError(ValueError):
    """A statement or entry that is malformed, or whose signature does not verify."""


def canonical(value: Any) -> bytes:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise StatementError(f"not canonicalisable JSON: {error}") from error


def _plain(value: Any) -> bool:
    """No floats and no keys beyond the Basic Multilingual Plane: there Python's sorted compact JSON
    is exactly RFC 8785 (which sorts keys by UTF-16 units and prints numbers as ECMAScript does)."""
    if isinstance(value, dict):
        return all((key.isascii() or max(map(ord, key)) < 0xD800) and _plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return not isinstance(value, float)


def is_canonical(value: Any, data: bytes) -> bool:
    """Whether ``data`` is the RFC 8785 form of ``value`` (fast for the usual statements)."""
    if _plain(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() == data
    return canonical(value) == data


def utc_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise StatementError("statement times must be aware (UTC)")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def key_id(public_key: bytes) -> str:
    """A party key's id: the first 8 bytes of SHA-256 over the raw Ed25519 public key, in hex."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def validate_statement(statement: Mapping[str, Any]) -> None:
    if not isinstance(statement, Mapping):
        raise StatementError("a statement is a JSON object")
    missing = {"type", "piece", "party", "time", "data"} - set(statement)
    if missing:
        raise StatementError(f"statement lacks {', '.join(sorted(missing))}")
    extra = set(statement) - {"type", "piece", "party", "time", "data"}
    if extra:
        raise StatementError(f"statement has unknown fields {', '.join(sorted(extra))}")
    if statement["type"] not in STATEMENT_TYPES:
        raise StatementError(f"unknown statement type {statement['type']!r}")
    if not isinstance(statement["party"], str) or not _PARTY_ID.match(statement["party"]):
        raise StatementError("party must be a lower-case id such as lab.ngtc")
    piece = statement["piece"]
    if piece is not None and (not isinstance(piece, str) or not _PIECE_ID.match(piece)):
        raise StatementError("piece must be an opaque id of 4–64 letters, digits, '-' or '_' (or null)")
    if not isinstance(statement["time"], str) or not _TIME.match(statement["time"]):
        raise StatementError("time must be RFC 3339 UTC, e.g. 2026-12-05T10:00:00Z")
    if not isinstance(statement["data"], Mapping):
        raise StatementError("data must be a JSON object")


@dataclass(frozen=True)
class SignedStatement:
    statement: dict[str, Any]
    key_id: str
    signature: bytes
    # The statement's canonical bytes when read from an entry (checked canonical there), so that
    # verifying does not canonicalise it again.
    canonical_statement: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def type(self) -> str:
        return str(self.statement["type"])

    @property
    def piece(self) -> str | None:
        return self.statement["piece"]

    @property
    def party(self) -> str:
        return str(self.statement["party"])

    def entry_bytes(self) -> bytes:
        entry = canonical(
            {"statement": self.statement, "key": self.key_id, "sig": base64.b64encode(self.signature).decode()}
        )
        if len(entry) > MAX_ENTRY_BYTES:
            raise StatementError(f"entry is {len(entry)} bytes; at most {MAX_ENTRY_BYTES}")
        return entry

    def verify(self, public_key: bytes) -> None:
        if key_id(public_key) != self.key_id:
            raise StatementError("signed with another key than the one given")
        message = DOMAIN + self.canonical_statement if self.canonical_statement else signing_message(self.statement)
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(self.signature, message)
        except (InvalidSignature, ValueError) as error:
            raise StatementError("the signature does not verify with the party's key") from error


def signing_message(statement: Mapping[str, Any]) -> bytes:
    validate_statement(statement)
    return DOMAIN + canonical(statement)


def sign_statement(statement: Mapping[str, Any], private_key: Ed25519PrivateKey) -> SignedStatement:
    message = signing_message(statement)
    as_dict = json.loads(canonical(statement))
    return SignedStatement(as_dict, key_id(public_key_bytes(private_key)), private_key.sign(message))


def parse_entry(entry: bytes) -> SignedStatement:
    """Read an entry's bytes back; refuse anything but the exact canonical form."""
    try:
        value = json.loads(entry)
    except (ValueError, UnicodeDecodeError) as error:
        raise StatementError("entry is not JSON") from error
    if not isinstance(value, dict) or set(value) != {"statement", "key", "sig"}:
        raise StatementError("entry must have exactly statement, key and sig")
    if not is_canonical(value, entry):
        raise StatementError("entry is not in canonical form (RFC 8785)")
    if not isinstance(value["key"], str) or not re.fullmatch(r"[0-9a-f]{16}", value["key"]):
        raise StatementError("key must be 16 hex digits")
    try:
        signature = base64.b64decode(value["sig"], validate=True)
    except (binascii.Error, TypeError) as error:
        raise StatementError("sig is not base64") from error
    if len(signature) != 64:
        raise StatementError("sig must be a 64-byte Ed25519 signature")
    validate_statement(value["statement"])
    # Canonical keys sort key < sig < statement, so the statement's canonical bytes end the entry.
    marker = entry.index(b',"statement":') + len(b',"statement":')
    return SignedStatement(value["statement"], value["key"], signature, entry[marker:-1])


def statement(type_: str, *, piece: str | None, party: str, data: Mapping[str, Any], time: datetime) -> dict[str, Any]:
    """Build (and check) a statement's JSON object."""
    built = {"type": type_, "piece": piece, "party": party, "time": utc_timestamp(time), "data": dict(data)}
    validate_statement(built)
    return built


def owner_commitment(owner_secret: bytes, piece: str, salt: bytes) -> str:
    """A commitment to an owner that reveals nothing until the owner opens it.

    SHA-256 over a domain, the piece, a random salt and a secret only the owner's account holds;
    the owner proves ownership by showing salt and secret (both kept out of the log).
    """
    if len(salt) < 16:
        raise StatementError("a commitment salt has at least 16 random bytes")
    digest = hashlib.sha256(b"auric.provenance.owner/v1\n" + piece.encode() + b"\n" + salt + owner_secret).digest()
    return base64.b64encode(digest).decode()


REGISTRY_TYPES = frozenset({"party.registered", "party.key_added", "party.key_revoked"})
PLATFORM_PARTY = "platform"


@dataclass
class RegisteredKey:
    party: str
    public_key: bytes
    registered_at: int
    revoked_at: int | None = None


class KeyRegistry:
    """Who may sign, as the log itself says, read in index order.

    A key is valid for an entry at index i when a platform-signed registration at an index below i
    added it (the platform's first key registers itself) and no revocation below i removed it.
    """

    def __init__(self) -> None:
        self.keys: dict[str, RegisteredKey] = {}

    def check(self, index: int, signed: SignedStatement) -> None:
        """Raise StatementError unless the entry at ``index`` is validly signed (then learn from it)."""
        key = self.keys.get(signed.key_id)
        bootstrap = (
            key is None
            and not self.keys
            and signed.type == "party.registered"
            and signed.party == PLATFORM_PARTY
            and signed.statement["data"].get("party") == PLATFORM_PARTY
            and signed.statement["data"].get("key") == signed.key_id
        )
        if bootstrap:
            public_key = self._public_key(signed)
            signed.verify(public_key)
            self.keys[signed.key_id] = RegisteredKey(PLATFORM_PARTY, public_key, index)
            return
        if key is None:
            raise StatementError(f"entry {index}: key {signed.key_id} is not registered before it")
        if key.revoked_at is not None and key.revoked_at < index:
            raise StatementError(f"entry {index}: key {signed.key_id} was revoked at entry {key.revoked_at}")
        if key.party != signed.party:
            raise StatementError(f"entry {index}: key {signed.key_id} belongs to {key.party}, not {signed.party}")
        try:
            signed.verify(key.public_key)
        except StatementError as error:
            raise StatementError(f"entry {index}: {error}") from error
        if signed.type in REGISTRY_TYPES:
            if signed.party != PLATFORM_PARTY:
                raise StatementError(f"entry {index}: only the platform registers keys")
            self._learn(index, signed)

    def _public_key(self, signed: SignedStatement) -> bytes:
        data = signed.statement["data"]
        try:
            public_key = base64.b64decode(str(data["public_key"]), validate=True)
        except (KeyError, binascii.Error) as error:
            raise StatementError("a key registration carries a base64 public_key") from error
        if len(public_key) != 32 or key_id(public_key) != data.get("key"):
            raise StatementError("a key registration's public_key does not match its key id")
        return public_key

    def _learn(self, index: int, signed: SignedStatement) -> None:
        data = signed.statement["data"]
        if signed.type == "party.key_revoked":
            revoked = self.keys.get(str(data.get("key")))
            if revoked is not None and revoked.revoked_at is None:
                revoked.revoked_at = index
            return
        public_key = self._public_key(signed)
        self.keys.setdefault(str(data["key"]), RegisteredKey(str(data["party"]), public_key, index))
