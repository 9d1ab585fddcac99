"""The Merkle primitives against the public vectors (RFC 6962 tree, transparency-dev probes,
a real Certificate Transparency log) and against properties that must hold for any tree."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auric.provenance import tlog
from auric.provenance.tlog import InvalidProof

VECTORS = Path(__file__).resolve().parent / "vectors" / "merkle"  # public vectors, sources in its README
REFERENCE = json.loads((VECTORS / "rfc6962-reference-tree.json").read_text())
PROBES = VECTORS / "transparency-dev-merkle" / "testdata"


def _hex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def _b64(values: list[str] | None) -> list[bytes]:
    return [base64.b64decode(value) for value in values or []]


REFERENCE_LEAVES = _hex(REFERENCE["leaf_inputs"])
REFERENCE_LEAF_HASHES = [tlog.leaf_hash(leaf) for leaf in REFERENCE_LEAVES]


def test_hasher_vectors() -> None:
    for vector in REFERENCE["hasher_vectors"]:
        want = bytes.fromhex(vector["want"])
        if vector["op"] == "empty_root":
            assert tlog.tree_root([]) == want == tlog.EMPTY_ROOT
        elif vector["op"] == "leaf":
            assert tlog.leaf_hash(bytes.fromhex(vector["data_hex"])) == want
        else:
            assert tlog.node_hash(bytes.fromhex(vector["left_hex"]), bytes.fromhex(vector["right_hex"])) == want


def test_roots_and_nodes_of_the_reference_tree() -> None:
    for size, root in REFERENCE["root_hashes_by_size"].items():
        assert tlog.tree_root(REFERENCE_LEAVES[: int(size)]).hex() == root
    stored = tlog.new_nodes(0, REFERENCE_LEAF_HASHES, lambda node: pytest.fail(f"asked for {node}"))
    for level, hashes in enumerate(REFERENCE["node_hashes_by_level"]):
        for index, digest in enumerate(hashes):
            assert stored[(level, index)].hex() == digest


@pytest.mark.parametrize(
    "case", REFERENCE["inclusion_proofs"]["cases"], ids=lambda c: f"{c['leaf_index']}of{c['tree_size']}"
)
def test_reference_inclusion_proofs(case: dict) -> None:
    size, index, proof = case["tree_size"], case["leaf_index"], _hex(case["proof"])
    assert tlog.inclusion_proof(index, REFERENCE_LEAF_HASHES[:size]) == proof
    root = bytes.fromhex(REFERENCE["root_hashes_by_size"][str(size)])
    tlog.verify_inclusion(REFERENCE_LEAF_HASHES[index], index, size, proof, root)


@pytest.mark.parametrize("case", REFERENCE["consistency_proofs"]["cases"], ids=lambda c: f"{c['size1']}to{c['size2']}")
def test_reference_consistency_proofs(case: dict) -> None:
    old, new, proof = case["size1"], case["size2"], _hex(case["proof"])
    assert tlog.consistency_proof(old, REFERENCE_LEAF_HASHES[:new]) == proof
    roots = REFERENCE["root_hashes_by_size"]
    tlog.verify_consistency(old, new, bytes.fromhex(roots[str(old)]), bytes.fromhex(roots[str(new)]), proof)


def _probes(kind: str) -> list[Path]:
    return sorted((PROBES / kind).rglob("*.json"))


@pytest.mark.parametrize("path", _probes("inclusion"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_transparency_dev_inclusion_probes(path: Path) -> None:
    probe = json.loads(path.read_text())
    arguments = (
        base64.b64decode(probe["leafHash"] or ""),
        probe["leafIdx"],
        probe["treeSize"],
        _b64(probe["proof"]),
        base64.b64decode(probe["root"] or ""),
    )
    if probe["wantErr"]:
        with pytest.raises(InvalidProof):
            tlog.verify_inclusion(*arguments)
    else:
        tlog.verify_inclusion(*arguments)


@pytest.mark.parametrize("path", _probes("consistency"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_transparency_dev_consistency_probes(path: Path) -> None:
    probe = json.loads(path.read_text())
    arguments = (
        probe["size1"],
        probe["size2"],
        base64.b64decode(probe["root1"] or ""),
        base64.b64decode(probe["root2"] or ""),
        _b64(probe["proof"]),
    )
    if probe["wantErr"]:
        with pytest.raises(InvalidProof):
            tlog.verify_consistency(*arguments)
    else:
        tlog.verify_consistency(*arguments)


def test_a_real_certificate_transparency_log() -> None:
    folder = VECTORS / "ct-argon2020"
    sth = json.loads((folder / "sth.json").read_text())
    params = json.loads((folder / "params.json").read_text())
    entry = json.loads((folder / "entries.json").read_text())["entries"][0]
    proof = json.loads((folder / "proof.json").read_text())
    root = base64.b64decode(sth["sha256_root_hash"])
    leaf = tlog.leaf_hash(base64.b64decode(entry["leaf_input"]))
    tlog.verify_inclusion(leaf, proof["leaf_index"], sth["tree_size"], _b64(proof["audit_path"]), root)
    with pytest.raises(InvalidProof):
        tlog.verify_inclusion(leaf, proof["leaf_index"] + 1, sth["tree_size"], _b64(proof["audit_path"]), root)

    consistency = _b64(json.loads((folder / "consistency.json").read_text())["consistency"])
    old_root = base64.b64decode(params["consistency"]["old_root"])
    tlog.verify_consistency(params["consistency"]["old_size"], sth["tree_size"], old_root, root, consistency)
    with pytest.raises(InvalidProof, match="rewritten"):
        tlog.verify_consistency(params["consistency"]["old_size"], sth["tree_size"], old_root, bytes(32), consistency)


# --- any tree ----------------------------------------------------------------------------------

entries_strategy = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


def _flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8 % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


@settings(max_examples=150, deadline=None)
@given(entries=entries_strategy, data=st.data())
def test_any_inclusion_proof_verifies_and_any_bit_flip_fails(entries: list[bytes], data: st.DataObject) -> None:
    hashes = [tlog.leaf_hash(entry) for entry in entries]
    root = tlog.tree_root(entries)
    index = data.draw(st.integers(0, len(entries) - 1))
    proof = tlog.inclusion_proof(index, hashes)
    tlog.verify_inclusion(hashes[index], index, len(entries), proof, root)

    target = data.draw(st.sampled_from(["leaf", "root", "proof"] if proof else ["leaf", "root"]))
    bit = data.draw(st.integers(0, 255))
    if target == "leaf":
        arguments = (_flip(hashes[index], bit), index, len(entries), proof, root)
    elif target == "root":
        arguments = (hashes[index], index, len(entries), proof, _flip(root, bit))
    else:
        position = data.draw(st.integers(0, len(proof) - 1))
        tampered = [*proof[:position], _flip(proof[position], bit), *proof[position + 1 :]]
        arguments = (hashes[index], index, len(entries), tampered, root)
    with pytest.raises(InvalidProof):
        tlog.verify_inclusion(*arguments)


@settings(max_examples=150, deadline=None)
@given(entries=entries_strategy, data=st.data())
def test_any_consistency_proof_verifies_and_any_bit_flip_fails(entries: list[bytes], data: st.DataObject) -> None:
    hashes = [tlog.leaf_hash(entry) for entry in entries]
    new = len(entries)
    old = data.draw(st.integers(1, new))
    old_root, new_root = tlog.tree_root(entries[:old]), tlog.tree_root(entries)
    proof = tlog.consistency_proof(old, hashes)
    tlog.verify_consistency(old, new, old_root, new_root, proof)

    bit = data.draw(st.integers(0, 255))
    targets = ["old_root", "new_root"] + (["proof"] if proof else [])
    target = data.draw(st.sampled_from(targets))
    if target == "old_root":
        arguments = (old, new, _flip(old_root, bit), new_root, proof)
    elif target == "new_root":
        arguments = (old, new, old_root, _flip(new_root, bit), proof)
    else:
        position = data.draw(st.integers(0, len(proof) - 1))
        arguments = (
            old,
            new,
            old_root,
            new_root,
            [*proof[:position], _flip(proof[position], bit), *proof[position + 1 :]],
        )
    with pytest.raises(InvalidProof):
        tlog.verify_consistency(*arguments)


@settings(max_examples=100, deadline=None)
@given(entries=entries_strategy, data=st.data())
def test_appending_in_batches_stores_every_complete_subtree(entries: list[bytes], data: st.DataObject) -> None:
    """The sequencer's incremental nodes equal the nodes of the whole tree, whatever the batches."""
    hashes = [tlog.leaf_hash(entry) for entry in entries]
    stored: dict[tlog.Node, bytes] = {}
    size = 0
    while size < len(hashes):
        batch = data.draw(st.integers(1, len(hashes) - size))
        edge = set(tlog.edge_nodes(size))

        def lookup(node: tlog.Node, edge: set[tlog.Node] = edge) -> bytes:
            assert node in edge, f"{node} is not on the edge of the stored tree"
            return stored[node]

        stored.update(tlog.new_nodes(size, hashes[size : size + batch], lookup))
        size += batch
        assert tlog.hash_of_range(tlog.root_nodes(size), stored) == tlog.root_from_leaf_hashes(hashes[:size])
    for index in range(len(hashes)):
        ranges = tlog.inclusion_ranges(index, size)
        assert tlog.hashes_for_ranges(ranges, stored) == tlog.inclusion_proof(index, hashes)


def test_a_proof_reads_few_nodes_in_a_large_tree() -> None:
    """O(log n) stored nodes answer a proof, whatever the tree's size."""
    size = 1_000_003
    for index in (0, 1, 499_999, 999_999, size - 1):
        assert len(tlog.nodes_needed(tlog.inclusion_ranges(index, size))) <= 2 * size.bit_length()
    for old in (1, 3, 65_536, 999_999):
        assert len(tlog.nodes_needed(tlog.consistency_ranges(old, size))) <= 3 * size.bit_length()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        tlog.inclusion_proof(3, [tlog.leaf_hash(b"a")] * 3)
    with pytest.raises(ValueError, match="no consistency proof"):
        tlog.consistency_proof(0, [tlog.leaf_hash(b"a")])
    with pytest.raises(InvalidProof, match="negative"):
        tlog.verify_inclusion(bytes(32), -1, 2, [], bytes(32))
