"""C2SP tlog-tiles paths, counts and bundles, and proofs built from tiles alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auric.provenance import tiles, tlog

EXAMPLES = json.loads((Path(__file__).resolve().parent / "vectors" / "merkle" / "c2sp-tlog-examples.json").read_text())[
    "tlog_tiles"
]


def test_spec_examples() -> None:
    for example in EXAMPLES["tile_index_path_encoding"]:
        assert tiles.index_path(example["index"]) == example["path_elements"]
        assert tiles.parse_index_path(example["path_elements"]) == example["index"]
    for example in EXAMPLES["examples"]:
        for name, counts in example.items():
            if name.startswith("level"):
                level = int(name.removeprefix("level"))
                assert tiles.tile_counts(example["tree_size"], level) == (counts["full"], counts["partial_width"])


@pytest.mark.parametrize(
    ("path", "parsed"),
    [
        ("tile/0/000", (0, 0, None)),
        ("tile/1/x001/x234/067.p/17", (1, 1234067, 17)),
        ("tile/entries/x001/005", (None, 1005, None)),
    ],
)
def test_tile_paths_round_trip(path: str, parsed: tuple) -> None:
    assert tiles.parse_tile_path(path) == parsed
    level, index, width = parsed
    assert tiles.tile_path("entries" if level is None else level, index, width) == path


@pytest.mark.parametrize(
    "path", ["tile/0/0", "tile/0/x000/001", "tile/0/000.p/0", "tile/0/000.p/256", "tile/9/000", "tile/a/000", "../x"]
)
def test_bad_tile_paths_are_refused(path: str) -> None:
    with pytest.raises(tiles.TileError):
        tiles.parse_tile_path(path)


def test_bundles_round_trip_and_refuse_truncation() -> None:
    entries = [b"", b"a", bytes(300)]
    data = tiles.encode_bundle(entries)
    assert tiles.decode_bundle(data) == entries
    with pytest.raises(tiles.TileError):
        tiles.decode_bundle(data[:-1])


def _store(size: int) -> tuple[list[bytes], dict[tlog.Node, bytes]]:
    hashes = [tlog.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    return hashes, tlog.new_nodes(0, hashes, lambda node: pytest.fail(str(node)))


def _fetcher(stored: dict[tlog.Node, bytes]):
    def fetch(level: int, index: int, width: int | None) -> bytes:
        nodes = tiles.tile_nodes(level, index, width or tiles.TILE_WIDTH)
        return tiles.encode_hashes([stored[node] for node in nodes])

    return fetch


@settings(max_examples=30, deadline=None)
@given(size=st.integers(1, 70_000), data=st.data())
def test_proofs_from_tiles_equal_proofs_from_the_tree(size: int, data: st.DataObject) -> None:
    hashes, stored = _store(size)
    reader = tiles.TileHashReader(size, _fetcher(stored))
    assert reader.root() == tlog.root_from_leaf_hashes(hashes)
    index = data.draw(st.integers(0, size - 1))
    assert reader.inclusion_proof(index) == tlog.hashes_for_ranges(tlog.inclusion_ranges(index, size), stored)
    old = data.draw(st.integers(1, size))
    assert reader.consistency_proof(old) == tlog.hashes_for_ranges(tlog.consistency_ranges(old, size), stored)


def test_every_tile_of_a_tree_is_listed() -> None:
    listed = tiles.tiles_of(70_000)
    assert listed[-4:] == [(0, 273, 112), (1, 0, None), (1, 1, 17), (2, 0, 1)]
    assert len([t for t in listed if t[0] == 0]) == 274
    assert (1, 1, 17) in listed and (2, 0, 1) in listed
