"""Template helpers for shopper pages: money in the shopper's locale, localized catalog text,
GB 11887 fineness marks, stone grades with their GB/T 16554 equivalents, and responsive pictures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from auric.catalog import vocab
from auric.catalog.models import localized
from auric.core.money import Money, babel_locale

register = template.Library()

WEIGHT_QUANT = Decimal("0.001")


def _is_english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def money(value: Money | Decimal | int | str | None, currency: str = "CNY") -> str:
    """¥1,234.00 in Chinese pages, CN¥1,234.00 in English ones; empty for no amount."""
    if value is None or value == "":
        return ""
    amount = value if isinstance(value, Money) else Money(Decimal(str(value)), currency or "CNY")
    return amount.quantized().format(babel_locale(get_language()))


@register.filter
def loc(obj: object, field: str) -> str:
    """The localized text of a catalog field (title/title_en, name/name_en …)."""
    if obj is None:
        return ""
    return localized(obj, field)


@register.filter
def grams(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{Decimal(value).quantize(WEIGHT_QUANT)} g"


@register.filter
def metal_name(metal: str | None) -> str:
    if not metal:
        return ""
    try:
        key = vocab.Metal(metal)
    except ValueError:
        return str(metal)
    return vocab.METAL_NAMES_EN[key] if _is_english() else vocab.METAL_NAMES_ZH[key]


@register.filter
def fineness_mark(variant_or_style: Any) -> str:
    """The GB 11887 mark (足金, 18K, Pt950 …) of a variant or a style summary; empty if none."""
    metal = getattr(variant_or_style, "metal", "")
    fineness = getattr(variant_or_style, "fineness", None)
    if not metal or fineness is None:
        return ""
    try:
        return vocab.fineness_mark(metal, fineness).mark
    except vocab.VocabularyError:
        return ""


@register.filter
def gem_name(stone: Any) -> str:
    kind = vocab.GemKind(stone.kind)
    origin = vocab.GemOrigin(stone.origin)
    if _is_english():
        name = kind.value.replace("_", " ").capitalize()
        return f"Laboratory-grown {name.lower()}" if origin == vocab.GemOrigin.LAB_GROWN else name
    return vocab.gem_name_zh(kind, origin)


@register.filter
def gb_colour(value: str) -> str:
    """GIA colour → 'G · GB/T 16554 G(97)'."""
    if not value:
        return ""
    try:
        return f"{value} · GB {vocab.gb_colour(value)}"
    except vocab.VocabularyError:
        return value


@register.filter
def gb_clarity(value: str) -> str:
    if not value:
        return ""
    try:
        return f"{value} · GB {vocab.gb_clarity(value)}"
    except vocab.VocabularyError:
        return value


@register.filter
def finish_grade(value: str) -> str:
    """EX → 'Excellent' or '极好 EX'."""
    names = vocab.FINISH_NAMES.get(value)
    if not names:
        return value or ""
    return f"{names[0]} ({value})" if _is_english() else f"{names[1]} {value}"


@register.filter
def fluorescence(value: str) -> str:
    names = vocab.FLUORESCENCE_NAMES.get(value)
    if not names:
        return value or ""
    return names[0] if _is_english() else names[1]


def _url(path: str) -> str:
    return default_storage.url(path)


def rendition_sets(asset: Any) -> tuple[str, str, str]:
    """(webp srcset, jpeg srcset, fallback jpeg url) from a MediaAsset's renditions.

    Renditions are stored as {"640": {"webp": "catalog/…-640.webp", "jpeg": "catalog/…-640.jpg"}, …}.
    """
    renditions = asset.renditions or {}
    widths = sorted((int(w) for w in renditions if str(w).isdigit()), key=int)
    webp = ", ".join(f"{_url(renditions[str(w)]['webp'])} {w}w" for w in widths if renditions[str(w)].get("webp"))
    jpeg = ", ".join(f"{_url(renditions[str(w)]['jpeg'])} {w}w" for w in widths if renditions[str(w)].get("jpeg"))
    fallback = ""
    jpeg_widths = [w for w in widths if renditions[str(w)].get("jpeg")]
    if jpeg_widths:
        mid = next((w for w in jpeg_widths if w >= 640), jpeg_widths[-1])
        fallback = _url(renditions[str(mid)]["jpeg"])
    elif asset.file:
        fallback = asset.file.url
    return webp, jpeg, fallback


@register.simple_tag
def picture(asset: Any, sizes: str = "100vw", css_class: str = "", eager: bool = False) -> SafeString:
    """A <picture> with WebP and JPEG sources at every rendition width; the browser picks."""
    if not asset:
        return format_html('<div class="{}" aria-hidden="true"></div>', f"placeholder {css_class}".strip())
    webp, jpeg, fallback = rendition_sets(asset)
    alt = localized(asset, "alt")
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        [(kind, srcset, sizes) for kind, srcset in (("image/webp", webp), ("image/jpeg", jpeg)) if srcset],
    )
    dims = format_html(' width="{}" height="{}"', asset.width, asset.height) if asset.width and asset.height else ""
    return format_html(
        '<picture class="{}">{}<img src="{}" alt="{}"{} loading="{}" decoding="async"></picture>',
        css_class,
        sources,
        fallback,
        alt,
        dims,
        "eager" if eager else "lazy",
    )


@register.filter
def spin_frame_urls(frames: list[Any]) -> list[str]:
    """One URL per spin frame (the 640 px WebP if there is one, else the largest JPEG, else the file)."""
    urls = []
    for frame in frames:
        renditions = frame.renditions or {}
        chosen = ""
        for width in sorted((w for w in renditions if str(w).isdigit()), key=int):
            kinds = renditions[width]
            chosen = (
                _url(kinds.get("webp") or kinds.get("jpeg") or "")
                if (kinds.get("webp") or kinds.get("jpeg"))
                else chosen
            )
            if int(width) >= 640 and chosen:
                break
        if not chosen and frame.file:
            chosen = frame.file.url
        if chosen:
            urls.append(chosen)
    return urls


@register.filter
def reason_label(reason: str) -> str:
    """A price change's reason in the page's language."""
    from auric.storefront.views import PRICE_CHANGE_REASONS

    return str(PRICE_CHANGE_REASONS.get(reason, reason))


@register.filter
def order_state(state: str) -> str:
    """An order state in the page's language (the model's labels are bilingual)."""
    from auric.storefront.shop_views import STATE_LABELS

    label = STATE_LABELS.get(state)
    return str(label) if label is not None else state
