"""Catalog media: product images, 360° spin frames, 3D models (glTF binary) and video links.

Uploads are untrusted. An image must decode as JPEG, PNG or WebP within byte and pixel limits (a
file that only claims to be an image by its name or content type is refused, and so is a
decompression bomb); it is turned upright by its EXIF orientation and re-encoded from pixels only,
so no EXIF, GPS or other metadata survives. We keep a clean JPEG master and renditions 320, 640 and
1280 px wide (never upscaled) as WebP and JPEG under ``catalog/<style code>/``; an image narrower
than 320 px is refused, so the 320 rendition always exists. A 3D model must be a glTF 2.0 binary
(GLB) whose header and chunks are consistent and which loads nothing from elsewhere. Files are
written first and removed again if the database write fails.
"""

from __future__ import annotations

import json
import struct
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils.text import get_valid_filename
from PIL import Image, ImageOps, UnidentifiedImageError

from auric.catalog.models import MediaAsset, Piece, Style
from auric.core import events
from auric.core.audit import record_change, snapshot
from auric.core.errors import ValidationFailed

RENDITION_WIDTHS = (320, 640, 1280)
MASTER_MAX_WIDTH = 2560
ALLOWED_IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000  # 40 MP: beyond any product photo, far below a bomb
JPEG_QUALITY = 85
WEBP_QUALITY = 80
GLB_MAGIC = b"glTF"
GLB_CHUNK_JSON = 0x4E4F534A
GLB_CHUNK_BIN = 0x004E4942
MEDIA_AUDIT_FIELDS = ("style", "piece", "kind", "position", "file", "video_url", "width", "height")

Upload = IO[bytes] | bytes


def _max_image_pixels() -> int:
    return int(getattr(settings, "AURIC_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def _refuse(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={field_name: [message]})


def _read(upload: Upload, *, limit: int, field_name: str) -> bytes:
    """All bytes of an upload, refusing more than `limit` without reading much beyond it."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        declared = getattr(upload, "size", None)
        if isinstance(declared, int) and declared > limit:
            raise _refuse(field_name, f"The file is larger than {limit // (1024 * 1024)} MB")
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(limit + 1)
        if not isinstance(data, bytes):
            raise _refuse(field_name, "The upload must be binary")
    if len(data) > limit:
        raise _refuse(field_name, f"The file is larger than {limit // (1024 * 1024)} MB")
    if not data:
        raise _refuse(field_name, "The file is empty")
    return data


def _style_folder(style: Style) -> str:
    return f"catalog/{get_valid_filename(style.code) or style.pk}"


def _check_owner(style: Style, piece: Piece | None) -> None:
    if style.pk is None:
        raise _refuse("style", "The style must be saved first")
    if piece is not None and piece.style_id != style.pk:
        raise _refuse("piece", f"Piece {piece.serial_number} is not a piece of style {style.code}")


# --- images ---------------------------------------------------------------------------------
@dataclass
class _PreparedImage:
    width: int
    height: int
    master: bytes
    renditions: dict[int, tuple[bytes, bytes, int]] = field(default_factory=dict)  # width → (webp, jpeg, height)


def _decode(data: bytes) -> Image.Image:
    """Open untrusted bytes as an image, or refuse them."""
    limit = _max_image_pixels()
    not_an_image = _refuse("upload", "The file is not a JPEG, PNG or WebP image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data)) as probe:
                if probe.format not in ALLOWED_IMAGE_FORMATS:
                    raise not_an_image
                width, height = probe.size
                if width * height > limit:
                    raise _refuse("upload", f"The image has more than {limit:,} pixels")
                probe.verify()
            # verify() leaves the image unusable; decode it again, for real this time.
            image = Image.open(BytesIO(data))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _refuse("upload", "The image is too large to decode safely") from exc
        except ValidationFailed:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
            raise not_an_image from exc
    return image


def _pixels_only(image: Image.Image) -> Image.Image:
    """Upright, in RGB or RGBA, with no metadata (EXIF, XMP, ICC, comments) left."""
    upright = ImageOps.exif_transpose(image) or image
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    return clean


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = BytesIO()
    if fmt == "JPEG":
        _flatten(image).save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()


def _resize_to_width(image: Image.Image, width: int) -> Image.Image:
    if width >= image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _prepare_image(upload: Upload) -> _PreparedImage:
    data = _read(upload, limit=settings.AURIC_MAX_IMAGE_BYTES, field_name="upload")
    image = _pixels_only(_decode(data))
    if image.width < RENDITION_WIDTHS[0]:
        raise _refuse("upload", f"The image must be at least {RENDITION_WIDTHS[0]} px wide")
    master = _resize_to_width(image, MASTER_MAX_WIDTH)
    prepared = _PreparedImage(width=master.width, height=master.height, master=_encode(master, "JPEG"))
    for width in RENDITION_WIDTHS:
        if width > image.width:
            break  # never upscale
        rendition = _resize_to_width(image, width)
        prepared.renditions[width] = (_encode(rendition, "WEBP"), _encode(rendition, "JPEG"), rendition.height)
    return prepared


def clean_photo(upload: Upload) -> bytes:
    """An evidence photo (inspections, services) as a JPEG: decoded safely, upright, at most
    MASTER_MAX_WIDTH wide, with its metadata (location, camera) removed."""
    data = _read(upload, limit=settings.AURIC_MAX_IMAGE_BYTES, field_name="upload")
    return _encode(_resize_to_width(_pixels_only(_decode(data)), MASTER_MAX_WIDTH), "JPEG")


class _Saved:
    """Files written for one call, removed again if the call fails."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def save(self, name: str, content: bytes) -> str:
        stored = default_storage.save(name, ContentFile(content))
        self.names.append(stored)
        return stored

    def remove_all(self) -> None:
        for name in self.names:
            default_storage.delete(name)


def _store_image(prepared: _PreparedImage, folder: str, saved: _Saved) -> tuple[str, dict[str, Any]]:
    stem = uuid.uuid4().hex[:16]
    master = saved.save(f"{folder}/{stem}.jpg", prepared.master)
    renditions: dict[str, Any] = {}
    for width, (webp, jpeg, height) in prepared.renditions.items():
        renditions[str(width)] = {
            "webp": saved.save(f"{folder}/{stem}-{width}.webp", webp),
            "jpeg": saved.save(f"{folder}/{stem}-{width}.jpg", jpeg),
            "height": height,
        }
    return master, renditions


def _audit_added(assets: Iterable[MediaAsset], actor: Any) -> None:
    """Audit each new asset and announce it (`catalog.MediaAdded`), in the caller's transaction."""
    for asset in assets:
        events.publish(
            "catalog.MediaAdded",
            {"media_id": asset.pk, "style_id": asset.style_id, "kind": asset.kind},
            aggregate=f"catalog.style:{asset.style_id}",
        )
        record_change(
            actor=actor,
            action=f"catalog.media.{asset.kind}.added",
            obj=asset,
            before=None,
            after=snapshot(asset, MEDIA_AUDIT_FIELDS),
        )


def _create_images(
    *,
    style: Style,
    uploads: Sequence[Upload],
    piece: Piece | None,
    kind: str,
    positions: Sequence[int] | None,
    alt: str,
    alt_en: str,
    actor: Any,
) -> list[MediaAsset]:
    _check_owner(style, piece)
    if kind not in (MediaAsset.Kind.IMAGE, MediaAsset.Kind.SPIN_FRAME):
        raise _refuse("kind", "An image is an 'image' or a 'spin' frame")
    if len(alt) > 200 or len(alt_en) > 200:
        raise _refuse("alt", "Alternative text has at most 200 characters")
    prepared = [_prepare_image(upload) for upload in uploads]
    folder = _style_folder(style)
    saved = _Saved()
    try:
        with transaction.atomic():
            if positions is None:
                last = MediaAsset.objects.filter(style=style, kind=kind).aggregate(last=Max("position"))["last"]
                start = 0 if last is None else last + 1
                positions = range(start, start + len(prepared))
            assets = []
            for image, position in zip(prepared, positions, strict=True):
                if not 0 <= position <= 32767:
                    raise _refuse("position", "Position must be from 0 to 32767")
                master, renditions = _store_image(image, folder, saved)
                assets.append(
                    MediaAsset(
                        style=style,
                        piece=piece,
                        kind=kind,
                        position=position,
                        file=master,
                        renditions=renditions,
                        width=image.width,
                        height=image.height,
                        alt=alt,
                        alt_en=alt_en,
                    )
                )
            for asset in assets:
                asset.save()
            _audit_added(assets, actor)
    except BaseException:
        saved.remove_all()
        raise
    return assets


def add_image(
    *,
    style: Style,
    upload: Upload,
    piece: Piece | None = None,
    kind: str = MediaAsset.Kind.IMAGE,
    position: int = 0,
    alt: str = "",
    alt_en: str = "",
    actor: Any = None,
) -> MediaAsset:
    """Add one image (or one spin frame) with its WebP and JPEG renditions."""
    return _create_images(
        style=style,
        uploads=[upload],
        piece=piece,
        kind=kind,
        positions=[position],
        alt=alt,
        alt_en=alt_en,
        actor=actor,
    )[0]


def add_spin_frames(
    *, style: Style, uploads: Sequence[Upload], piece: Piece | None = None, actor: Any = None
) -> list[MediaAsset]:
    """Add the frames of a 360° spin in order, after any frames the style has; all or nothing."""
    if not uploads:
        raise _refuse("uploads", "A spin needs at least one frame")
    return _create_images(
        style=style,
        uploads=uploads,
        piece=piece,
        kind=MediaAsset.Kind.SPIN_FRAME,
        positions=None,
        alt="",
        alt_en="",
        actor=actor,
    )


def spin_frames(*, style: Style, piece: Piece | None = None) -> list[MediaAsset]:
    """A style's spin frames in playing order."""
    frames = MediaAsset.objects.filter(style=style, kind=MediaAsset.Kind.SPIN_FRAME, piece=piece)
    return list(frames.order_by("position", "id"))


# --- 3D models ------------------------------------------------------------------------------
def check_glb(data: bytes) -> dict[str, Any]:
    """Check a glTF 2.0 binary and return its JSON chunk, or raise ValidationFailed.

    Header: magic 'glTF', version 2, total length equal to the file size; then chunks, each
    4-byte aligned and inside the file, the first one JSON; no buffer or image fetched by URL.
    """
    if len(data) < 20:
        raise _refuse("upload", "The file is too short to be a glTF binary")
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != GLB_MAGIC:
        raise _refuse("upload", "The file is not a glTF binary (.glb): the header does not start with 'glTF'")
    if version != 2:
        raise _refuse("upload", f"Only glTF 2.0 binaries are accepted, not version {version}")
    if length != len(data):
        raise _refuse("upload", f"The header says {length} bytes but the file has {len(data)}")
    offset, chunks = 12, []
    while offset < len(data):
        if offset + 8 > len(data):
            raise _refuse("upload", "A chunk header runs past the end of the file")
        chunk_length, chunk_type = struct.unpack_from("<II", data, offset)
        if chunk_length % 4 or offset + 8 + chunk_length > len(data):
            raise _refuse("upload", "A chunk is misaligned or runs past the end of the file")
        chunks.append((chunk_type, data[offset + 8 : offset + 8 + chunk_length]))
        offset += 8 + chunk_length
    if not chunks or chunks[0][0] != GLB_CHUNK_JSON:
        raise _refuse("upload", "The first chunk of a glTF binary must be JSON")
    try:
        document = json.loads(chunks[0][1].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _refuse("upload", "The JSON chunk is not valid JSON") from exc
    if not isinstance(document, dict) or not str(document.get("asset", {}).get("version", "")).startswith("2."):
        raise _refuse("upload", "The JSON chunk does not declare asset.version 2.x")
    for collection in ("buffers", "images"):
        for item in document.get(collection, []) or []:
            uri = item.get("uri") if isinstance(item, dict) else None
            if uri is not None and not str(uri).startswith("data:"):
                raise _refuse("upload", "The model must be self-contained: it refers to an external file")
    return document


def add_model_3d(*, style: Style, upload: Upload, piece: Piece | None = None, actor: Any = None) -> MediaAsset:
    """Add a 3D model (glTF 2.0 binary) for the AR try-on."""
    _check_owner(style, piece)
    data = _read(upload, limit=settings.AURIC_MAX_MODEL_BYTES, field_name="upload")
    check_glb(data)
    saved = _Saved()
    try:
        with transaction.atomic():
            last = MediaAsset.objects.filter(style=style, kind=MediaAsset.Kind.MODEL_3D).aggregate(m=Max("position"))
            name = saved.save(f"{_style_folder(style)}/{uuid.uuid4().hex[:16]}.glb", data)
            asset = MediaAsset.objects.create(
                style=style,
                piece=piece,
                kind=MediaAsset.Kind.MODEL_3D,
                position=0 if last["m"] is None else last["m"] + 1,
                file=name,
            )
            _audit_added([asset], actor)
    except BaseException:
        saved.remove_all()
        raise
    return asset


# --- video ----------------------------------------------------------------------------------
_VIDEO_URL = URLValidator(schemes=["http", "https"])


def add_video(
    *, style: Style, url: str, position: int | None = None, alt: str = "", alt_en: str = "", actor: Any = None
) -> MediaAsset:
    """Add a video by its http(s) address (videos are hosted by a video service, not by us)."""
    _check_owner(style, None)
    url = (url or "").strip()
    try:
        _VIDEO_URL(url)
    except DjangoValidationError as exc:
        raise _refuse("url", "A video is added by its http:// or https:// address") from exc
    if len(url) > 200:
        raise _refuse("url", "The address has at most 200 characters")
    if "@" in url.split("/")[2]:
        raise _refuse("url", "The address must not carry a user name or password")
    if len(alt) > 200 or len(alt_en) > 200:
        raise _refuse("alt", "Alternative text has at most 200 characters")
    with transaction.atomic():
        if position is None:
            last = MediaAsset.objects.filter(style=style, kind=MediaAsset.Kind.VIDEO).aggregate(m=Max("position"))
            position = 0 if last["m"] is None else last["m"] + 1
        asset = MediaAsset.objects.create(
            style=style, kind=MediaAsset.Kind.VIDEO, position=position, video_url=url, alt=alt, alt_en=alt_en
        )
        _audit_added([asset], actor)
    return asset
