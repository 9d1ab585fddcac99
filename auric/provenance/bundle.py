"""The offline bundle of a piece: everything needed to check its history without asking us.

A zip holding, for each log entry that matters — the piece's statements and the registrations
and revocations of every key that signed them (the platform's own keys included) — the exact
entry bytes (``entries/<index>.json``) and a C2SP tlog-proof (``entries/<index>.tlog-proof``: the
index, the inclusion proof and the cosigned checkpoint, the same checkpoint for every entry).
``policy.txt`` is an informational copy of the policy the site publishes: a verifier must bring
its own, or a forged bundle would simply carry a forged policy. ``piece.txt`` names the piece.

Reading is defensive, since a bundle comes from anywhere: only the names above, no duplicates,
no encrypted members, and a cap on the uncompressed size so a zip bomb cannot exhaust memory.
No Django here: the offline verifier reads bundles with this module.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from auric.provenance import note

MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_MEMBER_BYTES = 1024 * 1024
MAX_MEMBERS = 20_000
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # so the same bundle always has the same bytes

PIECE = "piece.txt"
POLICY = "policy.txt"
README = "README.txt"
_TOP_LEVEL = {PIECE, POLICY, README}
_ENTRY_NAME = re.compile(r"^entries/(0|[1-9][0-9]{0,18})\.(json|tlog-proof)$")
_PIECE_ID = re.compile(r"^[A-Za-z0-9_\-]{4,64}$")

README_TEXT = """\
Provenance bundle for piece {piece}
===================================

This archive lets anyone check the piece's history offline, without trusting the platform.

  entries/<index>.json        a log entry, byte for byte: a statement signed by the party that
                              acted ({{"key", "sig", "statement"}}, RFC 8785 canonical JSON)
  entries/<index>.tlog-proof  its proof of inclusion (c2sp.org/tlog-proof): the index, the
                              RFC 6962 inclusion proof, and the log's checkpoint with witness
                              cosignatures; every entry is proven against the same checkpoint
  policy.txt                  a copy of the log's published policy (c2sp.org/tlog-policy),
                              for information only: verify against a policy you obtained
                              yourself, or a forged bundle could bring a forged policy

Verify with the standalone verifier (Python 3.11+, the `cryptography` and `rfc8785` packages):

    python -m auric.provenance.verify BUNDLE.zip --policy POLICY.txt

It checks that the checkpoint is signed by a log in your policy and cosigned by its witness
quorum; that every entry is included at its index in that checkpoint; that every statement is
signed by a key the platform registered in the log before it and had not revoked before it
(the log's first entry is the platform's own key registering itself); and that every statement
is about this piece. Exit status 0 means verified.

What a bundle cannot show: entries left out of it. A monitor of the whole log (python -m
auric.provenance.monitor) or a witness is what notices a log that shows different histories to
different people.
"""


class BundleError(ValueError):
    """A bundle that is not a well-formed provenance zip; the message says what is wrong."""


@dataclass(frozen=True)
class BundleEntry:
    index: int
    entry: bytes
    proof_text: str
    proof: note.ProofFile


@dataclass(frozen=True)
class Bundle:
    piece: str
    policy_text: str
    readme: str
    entries: tuple[BundleEntry, ...]  # by index


def _member(name: str, data: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info, data


def build_bundle(
    entries: Sequence[tuple[int, bytes, list[bytes]]], checkpoint_note: str, policy_text: str, piece: str
) -> bytes:
    """The zip for a piece from (index, entry bytes, inclusion proof) triples and one checkpoint.

    The proofs must all be against ``checkpoint_note``; nothing is verified here — that is the
    verifier's job, and it must not trust whoever built the bundle.
    """
    if not _PIECE_ID.match(piece):
        raise BundleError(f"{piece!r} is not a piece id")
    if not entries:
        raise BundleError("a bundle needs at least one entry")
    indices = [index for index, _, _ in entries]
    if len(set(indices)) != len(indices):
        raise BundleError("an index appears twice")
    members = [_member(README, README_TEXT.format(piece=piece).encode())]
    members.append(_member(PIECE, f"{piece}\n".encode()))
    members.append(_member(POLICY, policy_text.encode()))
    for index, entry, proof in sorted(entries, key=lambda item: item[0]):
        if index < 0:
            raise BundleError("indices cannot be negative")
        members.append(_member(f"entries/{index}.json", entry))
        proof_text = note.format_tlog_proof(index=index, hashes=list(proof), checkpoint=checkpoint_note)
        members.append(_member(f"entries/{index}.tlog-proof", proof_text.encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, data in members:
            archive.writestr(info, data)
    return buffer.getvalue()


def _check_names(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise BundleError(f"more than {MAX_MEMBERS} files")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if name in seen:
            raise BundleError(f"{name!r} appears twice")
        seen.add(name)
        if name == "entries/" and info.is_dir():
            continue
        if name not in _TOP_LEVEL and not _ENTRY_NAME.match(name):
            # Covers ../, absolute paths, backslashes and anything we do not know.
            raise BundleError(f"unexpected path {name!r}: only {', '.join(sorted(_TOP_LEVEL))} and entries/<index>.*")
        if info.flag_bits & 0x1:
            raise BundleError(f"{name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BundleError(f"{name!r} uses an unsupported compression method")
        if info.file_size > MAX_MEMBER_BYTES:
            raise BundleError(f"{name!r} is larger than {MAX_MEMBER_BYTES} bytes")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise BundleError(f"the bundle unpacks to more than {MAX_TOTAL_BYTES} bytes")


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # Read at most the declared size plus one byte, so a lying header cannot make us inflate more.
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise BundleError(f"{info.filename!r} is not the size its header says")
    return data


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BundleError(f"{name!r} is not UTF-8 text") from error


def read_bundle(data: bytes) -> Bundle:
    """Unpack and parse a bundle; BundleError for anything malformed (nothing is verified here)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise BundleError("not a zip file") from error
    with archive:
        infos = archive.infolist()
        _check_names(infos)
        files: dict[str, bytes] = {}
        try:
            for info in infos:
                if not info.is_dir():
                    files[info.filename] = _read(archive, info)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as error:
            raise BundleError(f"damaged zip: {error}") from error
    if PIECE not in files:
        raise BundleError(f"{PIECE} is missing")
    piece = _text(PIECE, files[PIECE]).strip()
    if not _PIECE_ID.match(piece):
        raise BundleError(f"{PIECE} does not hold a piece id")
    entries: list[BundleEntry] = []
    indices = sorted({int(match[1]) for name in files if (match := _ENTRY_NAME.match(name))})
    for index in indices:
        entry_name, proof_name = f"entries/{index}.json", f"entries/{index}.tlog-proof"
        if entry_name not in files:
            raise BundleError(f"{proof_name} has no {entry_name}")
        if proof_name not in files:
            raise BundleError(f"{entry_name} has no {proof_name}")
        proof_text = _text(proof_name, files[proof_name])
        try:
            proof = note.parse_tlog_proof(proof_text)
        except note.NoteError as error:
            raise BundleError(f"{proof_name}: {error}") from error
        entries.append(BundleEntry(index, files[entry_name], proof_text, proof))
    if not entries:
        raise BundleError("the bundle holds no entries")
    return Bundle(
        piece=piece,
        policy_text=_text(POLICY, files.get(POLICY, b"")),
        readme=_text(README, files.get(README, b"")),
        entries=tuple(entries),
    )
