"""QR codes for pieces' tags, and the printable A4 label sheet's contents.

A piece's QR code holds the absolute URL of its public history page (`/p/<tag>`), so a phone's
camera opens the page that verifies the history in the browser. Codes are made with segno at
error level M (segno raises the level when the symbol has room), as SVG: sharp at any print size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from auric.catalog.models import Piece

ERROR_LEVEL = "m"
# A4 sheets of 3 × 8 labels, each 70 × 37 mm (the common "24 per sheet" label stock).
LABELS_PER_SHEET = 24
MAX_LABELS = 480  # 20 sheets per print job


def piece_path(tag: str) -> str:
    return reverse("provenance:piece", args=[tag])


def piece_url(request: HttpRequest, tag: str) -> str:
    """The page's absolute URL: the configured public site when there is one (labels printed from
    an internal back-office host must still open the shop), else this request's host."""
    base = str(settings.AURIC_PUBLIC_URL or "").rstrip("/")
    return base + piece_path(tag) if base else request.build_absolute_uri(piece_path(tag))


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR_LEVEL, micro=False)


def qr_svg(url: str, *, scale: int = 4, border: int = 4) -> bytes:
    """A standalone SVG document of the QR code (quiet zone of 4 modules, as ISO/IEC 18004 asks)."""
    out = io.BytesIO()
    qr_code(url).save(out, kind="svg", scale=scale, border=border, xmldecl=True, title=url)
    return out.getvalue()


def qr_svg_inline(url: str) -> str:
    """The QR code as an `<svg>` element sized by its container (a label on the sheet)."""
    return str(qr_code(url).svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", lineclass="qr-line"))


@dataclass(frozen=True)
class Label:
    serial_number: str
    style_code: str
    tag: str
    url: str
    svg: str


def labels_for(request: HttpRequest, pieces: list[Piece]) -> list[Label]:
    labels = []
    for piece in pieces[:MAX_LABELS]:
        url = piece_url(request, piece.tag_code)
        labels.append(
            Label(
                serial_number=piece.serial_number,
                style_code=piece.style.code,
                tag=piece.tag_code,
                url=url,
                svg=qr_svg_inline(url),
            )
        )
    return labels


def sheets(labels: list[Label]) -> list[list[Label]]:
    """Labels in pages of one A4 sheet each (a page break between sheets)."""
    return [labels[start : start + LABELS_PER_SHEET] for start in range(0, len(labels), LABELS_PER_SHEET)]
