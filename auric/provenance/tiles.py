"""C2SP tlog-tiles: the log served as static files a CDN or an offline mirror can hold.

A tile at level L, index N holds up to 256 hashes: entry i is the tree node at level 8·L, index
256·N + i (the hash of leaves [(256·N + i)·256^L, (256·N + i + 1)·256^L)). Full tiles never change;
the right edge is a partial tile ``.p/<width>``. Entry bundles hold 256 entries, each prefixed by its
big-endian uint16 length. Any node of the tree (and so any proof) can be computed from tiles alone.

No Django here: the monitor, the offline verifier and mirrors use it.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable, Sequence

from auric.provenance import tlog

TILE_WIDTH = 256
TILE_HEIGHT = 8
HASH_SIZE = tlog.HASH_SIZE

_INDEX_PATH = re.compile(r"^(?:x\d{3}/)*\d{3}$")
_TILE_PATH = re.compile(r"^tile/(?P<level>entries|\d{1,2})/(?P<index>(?:x\d{3}/)*\d{3})(?:\.p/(?P<width>\d{1,3}))?$")


class TileError(ValueError):
    """A malformed tile path or tile contents."""


def index_path(index: int) -> str:
    """N as path elements: 1234067 → x001/x234/067."""
    if index < 0:
        raise TileError("tile index cannot be negative")
    digits = f"{index:d}"
    digits = digits.zfill((len(digits) + 2) // 3 * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def parse_index_path(path: str) -> int:
    if not _INDEX_PATH.match(path):
        raise TileError(f"bad tile index path {path!r}")
    return int(path.replace("x", "").replace("/", ""))


def tile_path(level: int | str, index: int, width: int | None = None) -> str:
    suffix = f".p/{width}" if width is not None and width < TILE_WIDTH else ""
    return f"tile/{level}/{index_path(index)}{suffix}"


def parse_tile_path(path: str) -> tuple[int | None, int, int | None]:
    """(level or None for entry bundles, index, partial width or None for a full tile)."""
    match = _TILE_PATH.match(path)
    if not match:
        raise TileError(f"bad tile path {path!r}")
    level = None if match["level"] == "entries" else int(match["level"])
    if level is not None and level > 63 // TILE_HEIGHT:
        raise TileError("tile level out of range")
    width = int(match["width"]) if match["width"] else None
    if width is not None and not 1 <= width < TILE_WIDTH:
        raise TileError("a partial tile holds 1 to 255 hashes")
    index = parse_index_path(match["index"])
    if match["index"] != index_path(index):
        raise TileError("tile index has leading zeros beyond its path form")
    return level, index, width


def tile_counts(size: int, level: int) -> tuple[int, int]:
    """(full tiles, width of the partial tile or 0) at a level for a tree of ``size`` leaves."""
    nodes = size // (TILE_WIDTH**level)
    return nodes // TILE_WIDTH, nodes % TILE_WIDTH


def tiles_of(size: int) -> list[tuple[int, int, int | None]]:
    """Every hash tile a tree of ``size`` has: (level, index, partial width or None)."""
    tiles: list[tuple[int, int, int | None]] = []
    level = 0
    while True:
        full, partial = tile_counts(size, level)
        if not full and not partial:
            return tiles
        tiles.extend((level, index, None) for index in range(full))
        if partial:
            tiles.append((level, full, partial))
        level += 1


def tile_nodes(level: int, index: int, width: int) -> list[tlog.Node]:
    """The tree nodes a hash tile holds, in order."""
    first = index * TILE_WIDTH
    return [(level * TILE_HEIGHT, first + offset) for offset in range(width)]


def encode_hashes(hashes: Sequence[bytes]) -> bytes:
    return b"".join(hashes)


def decode_hashes(data: bytes) -> list[bytes]:
    if len(data) % HASH_SIZE or len(data) > TILE_WIDTH * HASH_SIZE:
        raise TileError("a hash tile is a whole number of hashes, at most 256")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    out = bytearray()
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise TileError("an entry in a bundle has at most 65,535 bytes")
        out += struct.pack(">H", len(entry)) + entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    entries, position = [], 0
    while position < len(data):
        if position + 2 > len(data):
            raise TileError("truncated entry length")
        (length,) = struct.unpack_from(">H", data, position)
        position += 2
        if position + length > len(data):
            raise TileError("truncated entry")
        entries.append(data[position : position + length])
        position += length
    if len(entries) > TILE_WIDTH:
        raise TileError("an entry bundle holds at most 256 entries")
    return entries


TileFetcher = Callable[[int, int, int | None], bytes]  # (level, index, partial width) → tile bytes


class TileHashReader:
    """Answers node hashes from tiles of one tree size (fetched once each), so proofs can be built
    by anyone holding the static files. Hashes are checked against the signed root by the caller."""

    def __init__(self, size: int, fetch: TileFetcher):
        self.size = size
        self._fetch = fetch
        self._tiles: dict[tuple[int, int], list[bytes]] = {}

    def _tile(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        if key not in self._tiles:
            full, partial = tile_counts(self.size, level)
            if index < full:
                width = TILE_WIDTH
            elif index == full and partial:
                width = partial
            else:
                raise TileError(f"tile {level}/{index} is beyond a tree of size {self.size}")
            hashes = decode_hashes(self._fetch(level, index, None if width == TILE_WIDTH else width))
            if len(hashes) != width:
                raise TileError(f"tile {level}/{index} has {len(hashes)} hashes, not {width}")
            self._tiles[key] = hashes
        return self._tiles[key]

    def node(self, node: tlog.Node) -> bytes:
        level, index = node
        tile_level, below = divmod(level, TILE_HEIGHT)
        span = 1 << below
        first = index * span
        hashes = self._tile(tile_level, first // TILE_WIDTH)
        offset = first % TILE_WIDTH
        chunk = hashes[offset : offset + span]
        if len(chunk) != span:
            raise TileError(f"node {node} is not complete in a tree of size {self.size}")
        return tlog.root_from_leaf_hashes(chunk)

    def nodes(self, nodes: Iterable[tlog.Node]) -> dict[tlog.Node, bytes]:
        return {node: self.node(node) for node in nodes}

    def root(self) -> bytes:
        return (
            tlog.hash_of_range(tlog.root_nodes(self.size), self.nodes(tlog.root_nodes(self.size)))
            if self.size
            else tlog.EMPTY_ROOT
        )

    def inclusion_proof(self, index: int) -> list[bytes]:
        ranges = tlog.inclusion_ranges(index, self.size)
        return tlog.hashes_for_ranges(ranges, self.nodes(tlog.nodes_needed(ranges)))

    def consistency_proof(self, old_size: int) -> list[bytes]:
        ranges = tlog.consistency_ranges(old_size, self.size)
        return tlog.hashes_for_ranges(ranges, self.nodes(tlog.nodes_needed(ranges)))
