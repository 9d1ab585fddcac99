"""Merkle tree hashing and proofs exactly as RFC 6962 §2.1 / RFC 9162 §2.1.

This module imports nothing from Django so that anyone can verify our log with it (the offline
verifier, a partner's witness, a mirror). Indices are 0-based.

Two layers:

* the RFC functions over a list of leaf hashes (``tree_root``, ``inclusion_proof``,
  ``consistency_proof``) and the RFC 9162 verification algorithms (``verify_inclusion``,
  ``verify_consistency``), which raise ``InvalidProof`` with a reason;
* the same proofs planned as *ranges of leaves* (``inclusion_ranges``, ``consistency_ranges``),
  each range being a union of complete aligned subtrees (``range_nodes``). A store that keeps the
  hash of every complete aligned subtree ("node (level, index)" = MTH of leaves
  ``[index·2^level, (index+1)·2^level)``) answers any proof with O(log n) reads and no rebuild.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class InvalidProof(ValueError):
    """A proof or root that does not verify; the message says why."""


Node = tuple[int, int]  # (level, index): the complete subtree of leaves [index·2^level, (index+1)·2^level)
Range = tuple[int, int]  # leaves [start, end)


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly less than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = _split(n)
    return node_hash(_root_of_hashes(hashes[:k]), _root_of_hashes(hashes[k:]))


def tree_root(entries: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the entries (not yet leaf-hashed)."""
    return _root_of_hashes([leaf_hash(entry) for entry in entries])


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    return _root_of_hashes(leaf_hashes)


# --- proofs as ranges of leaves ---------------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1 as leaf ranges, leaf's sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start = start + k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2 as leaf ranges (empty when the sizes are equal)."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    ranges: list[Range] = []
    start, end, m = 0, new_size, old_size
    complete = True  # SUBPROOF's flag b: D[0:m] is the whole old tree we already know
    while m != end:
        k = _split(end - start)
        if m - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start = start + k
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete aligned subtrees that make up MTH(D[start:end]), largest first.

    Holds for every range a proof or a root asks for: ``start`` is aligned to a power of two
    at least as large as the range, so greedy largest-first blocks are aligned too.
    """
    if start >= end:
        raise ValueError("empty range")
    nodes: list[Node] = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start % (1 << level):
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def hash_of_range(nodes: Sequence[Node], node_hashes: Mapping[Node, bytes]) -> bytes:
    """MTH of a range from its complete subtrees (as returned by ``range_nodes``)."""
    digest = node_hashes[nodes[-1]]
    for node in reversed(nodes[:-1]):
        digest = node_hash(node_hashes[node], digest)
    return digest


def nodes_needed(ranges: Iterable[Range]) -> set[Node]:
    return {node for start, end in ranges for node in range_nodes(start, end)}


def hashes_for_ranges(ranges: Sequence[Range], node_hashes: Mapping[Node, bytes]) -> list[bytes]:
    return [hash_of_range(range_nodes(start, end), node_hashes) for start, end in ranges]


def root_nodes(size: int) -> list[Node]:
    """The complete subtrees whose hashes give the root of a tree of ``size`` leaves."""
    return range_nodes(0, size) if size else []


def _leaf_nodes(leaf_hashes: Sequence[bytes], nodes: Iterable[Node]) -> dict[Node, bytes]:
    """Hashes of the given complete subtrees, computed from the leaves (the in-memory store)."""
    return {
        (level, index): _root_of_hashes(leaf_hashes[index << level : (index + 1) << level]) for level, index in nodes
    }


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    ranges = inclusion_ranges(index, len(leaf_hashes))
    return hashes_for_ranges(ranges, _leaf_nodes(leaf_hashes, nodes_needed(ranges)))


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    ranges = consistency_ranges(old_size, len(leaf_hashes))
    return hashes_for_ranges(ranges, _leaf_nodes(leaf_hashes, nodes_needed(ranges)))


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ---------------------------------------------


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise InvalidProof(f"{name} is {len(value)} bytes, not {HASH_SIZE}")


def root_from_inclusion_proof(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` commits to for the leaf, or InvalidProof when its shape is wrong."""
    if index < 0 or tree_size < 0:
        raise InvalidProof("index and tree size cannot be negative")
    if index >= tree_size:
        raise InvalidProof(f"index {index} is beyond a tree of size {tree_size}")
    _check_hash("leaf hash", leaf_hash)
    fn, sn = index, tree_size - 1
    digest = leaf_hash
    for position, sibling in enumerate(proof):
        _check_hash(f"proof hash {position}", sibling)
        if sn == 0:
            raise InvalidProof(f"proof is longer than a tree of size {tree_size} needs")
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            digest = node_hash(digest, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof(f"proof is shorter than a tree of size {tree_size} needs")
    return digest


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> None:
    _check_hash("root", root)
    if root_from_inclusion_proof(leaf_hash, index, tree_size, proof) != root:
        raise InvalidProof("the proof leads to a different root: the entry is not in this tree")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    if old_size < 0 or new_size < 0:
        raise InvalidProof("sizes cannot be negative")
    if old_size > new_size:
        raise InvalidProof(f"old size {old_size} is larger than new size {new_size}")
    if old_size == 0:
        raise InvalidProof("a consistency proof from the empty tree is meaningless")
    if old_size == new_size:
        # Equal trees: nothing to prove but equality (any hash length, as in the public probes).
        if proof:
            raise InvalidProof("trees of equal size need an empty proof")
        if old_root != new_root:
            raise InvalidProof("trees of equal size have different roots")
        return
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    if not proof:
        raise InvalidProof("the proof is empty")
    for position, item in enumerate(proof):
        _check_hash(f"proof hash {position}", item)
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # the old tree is a complete subtree: its root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_digest = new_digest = path[0]
    for item in path[1:]:
        if sn == 0:
            raise InvalidProof("proof is longer than these sizes need")
        if fn & 1 or fn == sn:
            old_digest = node_hash(item, old_digest)
            new_digest = node_hash(item, new_digest)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            new_digest = node_hash(new_digest, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("proof is shorter than these sizes need")
    if old_digest != old_root:
        raise InvalidProof("the proof does not lead to the old root")
    if new_digest != new_root:
        raise InvalidProof("the proof does not lead to the new root: history was rewritten")


# --- building the stored nodes ------------------------------------------------------------------


def new_nodes(old_size: int, new_leaf_hashes: Sequence[bytes], stored: Callable[[Node], bytes]) -> dict[Node, bytes]:
    """Every complete subtree that appending ``new_leaf_hashes`` to a tree of ``old_size`` completes.

    ``stored`` returns an already stored node (only left siblings on the old tree's right edge are
    asked for: at most one per level). Returns the new nodes, leaves (level 0) included.
    """
    created: dict[Node, bytes] = {}

    def get(node: Node) -> bytes:
        return created[node] if node in created else stored(node)

    for offset, digest in enumerate(new_leaf_hashes):
        index = old_size + offset
        created[(0, index)] = digest
        level = 0
        # Each leaf that makes index·2^level end on an odd boundary completes its parent.
        while index & 1:
            parent = node_hash(get((level, index - 1)), get((level, index)))
            index >>= 1
            level += 1
            created[(level, index)] = parent
    return created


def edge_nodes(size: int) -> list[Node]:
    """Stored nodes that appending to a tree of ``size`` leaves may combine with: its root nodes."""
    return root_nodes(size)
