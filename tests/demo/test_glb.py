"""The demo ring model is a valid glTF 2.0 binary."""

from __future__ import annotations

import struct

import pytest

from auric.demo import glb
from tests.demo.gltf_check import GltfError, read_accessor, validate_glb


def test_ring_model_is_a_valid_gltf_binary():
    doc = validate_glb(glb.ring_glb(metal="gold", with_stone=True))

    assert [m["name"] for m in doc["meshes"]] == ["band", "stone"]


def test_ring_band_has_positions_normals_and_indices_with_a_gold_pbr_material():
    data = glb.ring_glb(metal="gold", with_stone=False)
    doc = validate_glb(data)

    primitive = doc["meshes"][0]["primitives"][0]
    assert set(primitive["attributes"]) == {"POSITION", "NORMAL"}
    assert "indices" in primitive
    material = doc["materials"][primitive["material"]]["pbrMetallicRoughness"]
    assert material["metallicFactor"] == 1.0
    assert material["baseColorFactor"] == glb.METALS["gold"]


def test_ring_is_sized_in_metres_like_a_real_ring():
    data = glb.ring_glb(with_stone=False)
    doc = validate_glb(data)

    position = doc["accessors"][doc["meshes"][0]["primitives"][0]["attributes"]["POSITION"]]
    outer_diameter = position["max"][0] - position["min"][0]
    assert 0.015 < outer_diameter < 0.025  # 15–25 mm


def test_chunks_are_padded_to_four_bytes():
    data = glb.ring_glb()
    json_length = struct.unpack_from("<I", data, 12)[0]
    bin_length = struct.unpack_from("<I", data, 20 + json_length)[0]

    assert json_length % 4 == 0 and bin_length % 4 == 0


def test_stone_normals_point_outwards():
    data = glb.ring_glb()
    doc = validate_glb(data)
    blob = data[28 + struct.unpack_from("<I", data, 12)[0] :]
    attrs = doc["meshes"][1]["primitives"][0]["attributes"]

    positions = read_accessor(doc, blob, attrs["POSITION"])
    normals = read_accessor(doc, blob, attrs["NORMAL"])
    centre = [sum(p[k] for p in positions) / len(positions) for k in range(3)]
    assert all(sum((p[k] - centre[k]) * n[k] for k in range(3)) > 0 for p, n in zip(positions, normals, strict=True))


def test_the_validator_refuses_a_wrong_total_length():
    data = bytearray(glb.ring_glb())
    struct.pack_into("<I", data, 8, len(data) + 4)

    with pytest.raises(GltfError, match="length"):
        validate_glb(bytes(data))


def test_the_validator_refuses_an_accessor_past_its_view():
    data = glb.ring_glb(with_stone=False)
    json_length = struct.unpack_from("<I", data, 12)[0]
    import json

    doc = json.loads(data[20 : 20 + json_length])
    doc["accessors"][0]["count"] += 1
    body = json.dumps(doc).encode()
    body += b" " * (-len(body) % 4)
    rest = data[20 + json_length :]
    rebuilt = (
        struct.pack("<4sII", b"glTF", 2, 20 + len(body) + len(rest))
        + struct.pack("<I4s", len(body), b"JSON")
        + body
        + rest
    )

    with pytest.raises(GltfError, match="accessor 0"):
        validate_glb(rebuilt)


def test_catalog_media_accepts_the_model():
    from auric.catalog import media

    media.check_glb(glb.ring_glb())
