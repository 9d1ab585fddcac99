"""C2SP signed notes, checkpoints, witness cosignatures and proof files, with no Django import.

A checkpoint (c2sp.org/tlog-checkpoint) is the log's signed tree head: a signed note
(c2sp.org/signed-note) whose text is the origin, the tree size and the root hash. Witnesses add
timestamped cosignatures (c2sp.org/tlog-cosignature, Ed25519 "cosignature/v1") to the same note,
and an offline proof (c2sp.org/tlog-proof) is an inclusion proof followed by such a note. These are
open formats so that anyone — the offline verifier, a partner's witness, Go's ``sumdb/note`` — can
check our log without our code; keys are written as Go's ``golang.org/x/mod/sumdb/note`` strings:
``<name>+<hex key id>+base64(type || public key)`` and ``PRIVATE+KEY+<name>+<hex key id>+base64(type || seed)``.

Parsing is strict (canonical base64, decimals without leading zeros, no control characters) so
that one checkpoint has exactly one text: a lenient parser would let two different strings carry
the same signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar, Protocol, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01  # signed-note signature type: plain Ed25519 over the note text
COSIGNATURE_V1 = 0x04  # tlog-cosignature: timestamped Ed25519 over "cosignature/v1\ntime <t>\n" + text

# signed-note: verifiers MUST accept at least 16 signatures and SHOULD cap them; Go's sumdb/note caps at 100.
MAX_SIGNATURES = 100
# tlog-proof: a tree of at most 2^64 leaves has inclusion proofs of at most 64 hashes.
MAX_INCLUSION_HASHES = 64
HASH_SIZE = 32
MAX_TREE_SIZE = 2**64 - 1
MAX_TIMESTAMP = 2**63 - 1  # tlog-cosignature: the timestamp MUST NOT exceed 2^63 - 1

SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, space
PROOF_HEADER = "c2sp.org/tlog-proof@v1"
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_COSIGNATURE_HEADER = b"cosignature/v1\n"
_ED25519_SIZE = 64
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


class NoteError(ValueError):
    """A note, key string, checkpoint or proof file that must not be trusted; the message says why."""


class MalformedNote(NoteError):
    """The text is not in the format at all (a parse error, not a signature problem)."""


class BadSignature(NoteError):
    """A signature by a known key (name and key id match) does not verify: the note is rejected whole."""


class UnverifiedNote(NoteError):
    """No signature by a known key: the note's text must be ignored."""


# --- strict encodings ---------------------------------------------------------------------------


def decode_base64(text: str, what: str) -> bytes:
    """Standard base64, padded and canonical (re-encoding gives the same text), or MalformedNote."""
    if not _BASE64.fullmatch(text):
        raise MalformedNote(f"{what} is not base64")
    try:
        value = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise MalformedNote(f"{what} is not base64: {error}") from error
    if base64.b64encode(value).decode() != text:
        raise MalformedNote(f"{what} is not canonical base64")
    return value


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def parse_decimal(text: str, what: str, maximum: int = MAX_TREE_SIZE) -> int:
    """An ASCII decimal with no sign and no leading zeros (``0`` itself allowed), or MalformedNote."""
    if not _DECIMAL.fullmatch(text):
        raise MalformedNote(f"{what} {text!r} is not a decimal without leading zeros")
    value = int(text)
    if value > maximum:
        raise MalformedNote(f"{what} {value} is larger than {maximum}")
    return value


def _check_text(text: str, what: str = "note") -> bytes:
    """The UTF-8 bytes of ``text``; MalformedNote for control characters other than newline."""
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise MalformedNote(f"{what} is not valid UTF-8") from error
    if any(ord(char) < 0x20 and char != "\n" for char in text):
        raise MalformedNote(f"{what} contains a control character")
    return encoded


def is_valid_name(name: str) -> bool:
    """signed-note: key names are non-empty, with no Unicode space and no plus sign."""
    if not name or "+" in name:
        return False
    if any(char.isspace() or ord(char) < 0x20 for char in name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_name(name: str) -> None:
    if not is_valid_name(name):
        raise NoteError(f"invalid key name {name!r}: it must be non-empty, without spaces or '+'")


def compute_key_id(name: str, type_byte: int, public_key: bytes) -> int:
    """signed-note: the first 4 bytes (big-endian) of SHA-256(name || 0x0A || type || public key)."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([type_byte]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _split_key_string(text: str, what: str) -> tuple[str, int, int, bytes]:
    """``name+keyid+base64(type || material)`` → (name, key id, type, material), key id unchecked."""
    name, sep1, rest = text.partition("+")
    key_id_hex, sep2, key64 = rest.partition("+")
    if not (sep1 and sep2):
        raise NoteError(f"{what} is not name+keyid+key")
    _check_name(name)
    if not _KEY_ID.fullmatch(key_id_hex):
        raise NoteError(f"{what} key id {key_id_hex!r} is not 8 hex digits")
    try:
        key = decode_base64(key64, f"{what} key")
    except MalformedNote as error:
        raise NoteError(str(error)) from error
    if len(key) < 2:
        raise NoteError(f"{what} key is empty")
    return name, int(key_id_hex, 16), key[0], key[1:]


# --- keys ---------------------------------------------------------------------------------------


class NoteSigner(Protocol):
    """What sign_note needs: the key's name and id, and a signature over the note text."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def sign(self, message: bytes) -> bytes: ...


class NoteVerifier(Protocol):
    """What open_note needs: the key's name and id, and a check of one signature over the note text."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


class _Ed25519Verifier:
    type_byte: ClassVar[int]

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_name(name)
        if len(public_key) != 32:
            raise NoteError(f"an Ed25519 public key is 32 bytes, not {len(public_key)}")
        self._name = name
        self._public_key = public_key
        self._key = Ed25519PublicKey.from_public_bytes(public_key)
        self._key_id = compute_key_id(name, self.type_byte, public_key)

    @classmethod
    def from_string(cls, vkey: str) -> Self:
        """Parse a verifier key string; NoteError if malformed, of another type or with a wrong key id."""
        name, key_id, type_byte, public_key = _split_key_string(vkey.strip(), "verifier key")
        if type_byte != cls.type_byte:
            raise NoteError(f"verifier key type 0x{type_byte:02x} is not 0x{cls.type_byte:02x} ({cls.__name__})")
        verifier = cls(name, public_key)
        if verifier.key_id != key_id:
            raise NoteError(f"verifier key id {key_id:08x} does not match its name and key ({verifier.key_id:08x})")
        return verifier

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> int:
        return self._key_id

    @property
    def public_key_bytes(self) -> bytes:
        return self._public_key

    def verifier_key(self) -> str:
        return f"{self._name}+{self._key_id:08x}+{_b64(bytes([self.type_byte]) + self._public_key)}"

    def _verify_ed25519(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != _ED25519_SIZE:
            return False
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.verifier_key()!r})"


class Verifier(_Ed25519Verifier):
    """An Ed25519 note verifier (type 0x01), e.g. for the log's checkpoint signature."""

    type_byte = ED25519

    def verify(self, message: bytes, signature: bytes) -> bool:
        return self._verify_ed25519(message, signature)


def cosignature_message(body: bytes, timestamp: int) -> bytes:
    """tlog-cosignature: what an Ed25519 cosigner signs — two header lines, then the checkpoint text."""
    return _COSIGNATURE_HEADER + b"time %d\n" % timestamp + body


def split_cosignature(signature: bytes) -> tuple[int, bytes]:
    """A cosignature's (timestamp, Ed25519 signature): 8-byte big-endian time || 64-byte signature."""
    if len(signature) != 8 + _ED25519_SIZE:
        raise NoteError(f"a cosignature is {8 + _ED25519_SIZE} bytes, not {len(signature)}")
    timestamp = int.from_bytes(signature[:8], "big")
    if timestamp > MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp {timestamp} exceeds 2^63 - 1")
    return timestamp, signature[8:]


class CosignatureVerifier(_Ed25519Verifier):
    """A witness's tlog-cosignature/v1 key (type 0x04): checks the signature and reads its time."""

    type_byte = COSIGNATURE_V1

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            timestamp, ed25519_signature = split_cosignature(signature)
        except NoteError:
            return False
        return self._verify_ed25519(cosignature_message(message, timestamp), ed25519_signature)

    @staticmethod
    def timestamp(signature: bytes) -> int:
        """When the witness cosigned (POSIX seconds), from a cosignature's bytes after the key id."""
        return split_cosignature(signature)[0]


def verifier_from_string(vkey: str) -> Verifier | CosignatureVerifier:
    """A verifier of the type the key string says: 0x01 Ed25519 or 0x04 cosignature/v1."""
    _, _, type_byte, _ = _split_key_string(vkey.strip(), "verifier key")
    if type_byte == COSIGNATURE_V1:
        return CosignatureVerifier.from_string(vkey)
    return Verifier.from_string(vkey)


class _Ed25519Signer:
    type_byte: ClassVar[int]

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_name(name)
        self._name = name
        self._private_key = private_key
        self._public_key = private_key.public_key().public_bytes_raw()
        self._key_id = compute_key_id(name, self.type_byte, self._public_key)

    @classmethod
    def generate(cls, name: str) -> Self:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_private_key(cls, skey: str) -> Self:
        """Parse Go's ``PRIVATE+KEY+<name>+<hex key id>+base64(type || seed)``; NoteError if wrong."""
        skey = skey.strip()
        if not skey.startswith(_PRIVATE_PREFIX):
            raise NoteError("a private key string starts with PRIVATE+KEY+")
        name, key_id, type_byte, seed = _split_key_string(skey.removeprefix(_PRIVATE_PREFIX), "private key")
        if type_byte != cls.type_byte:
            raise NoteError(f"private key type 0x{type_byte:02x} is not 0x{cls.type_byte:02x} ({cls.__name__})")
        if len(seed) != 32:
            raise NoteError(f"an Ed25519 seed is 32 bytes, not {len(seed)}")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        if signer.key_id != key_id:
            raise NoteError(f"private key id {key_id:08x} does not match its name and key ({signer.key_id:08x})")
        return signer

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> int:
        return self._key_id

    @property
    def public_key_bytes(self) -> bytes:
        return self._public_key

    def private_key_string(self) -> str:
        seed = self._private_key.private_bytes_raw()
        return f"{_PRIVATE_PREFIX}{self._name}+{self._key_id:08x}+{_b64(bytes([self.type_byte]) + seed)}"

    def verifier_key(self) -> str:
        return f"{self._name}+{self._key_id:08x}+{_b64(bytes([self.type_byte]) + self._public_key)}"

    def __repr__(self) -> str:  # never the private key
        return f"{type(self).__name__}({self.verifier_key()!r})"


class Signer(_Ed25519Signer):
    """An Ed25519 note signer (type 0x01): the log signs its checkpoints with one."""

    type_byte = ED25519

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key_bytes)

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)


class CosignatureSigner(_Ed25519Signer):
    """A witness's tlog-cosignature/v1 signer (type 0x04); ``clock`` is injectable for tests."""

    type_byte = COSIGNATURE_V1

    def __init__(self, name: str, private_key: Ed25519PrivateKey, clock: Callable[[], float] = time.time) -> None:
        super().__init__(name, private_key)
        self.clock = clock

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.public_key_bytes)

    def sign(self, message: bytes, *, timestamp: int | None = None) -> bytes:
        """8-byte big-endian time || Ed25519 over ``cosignature/v1\\ntime <t>\\n`` + the checkpoint text."""
        if timestamp is None:
            timestamp = int(self.clock())
        if not 0 <= timestamp <= MAX_TIMESTAMP:
            raise NoteError(f"cosignature timestamp {timestamp} is out of range")
        signature = self._private_key.sign(cosignature_message(message, timestamp))
        return timestamp.to_bytes(8, "big") + signature


# --- signed notes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key id and the algorithm's bytes after the key id.

    ``timestamp`` is set on cosignatures that a known CosignatureVerifier verified.
    """

    name: str
    key_id: int
    signature: bytes
    timestamp: int | None = field(default=None, compare=False)

    def line(self) -> str:
        """The line as it appears in a note, newline included."""
        return f"{SIGNATURE_PREFIX}{self.name} {_b64(self.key_id.to_bytes(4, 'big') + self.signature)}\n"


@dataclass(frozen=True)
class Note:
    """An opened note: its text, every signature line in order, and those a known key verified."""

    text: str
    signatures: tuple[Signature, ...]
    verified: tuple[Signature, ...]

    @property
    def verified_names(self) -> frozenset[str]:
        return frozenset(signature.name for signature in self.verified)

    @property
    def unverified(self) -> tuple[Signature, ...]:
        return tuple(signature for signature in self.signatures if signature not in self.verified)

    def signed_text(self) -> str:
        """The note again, byte for byte as it was opened."""
        return self.text + "\n" + "".join(signature.line() for signature in self.signatures)


def parse_signature_line(line: str) -> Signature:
    """One ``— <name> base64(key id || signature)`` line (with or without its newline)."""
    line = line.removesuffix("\n")
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNote(f"signature line does not start with an em dash and a space: {line[:40]!r}")
    name, sep, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
    if not sep or not is_valid_name(name):
        raise MalformedNote(f"signature line has no valid key name: {line[:40]!r}")
    raw = decode_base64(encoded, f"signature by {name}")
    if len(raw) < 5:
        raise MalformedNote(f"signature by {name} is too short")
    return Signature(name=name, key_id=int.from_bytes(raw[:4], "big"), signature=raw[4:])


def split_note(note: str | bytes) -> tuple[str, list[Signature]]:
    """The text and signature lines of a note, checked for form only (no signature is verified)."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedNote("note is not valid UTF-8") from error
    _check_text(note)
    # The text ends at the last blank line: signature lines never contain one.
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNote("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedNote("note has no signature lines, or its last line does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    return text, [parse_signature_line(line) for line in lines]


VerifierKey = str | NoteVerifier  # a key string, or a verifier object


def _verifiers_by_id(verifier_keys: Iterable[VerifierKey]) -> dict[tuple[str, int], NoteVerifier]:
    known: dict[tuple[str, int], NoteVerifier] = {}
    for key in verifier_keys:
        verifier: NoteVerifier = verifier_from_string(key) if isinstance(key, str) else key
        slot = (verifier.name, verifier.key_id)
        if slot in known:
            raise NoteError(f"two verifier keys share the name and key id {verifier.name}+{verifier.key_id:08x}")
        known[slot] = verifier
    return known


def open_note(note: str | bytes, verifier_keys: Sequence[VerifierKey]) -> Note:
    """Open a signed note: every signature by a known key must verify, and at least one must exist.

    Signatures by unknown keys (name or key id differ) are kept but ignored, as the spec requires, so
    a checkpoint can carry cosignatures that this reader does not know.
    """
    text, signatures = split_note(note)
    known = _verifiers_by_id(verifier_keys)
    message = text.encode("utf-8")
    checked: list[Signature] = []
    verified: list[Signature] = []
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            checked.append(signature)
            continue
        if not verifier.verify(message, signature.signature):
            raise BadSignature(f"the signature by {signature.name}+{signature.key_id:08x} does not verify")
        if isinstance(verifier, CosignatureVerifier):
            signature = replace(signature, timestamp=verifier.timestamp(signature.signature))
        checked.append(signature)
        verified.append(signature)
    if not verified:
        raise UnverifiedNote("no known key signed this note")
    return Note(text=text, signatures=tuple(checked), verified=tuple(verified))


def signature_lines(text: str, signers: Sequence[NoteSigner]) -> list[str]:
    """The signature lines (newline included) that ``signers`` make over a note text."""
    if not text.endswith("\n"):
        raise MalformedNote("a note text ends with a newline")
    message = _check_text(text)
    lines = []
    for signer in signers:
        _check_name(signer.name)
        lines.append(Signature(signer.name, signer.key_id, signer.sign(message)).line())
    return lines


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """A signed note of ``text`` (which must end in a newline) by each of ``signers``, in order."""
    if not signers:
        raise NoteError("a signed note needs at least one signer")
    if len(signers) > MAX_SIGNATURES:
        raise NoteError(f"a note carries at most {MAX_SIGNATURES} signatures")
    return text + "\n" + "".join(signature_lines(text, signers))


def add_signatures(note: str, signers: Sequence[NoteSigner]) -> str:
    """``note`` with signatures by ``signers`` appended after the existing ones, left untouched.

    Nothing is verified here (the caller may not know every key); a line identical to one already
    present is not repeated.
    """
    text, existing = split_note(note)
    lines = [signature.line() for signature in existing]
    for line in signature_lines(text, signers):
        if line not in lines:
            lines.append(line)
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a note carries at most {MAX_SIGNATURES} signatures")
    return text + "\n" + "".join(lines)


# --- checkpoints (c2sp.org/tlog-checkpoint) -----------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin line, tree size, root hash and opaque extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for what, line in (("origin", self.origin), *(("extension line", e) for e in self.extensions)):
            if not line or "\n" in line:
                raise NoteError(f"checkpoint {what} must be one non-empty line")
            _check_text(line, f"checkpoint {what}")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise NoteError(f"checkpoint size {self.size} is out of range")
        if len(self.root) != HASH_SIZE:
            raise NoteError(f"checkpoint root is {len(self.root)} bytes, not {HASH_SIZE}")

    def body(self) -> str:
        """The note text to sign."""
        lines = [self.origin, str(self.size), _b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint from its note text, or from a whole signed note (signatures are NOT checked here).

    Use ``open_checkpoint`` (or ``open_note`` first) for anything you will trust.
    """
    if "\n\n" in text:
        text, _ = split_note(text)
    else:
        _check_text(text, "checkpoint")
    if not text.endswith("\n"):
        raise MalformedNote("a checkpoint ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedNote("a checkpoint has at least three lines: origin, size, root hash")
    if any(not line for line in lines):
        raise MalformedNote("a checkpoint has no empty lines")
    origin, size, root, *extensions = lines
    root_hash = decode_base64(root, "checkpoint root hash")
    if len(root_hash) != HASH_SIZE:
        raise MalformedNote(f"checkpoint root hash is {len(root_hash)} bytes, not {HASH_SIZE}")
    return Checkpoint(
        origin=origin, size=parse_decimal(size, "checkpoint size"), root=root_hash, extensions=tuple(extensions)
    )


def open_checkpoint(
    note_text: str, verifier_keys: Sequence[VerifierKey], origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Open a signed checkpoint with the given keys and parse it, checking its origin if one is expected."""
    opened = open_note(note_text, verifier_keys)
    checkpoint = parse_checkpoint(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"checkpoint origin is {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint, opened


# --- proof files (c2sp.org/tlog-proof) ----------------------------------------------------------


@dataclass(frozen=True)
class ProofFile:
    """An offline inclusion proof: entry index, inclusion hashes, the checkpoint note verbatim, extra data."""

    index: int
    hashes: list[bytes]
    checkpoint: str
    extra: bytes | None = None

    def format(self) -> str:
        return format_tlog_proof(index=self.index, hashes=self.hashes, checkpoint=self.checkpoint, extra=self.extra)


def format_tlog_proof(*, index: int, hashes: Sequence[bytes], checkpoint: str, extra: bytes | None = None) -> str:
    """The ``.tlog-proof`` text: header, optional extra, index, hashes, blank line, checkpoint note."""
    if not 0 <= index <= MAX_TREE_SIZE:
        raise NoteError(f"index {index} is out of range")
    if len(hashes) > MAX_INCLUSION_HASHES or any(len(h) != HASH_SIZE for h in hashes):
        raise NoteError(f"an inclusion proof is at most {MAX_INCLUSION_HASHES} hashes of {HASH_SIZE} bytes")
    split_note(checkpoint)  # verbatim, but it must at least be a signed note
    parse_checkpoint(checkpoint)
    lines = [PROOF_HEADER]
    if extra is not None:
        lines.append(f"extra {_b64(extra)}")
    lines.append(f"index {index}")
    lines.extend(_b64(h) for h in hashes)
    return "\n".join(lines) + "\n\n" + checkpoint


def parse_tlog_proof(text: str) -> ProofFile:
    """Parse a ``.tlog-proof`` strictly. Nothing is verified: check the checkpoint and the proof next."""
    header, sep, checkpoint = text.partition("\n\n")
    if not sep:
        raise MalformedNote("a tlog-proof has a blank line before its checkpoint")
    lines = header.split("\n")
    if lines[0] != PROOF_HEADER:
        raise MalformedNote(f"a tlog-proof starts with {PROOF_HEADER!r}")
    position = 1
    extra = None
    if position < len(lines) and lines[position].startswith("extra "):
        extra = decode_base64(lines[position].removeprefix("extra "), "extra data")
        position += 1
    if position >= len(lines) or not lines[position].startswith("index "):
        raise MalformedNote("a tlog-proof has an index line")
    index = parse_decimal(lines[position].removeprefix("index "), "index")
    hash_lines = lines[position + 1 :]
    if len(hash_lines) > MAX_INCLUSION_HASHES:
        raise MalformedNote(f"an inclusion proof has at most {MAX_INCLUSION_HASHES} hashes")
    hashes = [decode_base64(line, f"proof hash {n}") for n, line in enumerate(hash_lines)]
    if any(len(h) != HASH_SIZE for h in hashes):
        raise MalformedNote(f"proof hashes are {HASH_SIZE} bytes")
    split_note(checkpoint)
    parse_checkpoint(checkpoint)
    return ProofFile(index=index, hashes=hashes, checkpoint=checkpoint, extra=extra)
