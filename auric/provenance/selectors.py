"""Reading the log: node hashes, proofs, checkpoints and a piece's entries (no writes)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from auric.provenance import tlog
from auric.provenance.models import LEVEL_SHIFT, Checkpoint, LogEntry, PartyKey, TreeNode

_INDEX_MASK = (1 << LEVEL_SHIFT) - 1


def node_hashes(nodes: Iterable[tlog.Node]) -> dict[tlog.Node, bytes]:
    """Stored hashes of complete subtrees, in one query."""
    wanted = {(level << LEVEL_SHIFT) | index for level, index in nodes}
    if not wanted:
        return {}
    rows = TreeNode.objects.filter(key__in=wanted).values_list("key", "hash")
    found = {(key >> LEVEL_SHIFT, key & _INDEX_MASK): bytes(digest) for key, digest in rows}
    if len(found) != len(wanted):
        raise LookupError(f"{len(wanted) - len(found)} tree nodes are missing from the store")
    return found


def inclusion_proof(index: int, size: int) -> list[bytes]:
    ranges = tlog.inclusion_ranges(index, size)
    return tlog.hashes_for_ranges(ranges, node_hashes(tlog.nodes_needed(ranges)))


def inclusion_proofs(indices: Iterable[int], size: int) -> dict[int, list[bytes]]:
    """Proofs for several entries against one tree size, with one read of the nodes they share."""
    plans = {index: tlog.inclusion_ranges(index, size) for index in indices}
    stored = node_hashes(tlog.nodes_needed(r for ranges in plans.values() for r in ranges))
    return {index: tlog.hashes_for_ranges(ranges, stored) for index, ranges in plans.items()}


def consistency_proof(old_size: int, new_size: int) -> list[bytes]:
    ranges = tlog.consistency_ranges(old_size, new_size)
    return tlog.hashes_for_ranges(ranges, node_hashes(tlog.nodes_needed(ranges)))


def root_at(size: int) -> bytes:
    return tlog.hash_of_range(tlog.root_nodes(size), node_hashes(tlog.root_nodes(size))) if size else tlog.EMPTY_ROOT


def leaf_hash_at(index: int) -> bytes:
    return node_hashes([(0, index)])[(0, index)]


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def checkpoint_note(checkpoint: Checkpoint) -> str:
    """The checkpoint with every witness cosignature collected for it."""
    lines = [c.line if c.line.endswith("\n") else c.line + "\n" for c in checkpoint.cosignatures.all()]
    return checkpoint.note + "".join(lines)


def entries_of_piece(public_id: str) -> list[LogEntry]:
    return list(LogEntry.objects.filter(piece=public_id).order_by("index"))


def key_entries_for(key_ids: Iterable[str], size: int) -> list[LogEntry]:
    """The log entries that register or revoke these keys and the platform's keys (which sign those)."""
    pairs = PartyKey.objects.filter(Q(key_id__in=set(key_ids)) | Q(party__party_id="platform")).values_list(
        "party__party_id", "key_id"
    )
    sources = [source for party, key in pairs for source in (f"party:{party}:{key}", f"revoke:{key}")]
    return list(LogEntry.objects.filter(source__in=sources, index__lt=size).order_by("index"))


def policy_text() -> str:
    """The C2SP tlog-policy a verifier of this log should use: the log key, the witnesses, the quorum."""
    from django.conf import settings

    from auric.provenance import keys
    from auric.provenance.policy import format_policy
    from auric.provenance.witnessing import configured_witnesses

    witnesses = [(w.name, w.verifier_key, w.url) for w in configured_witnesses()]
    return format_policy(
        log_keys=[keys.log_verifier_key()], witnesses=witnesses, threshold=settings.AURIC_PROVENANCE_WITNESS_QUORUM
    )
