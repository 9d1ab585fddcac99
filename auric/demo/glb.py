"""A glTF 2.0 binary (GLB) of a ring, built with `struct`: a torus band and an optional stone.

The band is a torus mesh (POSITION, NORMAL, uint16 indices) with a PBR metal material; the stone
an octahedron with flat normals and a clear, glossy material. Units are metres (a ring of 18 mm
outer diameter), as the glTF spec requires. Layout per the spec: a 12-byte header ('glTF', version 2,
total length), a JSON chunk padded with spaces and a BIN chunk padded with zeros, each to 4 bytes.
"""

from __future__ import annotations

import json
import math
import struct

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
FLOAT = 5126
UNSIGNED_SHORT = 5123
TRIANGLES = 4

METALS = {
    "gold": [1.0, 0.766, 0.336, 1.0],
    "platinum": [0.672, 0.637, 0.585, 1.0],
    "silver": [0.972, 0.960, 0.915, 1.0],
}


def torus(
    major: float, minor: float, segments: int = 64, sides: int = 24
) -> tuple[list[float], list[float], list[int]]:
    """Positions, unit normals and triangle indices of a torus around the Y axis (a ring lying flat)."""
    positions: list[float] = []
    normals: list[float] = []
    for i in range(segments):
        u = 2 * math.pi * i / segments
        cu, su = math.cos(u), math.sin(u)
        for j in range(sides):
            v = 2 * math.pi * j / sides
            cv, sv = math.cos(v), math.sin(v)
            positions += [(major + minor * cv) * cu, minor * sv, (major + minor * cv) * su]
            normals += [cv * cu, sv, cv * su]
    indices: list[int] = []
    for i in range(segments):
        for j in range(sides):
            a = i * sides + j
            b = ((i + 1) % segments) * sides + j
            c = ((i + 1) % segments) * sides + (j + 1) % sides
            d = i * sides + (j + 1) % sides
            indices += [a, d, b, b, d, c]
    return positions, normals, indices


def octahedron(
    centre: tuple[float, float, float], radius: float, height: float
) -> tuple[list[float], list[float], list[int]]:
    """A brilliant-ish stone: eight faces, flat normals (three vertices per face)."""
    cx, cy, cz = centre
    top, bottom = (cx, cy + height * 0.35, cz), (cx, cy - height * 0.65, cz)
    girdle = [(cx + radius * math.cos(k * math.pi / 2), cy, cz + radius * math.sin(k * math.pi / 2)) for k in range(4)]
    positions: list[float] = []
    normals: list[float] = []
    indices: list[int] = []
    for k in range(4):
        g1, g2 = girdle[k], girdle[(k + 1) % 4]
        for tri in ((top, g2, g1), (bottom, g1, g2)):
            ux, uy, uz = (tri[1][n] - tri[0][n] for n in range(3))
            vx, vy, vz = (tri[2][n] - tri[0][n] for n in range(3))
            nx, ny, nz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
            length = math.sqrt(nx * nx + ny * ny + nz * nz)
            for vertex in tri:
                indices.append(len(positions) // 3)
                positions += list(vertex)
                normals += [nx / length, ny / length, nz / length]
    return positions, normals, indices


def _pad(data: bytes, filler: bytes) -> bytes:
    return data + filler * (-len(data) % 4)


def ring_glb(*, metal: str = "gold", with_stone: bool = True, segments: int = 64, sides: int = 24) -> bytes:
    """GLB bytes of a ring: band of `metal`, with a stone on top when `with_stone`."""
    meshes = [("band", torus(0.0085, 0.0011, segments, sides), 0)]
    materials = [
        {
            "name": f"{metal} band",
            "pbrMetallicRoughness": {"baseColorFactor": METALS[metal], "metallicFactor": 1.0, "roughnessFactor": 0.22},
        }
    ]
    if with_stone:
        meshes.append(("stone", octahedron((0.0, 0.0105, 0.0085), 0.0026, 0.004), 1))
        materials.append(
            {
                "name": "diamond",
                "pbrMetallicRoughness": {
                    "baseColorFactor": [0.95, 0.97, 1.0, 1.0],
                    "metallicFactor": 0.0,
                    "roughnessFactor": 0.03,
                },
            }
        )
    blob = bytearray()
    buffer_views: list[dict[str, int]] = []
    accessors: list[dict[str, object]] = []
    gltf_meshes: list[dict[str, object]] = []
    for name, (positions, normals, indices), material in meshes:
        attrs: dict[str, int] = {}
        for attr, values in (("POSITION", positions), ("NORMAL", normals)):
            offset = len(blob)
            blob += struct.pack(f"<{len(values)}f", *values)
            buffer_views.append(
                {"buffer": 0, "byteOffset": offset, "byteLength": len(values) * 4, "target": ARRAY_BUFFER}
            )
            accessor: dict[str, object] = {
                "bufferView": len(buffer_views) - 1,
                "componentType": FLOAT,
                "count": len(values) // 3,
                "type": "VEC3",
            }
            if attr == "POSITION":  # required by the spec for POSITION
                # min/max of the float32 values as stored, so validators comparing them agree exactly.
                stored = struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values))
                accessor["min"] = [min(stored[k::3]) for k in range(3)]
                accessor["max"] = [max(stored[k::3]) for k in range(3)]
            accessors.append(accessor)
            attrs[attr] = len(accessors) - 1
        offset = len(blob)
        blob += struct.pack(f"<{len(indices)}H", *indices)
        buffer_views.append(
            {"buffer": 0, "byteOffset": offset, "byteLength": len(indices) * 2, "target": ELEMENT_ARRAY_BUFFER}
        )
        blob += b"\x00" * (-len(blob) % 4)  # keep the next float view 4-byte aligned
        accessors.append(
            {
                "bufferView": len(buffer_views) - 1,
                "componentType": UNSIGNED_SHORT,
                "count": len(indices),
                "type": "SCALAR",
            }
        )
        gltf_meshes.append(
            {
                "name": name,
                "primitives": [
                    {"attributes": attrs, "indices": len(accessors) - 1, "material": material, "mode": TRIANGLES}
                ],
            }
        )
    document = {
        "asset": {"version": "2.0", "generator": "Auric demo data (auric.demo.glb)"},
        "scene": 0,
        "scenes": [{"nodes": list(range(len(gltf_meshes)))}],
        "nodes": [{"mesh": i, "name": m["name"]} for i, m in enumerate(gltf_meshes)],
        "meshes": gltf_meshes,
        "materials": materials,
        "accessors": accessors,
        "bufferViews": buffer_views,
        "buffers": [{"byteLength": len(blob)}],
    }
    json_chunk = _pad(json.dumps(document, separators=(",", ":")).encode(), b" ")
    bin_chunk = _pad(bytes(blob), b"\x00")
    total = 12 + 8 + len(json_chunk) + 8 + len(bin_chunk)
    return b"".join(
        [
            struct.pack("<4sII", b"glTF", 2, total),
            struct.pack("<I4s", len(json_chunk), b"JSON"),
            json_chunk,
            struct.pack("<I4s", len(bin_chunk), b"BIN\x00"),
            bin_chunk,
        ]
    )
