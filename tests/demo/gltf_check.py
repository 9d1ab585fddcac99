"""A small glTF 2.0 binary validator for the tests, written from the spec (not from our builder).

Checks the 12-byte header (magic, version 2, total length), the chunk sequence (JSON first, then
an optional BIN; lengths multiples of 4), the JSON (asset.version, scenes/nodes/meshes
references), every accessor against its buffer view and every view against the buffer, POSITION
min/max, unit normals and triangle indices within the vertex count.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

COMPONENT = {5120: ("b", 1), 5121: ("B", 1), 5122: ("h", 2), 5123: ("H", 2), 5125: ("I", 4), 5126: ("f", 4)}
WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


class GltfError(AssertionError):
    pass


def _fail(message: str) -> None:
    raise GltfError(message)


def read_accessor(doc: dict[str, Any], blob: bytes, index: int) -> list[tuple[float, ...]]:
    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    fmt, size = COMPONENT[acc["componentType"]]
    width = WIDTH[acc["type"]]
    start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    stride = view.get("byteStride", size * width)
    values = []
    for i in range(acc["count"]):
        values.append(struct.unpack_from(f"<{width}{fmt}", blob, start + i * stride))
    return values


def validate_glb(data: bytes) -> dict[str, Any]:
    """Raise GltfError on the first violation; return the JSON document when valid."""
    if len(data) < 20:
        _fail("shorter than a header and one chunk")
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF":
        _fail(f"magic is {magic!r}")
    if version != 2:
        _fail(f"version is {version}")
    if length != len(data):
        _fail(f"header length {length} != file length {len(data)}")
    chunks: list[tuple[bytes, bytes]] = []
    offset = 12
    while offset < length:
        if offset + 8 > length:
            _fail("truncated chunk header")
        chunk_length, chunk_type = struct.unpack_from("<I4s", data, offset)
        if chunk_length % 4:
            _fail(f"chunk {chunk_type!r} length {chunk_length} is not a multiple of 4")
        body = data[offset + 8 : offset + 8 + chunk_length]
        if len(body) != chunk_length:
            _fail("chunk runs past the end of the file")
        chunks.append((chunk_type, body))
        offset += 8 + chunk_length
    if not chunks or chunks[0][0] != b"JSON":
        _fail("the first chunk must be JSON")
    if len(chunks) > 2 or (len(chunks) == 2 and chunks[1][0] != b"BIN\x00"):
        _fail("only one BIN chunk may follow the JSON chunk")
    doc = json.loads(chunks[0][1].decode("utf-8").rstrip(" "))
    blob = chunks[1][1] if len(chunks) == 2 else b""
    if doc.get("asset", {}).get("version") != "2.0":
        _fail("asset.version must be '2.0'")
    buffers = doc.get("buffers", [])
    for i, buf in enumerate(buffers):
        if "uri" in buf:
            _fail(f"buffer {i} refers to an external file")
        if buf["byteLength"] > len(blob) or len(blob) - buf["byteLength"] > 3:
            _fail(f"buffer {i} byteLength {buf['byteLength']} does not match the BIN chunk ({len(blob)})")
    for i, view in enumerate(doc.get("bufferViews", [])):
        if view["buffer"] >= len(buffers):
            _fail(f"bufferView {i} refers to a missing buffer")
        if view.get("byteOffset", 0) + view["byteLength"] > buffers[view["buffer"]]["byteLength"]:
            _fail(f"bufferView {i} runs past its buffer")
    for i, acc in enumerate(doc.get("accessors", [])):
        view = doc["bufferViews"][acc["bufferView"]]
        _fmt, size = COMPONENT[acc["componentType"]]
        width = WIDTH[acc["type"]]
        start = acc.get("byteOffset", 0)
        if start % size or view.get("byteOffset", 0) % size:
            _fail(f"accessor {i} is not aligned to its component size")
        stride = view.get("byteStride", size * width)
        needed = start + stride * (acc["count"] - 1) + size * width
        if needed > view["byteLength"]:
            _fail(f"accessor {i} needs {needed} bytes, its view has {view['byteLength']}")
    scene_nodes = [n for s in doc.get("scenes", []) for n in s.get("nodes", [])]
    if any(n >= len(doc.get("nodes", [])) for n in scene_nodes):
        _fail("a scene refers to a missing node")
    for node in doc.get("nodes", []):
        if "mesh" in node and node["mesh"] >= len(doc.get("meshes", [])):
            _fail("a node refers to a missing mesh")
    for mesh in doc.get("meshes", []):
        for prim in mesh["primitives"]:
            attrs = prim["attributes"]
            if "POSITION" not in attrs:
                _fail("a primitive has no POSITION")
            pos_acc = doc["accessors"][attrs["POSITION"]]
            if "min" not in pos_acc or "max" not in pos_acc:
                _fail("POSITION accessors must have min and max")
            positions = read_accessor(doc, blob, attrs["POSITION"])
            for k in range(3):
                if (
                    min(p[k] for p in positions) != pos_acc["min"][k]
                    or max(p[k] for p in positions) != pos_acc["max"][k]
                ):
                    _fail("POSITION min/max do not match the data")
            if "NORMAL" in attrs:
                normals = read_accessor(doc, blob, attrs["NORMAL"])
                if len(normals) != len(positions):
                    _fail("NORMAL count differs from POSITION count")
                if any(abs(math.sqrt(sum(c * c for c in n)) - 1) > 1e-3 for n in normals):
                    _fail("normals must be unit length")
            if "indices" in prim:
                indices = [i[0] for i in read_accessor(doc, blob, prim["indices"])]
                if any(i >= len(positions) for i in indices):
                    _fail("an index points past the vertices")
                if prim.get("mode", 4) == 4 and len(indices) % 3:
                    _fail("triangle index count is not a multiple of 3")
            if "material" in prim and prim["material"] >= len(doc.get("materials", [])):
                _fail("a primitive refers to a missing material")
    return doc
