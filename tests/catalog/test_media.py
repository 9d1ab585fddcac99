"""Catalog media: real images only, clean renditions, spin frames in order, valid GLB models, video links."""

from __future__ import annotations

import json
import struct
import zlib
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from auric.catalog import media
from auric.catalog.models import MediaAsset
from auric.core.errors import ValidationFailed
from auric.core.models import AuditEntry
from tests.factories import PieceFactory, StyleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def style():
    return StyleFactory(code="AU-IMG-1")


def _image_bytes(size=(1600, 1200), fmt="JPEG", colour=(200, 160, 40), exif=None, mode="RGB") -> bytes:
    image = Image.new(mode, size, colour if mode == "RGB" else (*colour, 128))
    buffer = BytesIO()
    kwargs = {"exif": exif.tobytes()} if exif is not None else {}
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def _upload(data: bytes, name="ring.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _open(path: str) -> Image.Image:
    with default_storage.open(path) as handle:
        image = Image.open(BytesIO(handle.read()))
        image.load()
        return image


def _refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        call(**kwargs)
    assert not MediaAsset.objects.exists()
    return refused.value.errors


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


# --- images ---------------------------------------------------------------------------------
def test_good_image_gets_webp_and_jpeg_renditions_at_320_640_1280(style):
    asset = media.add_image(style=style, upload=_upload(_image_bytes()), alt="足金手镯正面")

    assert (asset.kind, asset.width, asset.height) == ("image", 1600, 1200)
    assert sorted(asset.renditions, key=int) == ["320", "640", "1280"]
    for width, rendition in asset.renditions.items():
        assert rendition["webp"].startswith("catalog/AU-IMG-1/")
        webp, jpeg = _open(rendition["webp"]), _open(rendition["jpeg"])
        assert (webp.format, jpeg.format) == ("WEBP", "JPEG")
        assert webp.size == jpeg.size == (int(width), rendition["height"])
        assert rendition["height"] == int(width) * 3 // 4
    assert _open(asset.file.name).format == "JPEG"


def test_images_are_never_upscaled(style):
    asset = media.add_image(style=style, upload=_upload(_image_bytes(size=(700, 700))))
    assert sorted(asset.renditions, key=int) == ["320", "640"]


def test_exif_is_stripped_and_its_orientation_applied(style):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x010F] = "SecretCam"  # maker
    asset = media.add_image(style=style, upload=_upload(_image_bytes(size=(1600, 1200), exif=exif)))

    assert (asset.width, asset.height) == (1200, 1600)
    for path in [asset.file.name] + [r[k] for r in asset.renditions.values() for k in ("webp", "jpeg")]:
        image = _open(path)
        assert not image.getexif(), f"{path} kept EXIF"
        with default_storage.open(path) as handle:
            assert b"SecretCam" not in handle.read()


def test_transparent_png_becomes_webp_with_alpha_and_jpeg_on_white(style):
    data = _image_bytes(size=(640, 480), fmt="PNG", mode="RGBA")
    asset = media.add_image(style=style, upload=_upload(data, name="cut.png", content_type="image/png"))
    assert _open(asset.renditions["320"]["webp"]).mode == "RGBA"
    assert _open(asset.renditions["320"]["jpeg"]).mode == "RGB"


def test_text_file_named_jpg_is_rejected(style, media_root):
    errors = _refused(media.add_image, style=style, upload=_upload(b"I am not a picture\n" * 50))
    assert "not a JPEG, PNG or WebP" in errors["upload"][0]
    assert _stored_files(media_root) == []


def test_truncated_jpeg_is_rejected(style):
    data = _image_bytes()
    _refused(media.add_image, style=style, upload=_upload(data[: len(data) // 2]))


def test_image_formats_other_than_jpeg_png_webp_are_rejected(style):
    gif = _image_bytes(fmt="GIF")
    _refused(media.add_image, style=style, upload=_upload(gif, name="ring.gif", content_type="image/gif"))


def test_oversized_file_is_rejected(style, settings):
    settings.AURIC_MAX_IMAGE_BYTES = 10_000
    errors = _refused(media.add_image, style=style, upload=_upload(_image_bytes() + b"\0" * 10_000))
    assert "larger than" in errors["upload"][0]


def test_image_with_too_many_pixels_is_rejected(style, settings):
    settings.AURIC_MAX_IMAGE_PIXELS = 1_000_000
    errors = _refused(media.add_image, style=style, upload=_upload(_image_bytes(size=(1600, 1200))))
    assert "pixels" in errors["upload"][0]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_decompression_bomb_is_rejected_without_decoding(style):
    # A 100 000 × 100 000 PNG header over a few bytes of data: 10 gigapixels if decoded.
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
    bomb += _png_chunk(b"IEND", b"")
    errors = _refused(media.add_image, style=style, upload=_upload(bomb, name="bomb.png", content_type="image/png"))
    assert "too large" in errors["upload"][0] or "pixels" in errors["upload"][0]


def test_image_narrower_than_the_smallest_rendition_is_rejected(style):
    _refused(media.add_image, style=style, upload=_upload(_image_bytes(size=(200, 200))))


def test_image_of_a_piece_of_another_style_is_rejected(style):
    other_piece = PieceFactory()
    errors = _refused(media.add_image, style=style, upload=_upload(_image_bytes()), piece=other_piece)
    assert "piece" in errors


def test_files_are_removed_when_the_database_write_fails(style, media_root, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(MediaAsset, "save", fail)
    with pytest.raises(RuntimeError):
        media.add_image(style=style, upload=_upload(_image_bytes()))
    assert _stored_files(media_root) == []


def test_adding_an_image_is_audited(style, staff):
    asset = media.add_image(style=style, upload=_upload(_image_bytes()), actor=staff)
    entry = AuditEntry.objects.get(action="catalog.media.image.added")
    assert entry.actor == staff and entry.object_id == str(asset.pk)


def test_spin_frames_are_kept_in_playing_order_after_existing_frames(style):
    first = media.add_spin_frames(style=style, uploads=[_upload(_image_bytes(colour=(i, 0, 0))) for i in range(3)])
    more = media.add_spin_frames(style=style, uploads=[_upload(_image_bytes(colour=(9, 9, 9)))])

    frames = media.spin_frames(style=style)
    assert [f.position for f in frames] == [0, 1, 2, 3]
    assert [f.pk for f in frames] == [a.pk for a in first + more]
    assert {f.kind for f in frames} == {"spin"}


def test_a_spin_with_one_bad_frame_adds_no_frame(style, media_root):
    uploads = [_upload(_image_bytes()), _upload(b"not an image")]
    _refused(media.add_spin_frames, style=style, uploads=uploads)
    assert _stored_files(media_root) == []


# --- 3D models ------------------------------------------------------------------------------
def _glb(*, magic=b"glTF", version=2, length_delta=0, document=None) -> bytes:
    document = document or {
        "asset": {"version": "2.0", "generator": "auric-test"},
        "buffers": [{"byteLength": 12}],
        "bufferViews": [{"buffer": 0, "byteLength": 12}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 1, "type": "VEC3"}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "nodes": [{"mesh": 0}],
        "scenes": [{"nodes": [0]}],
    }
    json_chunk = json.dumps(document).encode()
    json_chunk += b" " * (-len(json_chunk) % 4)
    bin_chunk = struct.pack("<3f", 0.0, 0.0, 0.0)
    body = struct.pack("<II", len(json_chunk), 0x4E4F534A) + json_chunk
    body += struct.pack("<II", len(bin_chunk), 0x004E4942) + bin_chunk
    return struct.pack("<4sII", magic, version, 12 + len(body) + length_delta) + body


def _glb_upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("ring.glb", data, content_type="model/gltf-binary")


def test_valid_glb_is_stored_as_a_3d_model(style):
    asset = media.add_model_3d(style=style, upload=_glb_upload(_glb()))
    assert asset.kind == "model3d" and asset.file.name.endswith(".glb")
    with default_storage.open(asset.file.name) as handle:
        assert handle.read() == _glb()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_glb(magic=b"gLTF"), "glTF"),
        (b"PK\x03\x04" + b"\0" * 40, "glTF"),
        (_glb(version=1), "2.0"),
        (_glb(length_delta=4), "header says"),
        (_glb()[:-4], "header says"),
        (_glb(document={"asset": {"version": "1.0"}}), "asset.version"),
        (_glb(document={"asset": {"version": "2.0"}, "images": [{"uri": "https://evil.example/t.png"}]}), "external"),
    ],
)
def test_glb_with_bad_header_or_content_is_rejected(style, data, message):
    errors = _refused(media.add_model_3d, style=style, upload=_glb_upload(data))
    assert message in errors["upload"][0]


def test_glb_larger_than_the_limit_is_rejected(style, settings):
    settings.AURIC_MAX_MODEL_BYTES = 64
    _refused(media.add_model_3d, style=style, upload=_glb_upload(_glb()))


# --- video ----------------------------------------------------------------------------------
def test_video_by_https_address_is_added_after_existing_videos(style):
    first = media.add_video(style=style, url="https://video.example.com/v/123")
    second = media.add_video(style=style, url="http://video.example.com/v/456")
    assert (first.kind, first.position, second.position) == ("video", 0, 1)
    assert second.video_url == "http://video.example.com/v/456"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://video.example.com/v.mp4", "", "https://user:pw@video.example.com/v"]
)
def test_video_addresses_other_than_http_are_rejected(style, url):
    assert "url" in _refused(media.add_video, style=style, url=url)
