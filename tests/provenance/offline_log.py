"""A whole small transparency log in memory, for the Django-free verifier, policy and monitor tests.

It signs statements with generated party keys, keeps the tree's complete subtrees the way the
sequencer does (``tlog.new_nodes``), signs checkpoints with a log key, cosigns them with witness
keys, and serves the C2SP tlog-tiles paths a monitor fetches.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auric.provenance import note, tiles, tlog
from auric.provenance.bundle import build_bundle
from auric.provenance.policy import format_policy
from auric.provenance.statements import key_id, public_key_bytes, sign_statement, statement

ORIGIN = "example.test/provenance"
PIECE = "pc_0123456789abcdef0123"
START = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


class MemoryLog:
    def __init__(self, *, origin: str = ORIGIN, witnesses: int = 2) -> None:
        self.origin = origin
        self.signer = note.Signer.generate(origin)
        self.witnesses = [
            (f"w{number}", note.CosignatureSigner.generate(f"witness{number}.example.test"))
            for number in range(1, witnesses + 1)
        ]
        self.entries: list[bytes] = []
        self.nodes: dict[tlog.Node, bytes] = {}
        self.keys: dict[str, Ed25519PrivateKey] = {}
        self.clock = START

    # --- the tree -------------------------------------------------------------------------------

    def append(self, entry: bytes) -> int:
        index = len(self.entries)
        self.nodes.update(tlog.new_nodes(index, [tlog.leaf_hash(entry)], self.nodes.__getitem__))
        self.entries.append(entry)
        return index

    @property
    def size(self) -> int:
        return len(self.entries)

    def root(self, size: int | None = None) -> bytes:
        return tlog.tree_root(self.entries[: self.size if size is None else size])

    def proof(self, index: int, size: int | None = None) -> list[bytes]:
        leaves = [tlog.leaf_hash(entry) for entry in self.entries[: self.size if size is None else size]]
        return tlog.inclusion_proof(index, leaves)

    def checkpoint(
        self, *, cosigners: Iterable[str] | None = None, size: int | None = None, root: bytes | None = None
    ) -> str:
        """A checkpoint note signed by the log and cosigned by the named witnesses (all by default)."""
        size = self.size if size is None else size
        body = note.Checkpoint(origin=self.origin, size=size, root=self.root(size) if root is None else root).body()
        signed = note.sign_note(body, [self.signer])
        names = {name for name, _ in self.witnesses} if cosigners is None else set(cosigners)
        chosen = [signer for name, signer in self.witnesses if name in names]
        return note.add_signatures(signed, chosen) if chosen else signed

    def tile(self, path: str) -> bytes:
        """The bytes the log serves at ``tile/...`` for its current size (KeyError: a 404)."""
        level, index, width = tiles.parse_tile_path(path)
        assert level is not None, "entry bundles are not needed here"
        full, partial = tiles.tile_counts(self.size, level)
        wanted = width or tiles.TILE_WIDTH
        if wanted > (tiles.TILE_WIDTH if index < full else partial if index == full else 0):
            raise KeyError(path)
        return tiles.encode_hashes([self.nodes[node] for node in tiles.tile_nodes(level, index, wanted)])

    # --- parties and statements -----------------------------------------------------------------

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def sign(
        self, type_: str, *, party: str, key: Ed25519PrivateKey, piece: str | None, data: Mapping[str, Any]
    ) -> bytes:
        return sign_statement(
            statement(type_, piece=piece, party=party, data=data, time=self.tick()), key
        ).entry_bytes()

    def registration(
        self,
        party: str,
        key: Ed25519PrivateKey,
        *,
        signer: Ed25519PrivateKey,
        type_: str = "party.registered",
        **extra: Any,
    ) -> bytes:
        public = public_key_bytes(key)
        data = {
            "party": party,
            "kind": "platform" if party == "platform" else "lab",
            "name": party,
            "key": key_id(public),
            "public_key": base64.b64encode(public).decode(),
            **extra,
        }
        return self.sign(type_, party="platform", key=signer, piece=None, data=data)

    def policy(self, *, threshold: int | None = None) -> str:
        witnesses = [(name, signer.verifier_key()) for name, signer in self.witnesses]
        quorum = len(witnesses) if threshold is None else threshold
        return format_policy(log_keys=[self.signer.verifier_key()], witnesses=witnesses, threshold=quorum)

    def bundle(self, indices: Sequence[int], *, piece: str = PIECE, checkpoint: str | None = None) -> bytes:
        checkpoint = checkpoint or self.checkpoint()
        triples = [(index, self.entries[index], self.proof(index)) for index in indices]
        return build_bundle(triples, checkpoint, self.policy(), piece)


class PieceHistory:
    """A log where a piece was made, certified by a lab and received by a warehouse.

    0 platform registers itself · 1 lab registered · 2 warehouse registered · 3 piece.made (platform)
    · 4 another piece's statement · 5 certificate.issued (lab) · 6 inventory.received (warehouse)
    """

    def __init__(self, log: MemoryLog | None = None) -> None:
        self.log = log or MemoryLog()
        self.platform = Ed25519PrivateKey.generate()
        self.lab = Ed25519PrivateKey.generate()
        self.warehouse = Ed25519PrivateKey.generate()
        log = self.log
        log.append(log.registration("platform", self.platform, signer=self.platform))
        log.append(log.registration("lab.ngtc", self.lab, signer=self.platform))
        log.append(log.registration("wh.shenzhen", self.warehouse, signer=self.platform))
        log.append(log.sign("piece.made", party="platform", key=self.platform, piece=PIECE, data={"metal": "au750"}))
        log.append(log.sign("piece.made", party="platform", key=self.platform, piece="pc_other0000", data={}))
        log.append(log.sign("certificate.issued", party="lab.ngtc", key=self.lab, piece=PIECE, data={"report": "N1"}))
        log.append(log.sign("inventory.received", party="wh.shenzhen", key=self.warehouse, piece=PIECE, data={}))

    piece_indices = (0, 1, 2, 3, 5, 6)
