"""The standalone offline verifier: check a piece's bundle without trusting the platform.

    python -m auric.provenance.verify BUNDLE --policy POLICY [--origin ORIGIN] [--piece ID] [--json]

It verifies, in this order, and stops at the first failure with a precise reason:

1. the checkpoint is signed by a log in *your* policy (the bundle's copy is never used) and
   cosigned by a quorum of the policy's witnesses (tlog-cosignature/v1);
2. every entry is included at its index in that checkpoint (RFC 9162 §2.1.3.2);
3. the key registry holds, read from the log itself in index order: an entry at index i is signed
   by a key that a platform-signed registration below i added (only the log's first entry, the
   platform's own key, registers itself), that no revocation below i removed, and that belongs to
   the statement's party — the same rule as ``statements.KeyRegistry``;
4. every statement's signature verifies with its key, and every statement other than key
   registrations is about the bundle's piece.

Exit status 0 when verified, 1 with the reason otherwise, 2 for bad arguments or unreadable files.
Imports nothing from Django (a test holds us to it): a shopper or an auditor runs this alone.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from auric.provenance import note, tlog
from auric.provenance.bundle import Bundle, BundleError, read_bundle
from auric.provenance.policy import Policy, PolicyError, parse_policy
from auric.provenance.statements import (
    PLATFORM_PARTY,
    REGISTRY_TYPES,
    SignedStatement,
    StatementError,
    key_id,
    parse_entry,
)


class VerificationFailed(Exception):
    """The bundle does not verify; ``reason`` says exactly what failed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedEntry:
    index: int
    type: str
    party: str
    time: str
    key: str
    piece: str | None
    subject: str = ""  # for key registrations: whose key, which key


@dataclass(frozen=True)
class Report:
    piece: str
    origin: str
    tree_size: int
    root: str  # base64, as in the checkpoint
    witnesses: tuple[str, ...]  # the policy's witnesses that cosigned
    quorum: str
    entries: tuple[VerifiedEntry, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {"verified": True, **asdict(self)}

    def format(self) -> str:
        cosigned = ", ".join(self.witnesses) if self.witnesses else "no witness"
        lines = [
            f"VERIFIED piece {self.piece}",
            f"checkpoint: {self.origin}, tree size {self.tree_size}, root {self.root}",
            f"witnesses: {cosigned} (quorum: {self.quorum})",
            "entries:",
        ]
        width = len(str(self.entries[-1].index)) if self.entries else 1
        for entry in self.entries:
            subject = f" → {entry.subject}" if entry.subject else ""
            lines.append(f"  {entry.index:>{width}}  {entry.time}  {entry.type:<24} {entry.party}{subject}")
        return "\n".join(lines)


@dataclass
class _Key:
    party: str
    public_key: bytes
    registered_at: int
    revoked_at: int | None = None


class _Registry:
    """statements.KeyRegistry's rule over the bundle's entries, with the verifier's own messages."""

    def __init__(self) -> None:
        self.keys: dict[str, _Key] = {}

    def check(self, index: int, signed: SignedStatement) -> None:
        data = signed.statement["data"]
        key = self.keys.get(signed.key_id)
        self_registration = (
            signed.type == "party.registered"
            and signed.party == PLATFORM_PARTY
            and data.get("party") == PLATFORM_PARTY
            and data.get("key") == signed.key_id
        )
        if key is None and self_registration:
            # The log's trust root: its first entry, nothing else, may vouch for itself.
            if index != 0 or self.keys:
                raise VerificationFailed(
                    f"entry {index}: a self-signed platform registration is valid only as the log's first entry"
                )
            public_key = self._public_key(index, signed)
            self._verify(index, signed, public_key)
            self.keys[signed.key_id] = _Key(PLATFORM_PARTY, public_key, index)
            return
        if key is None:
            raise VerificationFailed(
                f"entry {index}: key {signed.key_id} is not registered by an earlier entry in the bundle"
            )
        if key.revoked_at is not None and key.revoked_at < index:
            raise VerificationFailed(f"entry {index}: key {signed.key_id} was revoked at entry {key.revoked_at}")
        if key.party != signed.party:
            raise VerificationFailed(
                f"entry {index}: key {signed.key_id} belongs to {key.party}, not to {signed.party}"
            )
        self._verify(index, signed, key.public_key)
        if signed.type in REGISTRY_TYPES:
            if signed.party != PLATFORM_PARTY:
                raise VerificationFailed(
                    f"entry {index}: {signed.type} by {signed.party}; only the platform registers keys"
                )
            self._learn(index, signed)

    @staticmethod
    def _verify(index: int, signed: SignedStatement, public_key: bytes) -> None:
        try:
            signed.verify(public_key)
        except StatementError as error:
            raise VerificationFailed(f"entry {index}: signature by key {signed.key_id} does not verify") from error

    @staticmethod
    def _public_key(index: int, signed: SignedStatement) -> bytes:
        data = signed.statement["data"]
        try:
            public_key = base64.b64decode(str(data.get("public_key")), validate=True)
        except (binascii.Error, ValueError) as error:
            raise VerificationFailed(f"entry {index}: the registered public_key is not base64") from error
        if len(public_key) != 32 or key_id(public_key) != data.get("key"):
            raise VerificationFailed(f"entry {index}: the registered public_key does not match key {data.get('key')}")
        if not isinstance(data.get("party"), str):
            raise VerificationFailed(f"entry {index}: the registration names no party")
        return public_key

    def _learn(self, index: int, signed: SignedStatement) -> None:
        data = signed.statement["data"]
        if signed.type == "party.key_revoked":
            revoked = self.keys.get(str(data.get("key")))
            if revoked is not None and revoked.revoked_at is None:
                revoked.revoked_at = index
            return
        public_key = self._public_key(index, signed)
        self.keys.setdefault(str(data["key"]), _Key(str(data["party"]), public_key, index))


def _open_checkpoint(bundle: Bundle, policy: Policy, origin: str | None) -> note.Checkpoint:
    checkpoint_text = bundle.entries[0].proof.checkpoint
    for item in bundle.entries[1:]:
        if item.proof.checkpoint != checkpoint_text:
            raise VerificationFailed(
                f"entry {item.index}: its proof is against another checkpoint than entry {bundle.entries[0].index}'s"
            )
    if not policy.logs:
        raise VerificationFailed("policy: it lists no log to verify the checkpoint with")
    try:
        checkpoint, _ = note.open_checkpoint(checkpoint_text, policy.log_verifier_keys())
    except note.NoteError as error:
        raise VerificationFailed(f"checkpoint: not signed by a log in the policy ({error})") from error
    log = policy.log_for_origin(checkpoint.origin)
    if log is None:
        raise VerificationFailed(f"checkpoint: origin {checkpoint.origin!r} is not the name of a log in the policy")
    try:
        note.open_note(checkpoint_text, [log.key.text])
    except note.NoteError as error:
        raise VerificationFailed(f"checkpoint: not signed by the policy's log {checkpoint.origin!r}") from error
    if origin is not None and checkpoint.origin != origin:
        raise VerificationFailed(f"checkpoint: origin {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint


def _check_witnesses(checkpoint_text: str, policy: Policy) -> set[str]:
    verified = policy.check_cosignatures(checkpoint_text)
    if not policy.quorum_met(verified):
        raise VerificationFailed(
            f"checkpoint: {len(verified)} of {len(policy.witnesses)} witness cosignatures, "
            f"quorum needs {policy.describe_quorum()}"
        )
    return verified


def _subject(signed: SignedStatement) -> str:
    if signed.type not in REGISTRY_TYPES:
        return ""
    data = signed.statement["data"]
    return f"{data.get('party')} key {data.get('key')}"


def verify_bundle(bundle_bytes: bytes, policy_text: str, origin: str | None = None, piece: str | None = None) -> Report:
    """Verify a bundle against a policy the caller trusts; VerificationFailed says why not."""
    try:
        policy = parse_policy(policy_text)
    except PolicyError as error:
        raise VerificationFailed(f"policy: {error}") from error
    try:
        bundle = read_bundle(bundle_bytes)
    except BundleError as error:
        raise VerificationFailed(f"bundle: {error}") from error
    if piece is not None and bundle.piece != piece:
        raise VerificationFailed(f"bundle: it is for piece {bundle.piece}, not {piece}")

    checkpoint = _open_checkpoint(bundle, policy, origin)
    witnesses = _check_witnesses(bundle.entries[0].proof.checkpoint, policy)

    for item in bundle.entries:
        if item.proof.index != item.index:
            raise VerificationFailed(f"entry {item.index}: its proof is for index {item.proof.index}")
        try:
            tlog.verify_inclusion(
                tlog.leaf_hash(item.entry), item.index, checkpoint.size, item.proof.hashes, checkpoint.root
            )
        except tlog.InvalidProof as error:
            raise VerificationFailed(f"entry {item.index}: not included in the checkpoint: {error}") from error

    registry = _Registry()
    verified: list[VerifiedEntry] = []
    for item in bundle.entries:
        try:
            signed = parse_entry(item.entry)
        except StatementError as error:
            raise VerificationFailed(f"entry {item.index}: malformed: {error}") from error
        registry.check(item.index, signed)
        if signed.type not in REGISTRY_TYPES and signed.piece != bundle.piece:
            raise VerificationFailed(f"entry {item.index}: it is about piece {signed.piece}, not {bundle.piece}")
        verified.append(
            VerifiedEntry(
                index=item.index,
                type=signed.type,
                party=signed.party,
                time=str(signed.statement["time"]),
                key=signed.key_id,
                piece=signed.piece,
                subject=_subject(signed),
            )
        )
    if not any(entry.piece == bundle.piece for entry in verified):
        raise VerificationFailed(f"bundle: no statement about piece {bundle.piece}")
    return Report(
        piece=bundle.piece,
        origin=checkpoint.origin,
        tree_size=checkpoint.size,
        root=base64.b64encode(checkpoint.root).decode(),
        witnesses=tuple(sorted(witnesses)),
        quorum=policy.describe_quorum(),
        entries=tuple(verified),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m auric.provenance.verify",
        description="Verify a piece's provenance bundle offline against a transparency-log policy.",
    )
    parser.add_argument("bundle", type=Path, help="the bundle (.zip) downloaded from the piece's page")
    parser.add_argument("--policy", type=Path, required=True, help="a c2sp.org/tlog-policy file you trust")
    parser.add_argument("--origin", help="the log origin the checkpoint must name")
    parser.add_argument("--piece", help="the piece id the bundle must be about")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    try:
        bundle_bytes = args.bundle.read_bytes()
        policy_text = args.policy.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        report = verify_bundle(bundle_bytes, policy_text, origin=args.origin, piece=args.piece)
    except VerificationFailed as failure:
        if args.json:
            print(json.dumps({"verified": False, "reason": failure.reason}))
        else:
            print(f"NOT VERIFIED: {failure.reason}", file=sys.stderr)
        return 1
    print(json.dumps(report.as_json(), indent=2) if args.json else report.format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
