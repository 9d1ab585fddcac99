"""Catalog use cases: create and change styles, add variants, register pieces, publish and delist.

Every function takes keyword-only arguments, runs in one transaction, checks everything before it
writes (rule G1 fineness marks and titles, G2 stone grades, weights, money, certificates) and
raises `ValidationFailed` with messages keyed by field, so a refused call writes nothing. Staff
changes are audited; what happened is published as `catalog.*` events (see `catalog.events`).
Registering a piece neither places stock (inventory.receive_piece) nor prices it (pricing).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from auric.catalog import events as catalog_events
from auric.catalog import search, vocab
from auric.catalog.checks import (
    CertificateInput,
    Errors,
    StoneInput,
    as_choice,
    as_code,
    as_money,
    as_text,
    as_weight,
    check_certificate,
    check_measured_fineness,
    check_stones,
    check_title,
    mark_mismatch,
    title_marks,
)
from auric.catalog.models import Category, Certificate, Collection, Piece, Stone, Style, Tag, Variant
from auric.core import events
from auric.core.audit import record_change, snapshot
from auric.core.errors import Conflict, ValidationFailed
from auric.core.money import KNOWN_CURRENCIES

__all__ = [
    "CertificateInput",
    "StoneInput",
    "add_variant",
    "create_style",
    "delist_style",
    "publish_style",
    "refresh_catalog_summary",
    "register_piece",
    "update_style",
]

# A user (request.user) or a label such as "import:erp"; None is the system.
Actor = Any


STYLE_AUDIT_FIELDS = (
    "code",
    "slug",
    "title",
    "title_en",
    "description",
    "description_en",
    "category",
    "collection",
    "pricing_mode",
    "labour_fee",
    "labour_basis",
    "fixed_price",
    "list_price",
    "currency",
    "is_customised",
    "status",
)
VARIANT_AUDIT_FIELDS = ("style", "sku", "metal", "fineness", "size", "is_serialized", "fixed_price", "unit_weight_g")
PIECE_AUDIT_FIELDS = (
    "variant",
    "style",
    "serial_number",
    "tag_code",
    "weight_g",
    "measured_fineness",
    "cost",
    "fixed_price",
)
# What update_style may change; status moves only through publish_style / delist_style.
UPDATABLE_STYLE_FIELDS = frozenset(STYLE_AUDIT_FIELDS) - {"status"} | {"craft_codes", "theme_tags"}


# --- styles ---------------------------------------------------------------------------------
def _check_style_values(values: dict[str, Any], errors: Errors, *, instance: Style | None) -> None:
    """Style-level checks on the full set of values (create) or the merged values (update)."""
    values["code"] = as_code(values["code"], "code", errors, max_length=40)
    if values.get("slug") in (None, ""):
        values["slug"] = slugify(values["code"] or "")
        if not values["slug"]:
            errors.add("slug", "A slug is required (the code gives none)")
    else:
        slug = as_text(values["slug"], "slug", errors, max_length=120, required=True)
        if slug and slugify(slug) != slug:
            errors.add("slug", "Use lowercase letters, digits and hyphens only")
        values["slug"] = slug
    values["title"] = as_text(values["title"], "title", errors, max_length=120, required=True)
    values["title_en"] = as_text(values["title_en"], "title_en", errors, max_length=160)
    values["description"] = as_text(values["description"], "description", errors, max_length=20_000)
    values["description_en"] = as_text(values["description_en"], "description_en", errors, max_length=20_000)
    for name in ("title", "title_en"):
        check_title(values[name], name, errors)
    if not isinstance(values["category"], Category) or values["category"].pk is None:
        errors.add("category", "A saved category is required")
    collection = values["collection"]
    if collection is not None and (not isinstance(collection, Collection) or collection.pk is None):
        errors.add("collection", "Must be a saved collection or None")
    mode = as_choice(values["pricing_mode"], "pricing_mode", errors, Style.PricingMode.values, "pricing mode")
    as_choice(values["labour_basis"], "labour_basis", errors, Style.LabourBasis.values, "labour basis")
    values["labour_fee"] = as_money(values["labour_fee"], "labour_fee", errors, required=True)
    values["fixed_price"] = as_money(values["fixed_price"], "fixed_price", errors)
    values["list_price"] = as_money(values["list_price"], "list_price", errors)
    if values["currency"] not in KNOWN_CURRENCIES:
        errors.add("currency", f"Unknown currency {values['currency']!r} (ISO 4217 codes only)")
    if not isinstance(values["is_customised"], bool):
        errors.add("is_customised", "Must be true or false")
    if mode == Style.PricingMode.BY_WEIGHT and values["fixed_price"] is not None:
        errors.add("fixed_price", "A by-weight style is priced by weight; a fixed price applies to fixed-price styles")
    fixed, anchor = values["fixed_price"], values["list_price"]
    if mode == Style.PricingMode.FIXED and fixed is not None and anchor is not None and anchor <= fixed:
        errors.add("list_price", "A struck-through list price must be higher than the fixed price")
    # Uniqueness is checked here so a clash is a validation error, not an IntegrityError.
    others = Style.objects.exclude(pk=instance.pk) if instance is not None else Style.objects.all()
    if values["code"] and others.filter(code=values["code"]).exists():
        errors.add("code", f"A style with code {values['code']} exists already")
    if values["slug"] and others.filter(slug=values["slug"]).exists():
        errors.add("slug", f"A style with slug {values['slug']} exists already")


def _resolve_tags(craft_codes: Iterable[str], theme_tags: Iterable[str | Tag], errors: Errors) -> list[Tag]:
    crafts = list(dict.fromkeys(craft_codes))
    for code in crafts:
        if code not in vocab.CRAFTS:
            errors.add("craft_codes", f"Unknown craft {code!r} (allowed: {', '.join(vocab.CRAFTS)})")
    themes: list[Tag] = []
    theme_codes: list[str] = []
    for tag in theme_tags:
        if isinstance(tag, Tag):
            if tag.kind != Tag.Kind.THEME:
                errors.add("theme_tags", f"{tag.code!r} is a {tag.kind} tag, not a theme")
            else:
                themes.append(tag)
        else:
            theme_codes.append(str(tag))
    wanted = [c for c in crafts if c in vocab.CRAFTS] + theme_codes
    rows = {(t.kind, t.code): t for t in Tag.objects.filter(code__in=wanted)} if wanted else {}
    tags: list[Tag] = []
    for code in crafts:
        if code in vocab.CRAFTS:
            row = rows.get((Tag.Kind.CRAFT, code))
            if row is None:
                errors.add("craft_codes", f"The craft tag {code!r} is not seeded (run migrations)")
            else:
                tags.append(row)
    for code in theme_codes:
        row = rows.get((Tag.Kind.THEME, code))
        if row is None:
            errors.add("theme_tags", f"Unknown theme tag {code!r}")
        else:
            tags.append(row)
    return tags + themes


def _save_unique(obj: Any, conflicts: Mapping[str, str]) -> None:
    """Save a row; a unique clash that raced past the checks becomes a ValidationFailed."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationFailed("A unique value is taken", errors={k: [v] for k, v in conflicts.items()}) from exc


def _publish_style_event(name: str, style: Style, **extra: Any) -> None:
    events.publish(name, {"style_id": style.pk, "code": style.code, **extra}, aggregate=f"catalog.style:{style.pk}")


def create_style(
    *,
    code: str,
    slug: str | None = None,
    title: str,
    category: Category,
    pricing_mode: str,
    title_en: str = "",
    description: str = "",
    description_en: str = "",
    collection: Collection | None = None,
    labour_fee: Decimal = Decimal(0),
    labour_basis: str = Style.LabourBasis.PER_PIECE,
    fixed_price: Decimal | None = None,
    list_price: Decimal | None = None,
    currency: str = "CNY",
    is_customised: bool = False,
    craft_codes: Iterable[str] = (),
    theme_tags: Iterable[str | Tag] = (),
    status: str = Style.Status.DRAFT,
    actor: Actor = None,
) -> Style:
    """Create a style (draft by default). A style created live is published at once."""
    values: dict[str, Any] = {
        "code": code,
        "slug": slug,
        "title": title,
        "title_en": title_en,
        "description": description,
        "description_en": description_en,
        "category": category,
        "collection": collection,
        "pricing_mode": pricing_mode,
        "labour_fee": labour_fee,
        "labour_basis": labour_basis,
        "fixed_price": fixed_price,
        "list_price": list_price,
        "currency": currency,
        "is_customised": is_customised,
    }
    with transaction.atomic():
        errors = Errors()
        _check_style_values(values, errors, instance=None)
        if status not in (Style.Status.DRAFT, Style.Status.LIVE):
            errors.add("status", "A new style is draft or live")
        tags = _resolve_tags(craft_codes, theme_tags, errors)
        errors.raise_if_any("The style cannot be created")
        style = Style(**values, status=status)
        if status == Style.Status.LIVE:
            style.published_at = timezone.now()
        _save_unique(style, {"code": "This code or slug is taken", "slug": "This code or slug is taken"})
        if tags:
            style.tags.set(tags)
        record_change(
            actor=actor,
            action="catalog.style.created",
            obj=style,
            before=None,
            after=_style_snapshot(style),
        )
        _publish_style_event(catalog_events.STYLE_CREATED, style)
        if status == Style.Status.LIVE:
            _publish_style_event(catalog_events.STYLE_PUBLISHED, style)
        search.index_styles(style_ids=[style.pk])
    return style


def _style_snapshot(style: Style) -> dict[str, Any]:
    values = snapshot(style, STYLE_AUDIT_FIELDS)
    values["tags"] = sorted(t.code for t in style.tags.all()) if style.pk else []
    return values


def _refresh_caller(given: Style, fresh: Style) -> None:
    """Let the caller's instance show the change too (services lock and re-read the row)."""
    if given is not fresh:
        for model_field in Style._meta.concrete_fields:
            setattr(given, model_field.attname, getattr(fresh, model_field.attname))


def _variant_marks(style: Style) -> list[tuple[str, str, int | None]]:
    return [(v.sku, v.metal, v.fineness) for v in style.variants.all()]


def _fixed_price_gaps(style: Style, style_fixed_price: Decimal | None) -> list[str]:
    """What of a fixed-price style would have no fixed price (style, else variant, else piece)."""
    if style_fixed_price is not None:
        return []
    gaps: list[str] = []
    unpriced = {v.pk: v for v in style.variants.filter(fixed_price__isnull=True)}
    for variant in unpriced.values():
        if not variant.is_serialized:
            gaps.append(f"variant {variant.sku}")
    serialized = [pk for pk, v in unpriced.items() if v.is_serialized]
    if serialized:
        pieces = Piece.objects.filter(variant_id__in=serialized, fixed_price__isnull=True)
        gaps.extend(f"piece {serial}" for serial in pieces.values_list("serial_number", flat=True))
    return gaps


def _by_weight_conflicts(style: Style) -> list[str]:
    """What of a style would contradict weight pricing: variants without a mark, fixed prices."""
    problems = [f"variant {v.sku} has no metal and fineness" for v in style.variants.filter(metal="")]
    problems += [f"variant {v.sku} has no fineness" for v in style.variants.exclude(metal="").filter(fineness=None)]
    problems += [f"variant {sku} has a fixed price" for sku in _skus_with_fixed_price(style)]
    pieces = style.pieces.filter(fixed_price__isnull=False).values_list("serial_number", flat=True)
    problems += [f"piece {serial} has a fixed price" for serial in pieces]
    return problems


def _skus_with_fixed_price(style: Style) -> list[str]:
    return list(style.variants.filter(fixed_price__isnull=False).values_list("sku", flat=True))


def update_style(*, style: Style, actor: Actor, **changes: Any) -> Style:
    """Change a style's fields (audited). Status changes go through publish_style/delist_style."""
    unknown = sorted(set(changes) - UPDATABLE_STYLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            "These fields cannot be changed here", errors={name: ["Not an updatable style field"] for name in unknown}
        )
    with transaction.atomic():
        given, style = style, Style.objects.select_for_update().get(pk=style.pk)
        before = _style_snapshot(style)
        values: dict[str, Any] = {name: getattr(style, name) for name in STYLE_AUDIT_FIELDS if name != "status"}
        values.update({k: v for k, v in changes.items() if k not in {"craft_codes", "theme_tags"}})
        errors = Errors()
        _check_style_values(values, errors, instance=style)
        tags: list[Tag] | None = None
        if "craft_codes" in changes or "theme_tags" in changes:
            current = list(style.tags.all())
            crafts = changes.get("craft_codes", [t.code for t in current if t.kind == Tag.Kind.CRAFT])
            themes = changes.get("theme_tags", [t for t in current if t.kind == Tag.Kind.THEME])
            tags = _resolve_tags(crafts, themes, errors)
        if not errors:
            marks = title_marks(values)
            for sku, metal, fineness in _variant_marks(style):
                problem = mark_mismatch(marks, metal, fineness, f"variant {sku}")
                if problem:
                    errors.add("title", problem)
            if values["pricing_mode"] == Style.PricingMode.FIXED:
                gaps = _fixed_price_gaps(style, values["fixed_price"])
                if gaps:
                    errors.add("fixed_price", "A fixed-price style needs a fixed price; none for " + ", ".join(gaps))
            elif values["pricing_mode"] != style.pricing_mode:
                for problem in _by_weight_conflicts(style):
                    errors.add("pricing_mode", f"Cannot price by weight: {problem}")
        errors.raise_if_any("The style cannot be changed")
        for name, value in values.items():
            setattr(style, name, value)
        _save_unique(style, {"code": "This code or slug is taken", "slug": "This code or slug is taken"})
        if tags is not None:
            style.tags.set(tags)
        after = _style_snapshot(style)
        changed = sorted(k for k in after if before.get(k) != after.get(k))
        if changed:
            record_change(actor=actor, action="catalog.style.updated", obj=style, before=before, after=after)
            _publish_style_event(catalog_events.STYLE_UPDATED, style, changed=changed)
            search.index_styles(style_ids=[style.pk])
    _refresh_caller(given, style)
    return style


def publish_style(*, style: Style, actor: Actor = None) -> Style:
    """Put a draft or delisted style on sale. Publishing a live style changes nothing."""
    with transaction.atomic():
        given, style = style, Style.objects.select_for_update().get(pk=style.pk)
        if style.status == Style.Status.LIVE:
            return style
        errors = Errors()
        variants = _variant_marks(style)
        if not variants:
            errors.add("variants", "A style needs at least one variant before it goes on sale")
        marks = title_marks({"title": style.title, "title_en": style.title_en})
        for sku, metal, fineness in variants:
            problem = mark_mismatch(marks, metal, fineness, f"variant {sku}")
            if problem:
                errors.add("title", problem)
        check_title(style.title, "title", errors)
        if style.pricing_mode == Style.PricingMode.FIXED:
            gaps = _fixed_price_gaps(style, style.fixed_price)
            if gaps:
                errors.add("fixed_price", "A fixed-price style needs a fixed price; none for " + ", ".join(gaps))
        else:
            for problem in _by_weight_conflicts(style):
                errors.add("variants", f"Cannot price by weight: {problem}")
        errors.raise_if_any("The style cannot go on sale")
        before = _style_snapshot(style)
        style.status = Style.Status.LIVE
        if style.published_at is None:
            style.published_at = timezone.now()
        style.save(update_fields=["status", "published_at", "updated_at"])
        record_change(
            actor=actor, action="catalog.style.published", obj=style, before=before, after=_style_snapshot(style)
        )
        _publish_style_event(catalog_events.STYLE_PUBLISHED, style)
        search.index_styles(style_ids=[style.pk])
    _refresh_caller(given, style)
    return style


def delist_style(*, style: Style, reason: str, actor: Actor = None) -> Style:
    """Take a live style off sale, saying why. Delisting a delisted style changes nothing."""
    errors = Errors()
    reason = as_text(reason, "reason", errors, max_length=300, required=True)
    errors.raise_if_any("The style cannot be delisted")
    with transaction.atomic():
        given, style = style, Style.objects.select_for_update().get(pk=style.pk)
        if style.status == Style.Status.DELISTED:
            return style
        if style.status != Style.Status.LIVE:
            raise Conflict("Only a live style can be delisted", status_now=style.status)
        before = _style_snapshot(style)
        style.status = Style.Status.DELISTED
        style.save(update_fields=["status", "updated_at"])
        record_change(
            actor=actor,
            action="catalog.style.delisted",
            obj=style,
            before=before,
            after=_style_snapshot(style),
            reason=reason,
        )
        _publish_style_event(catalog_events.STYLE_DELISTED, style, reason=reason)
        search.index_styles(style_ids=[style.pk])
    _refresh_caller(given, style)
    return style


# --- variants -------------------------------------------------------------------------------
def add_variant(
    *,
    style: Style,
    sku: str,
    metal: str = "",
    fineness: int | None = None,
    size: str = "",
    is_serialized: bool = True,
    fixed_price: Decimal | None = None,
    unit_weight_g: Decimal | None = None,
    actor: Actor = None,
) -> Variant:
    """Add a metal/fineness/size variant to a style (rule G1: a GB 11887 mark that fits the title)."""
    with transaction.atomic():
        style = Style.objects.select_for_update().get(pk=style.pk)
        errors = Errors()
        sku = as_code(sku, "sku", errors, max_length=60)
        if sku and Variant.objects.filter(sku=sku).exists():
            errors.add("sku", f"A variant with SKU {sku} exists already")
        size = as_text(size, "size", errors, max_length=20)
        metal = metal or ""
        if metal and metal not in vocab.Metal.__members__.values():
            errors.add("metal", f"Unknown metal {metal!r} (allowed: {', '.join(m.value for m in vocab.Metal)})")
        elif metal and fineness is None:
            errors.add("fineness", f"A {metal} variant needs its GB 11887 fineness mark")
        elif fineness is not None and not metal:
            errors.add("metal", "A fineness needs its metal")
        elif metal and fineness is not None:
            try:
                vocab.validate_fineness(metal, fineness)
            except vocab.VocabularyError as exc:
                errors.vocabulary(exc)
            except (TypeError, ValueError):
                errors.add("fineness", f"{fineness!r} is not a fineness in ‰")
        by_weight = style.pricing_mode == Style.PricingMode.BY_WEIGHT
        if by_weight and not metal:
            errors.add("metal", "A by-weight style needs metal and fineness on every variant")
        problem = mark_mismatch(
            title_marks({"title": style.title, "title_en": style.title_en}), metal, fineness, "this variant"
        )
        if problem and not errors.by_field.get("fineness"):
            errors.add("fineness", problem)
        if not isinstance(is_serialized, bool):
            errors.add("is_serialized", "Must be true or false")
        price = as_money(fixed_price, "fixed_price", errors)
        if by_weight and price is not None:
            errors.add(
                "fixed_price", "A by-weight style is priced by weight; a fixed price applies to fixed-price styles"
            )
        if not by_weight and not is_serialized and price is None and style.fixed_price is None:
            errors.add("fixed_price", "A fixed-price style needs a fixed price on the style or this variant")
        weight = as_weight(unit_weight_g, "unit_weight_g", errors, required=by_weight and not is_serialized)
        errors.raise_if_any("The variant cannot be added")
        variant = Variant(
            style=style,
            sku=sku,
            metal=metal,
            fineness=int(fineness) if fineness is not None else None,
            size=size,
            is_serialized=is_serialized,
            fixed_price=price,
            unit_weight_g=weight,
        )
        _save_unique(variant, {"sku": f"A variant with SKU {sku} exists already"})
        record_change(
            actor=actor,
            action="catalog.variant.created",
            obj=variant,
            before=None,
            after=snapshot(variant, VARIANT_AUDIT_FIELDS),
        )
        refresh_catalog_summary(style_ids=[style.pk])
        search.index_styles(style_ids=[style.pk])
    return variant


# --- pieces ---------------------------------------------------------------------------------


def register_piece(
    *,
    variant: Variant,
    serial_number: str,
    tag_code: str,
    weight_g: Decimal,
    cost: Decimal,
    measured_fineness: Decimal | None = None,
    fixed_price: Decimal | None = None,
    stones: Sequence[StoneInput] = (),
    certificate: CertificateInput | None = None,
    actor: Actor = None,
) -> Piece:
    """Register one physical piece of a serialized variant, with its stones and lab report."""
    with transaction.atomic():
        variant = Variant.objects.select_related("style").get(pk=variant.pk)
        style = variant.style
        errors = Errors()
        if not variant.is_serialized:
            errors.add("variant", f"Variant {variant.sku} is sold by quantity; it has no individual pieces")
        serial_number = as_code(serial_number, "serial_number", errors, max_length=40)
        tag_code = as_code(tag_code, "tag_code", errors, max_length=64)
        if serial_number and Piece.objects.filter(serial_number=serial_number).exists():
            errors.add("serial_number", f"Serial number {serial_number} is registered already")
        if tag_code and Piece.objects.filter(tag_code=tag_code).exists():
            errors.add("tag_code", f"Tag {tag_code} is on another piece already")
        weight = as_weight(weight_g, "weight_g", errors)
        piece_cost = as_money(cost, "cost", errors, required=True)
        price = as_money(fixed_price, "fixed_price", errors)
        if style.pricing_mode == Style.PricingMode.BY_WEIGHT:
            if price is not None:
                errors.add("fixed_price", "This style is priced by weight; a fixed price applies to fixed-price styles")
        elif price is None and variant.fixed_price is None and style.fixed_price is None:
            errors.add("fixed_price", "A fixed-price style needs a fixed price on the style, the variant or the piece")
        measured = check_measured_fineness(measured_fineness, variant, errors)
        stone_rows = check_stones(stones, errors)
        main = next((s for s in stone_rows if s.is_main), None)
        cert_row = check_certificate(certificate, main, errors) if certificate is not None else None
        errors.raise_if_any("The piece cannot be registered")
        assert weight is not None and piece_cost is not None  # all checked above
        piece = Piece(
            variant=variant,
            style=style,
            serial_number=serial_number,
            tag_code=tag_code,
            weight_g=weight,
            measured_fineness=measured,
            cost=piece_cost,
            fixed_price=price,
        )
        _save_unique(piece, {"serial_number": "Serial number or tag taken", "tag_code": "Serial number or tag taken"})
        for stone in stone_rows:
            stone.piece = piece
        Stone.objects.bulk_create(stone_rows)
        if cert_row is not None:
            cert_row.piece = piece
            _save_unique(cert_row, {"certificate.report_number": "This report is registered already"})
        after = snapshot(piece, PIECE_AUDIT_FIELDS)
        after["stones"] = len(stone_rows)
        after["certificate"] = str(cert_row) if cert_row is not None else None
        record_change(actor=actor, action="catalog.piece.registered", obj=piece, before=None, after=after)
        events.publish(
            catalog_events.PIECE_REGISTERED,
            {
                "piece_id": piece.pk,
                "style_id": style.pk,
                "variant_id": variant.pk,
                "serial_number": piece.serial_number,
            },
            aggregate=f"catalog.piece:{piece.pk}",
        )
        refresh_catalog_summary(style_ids=[style.pk])
        search.index_styles(style_ids=[style.pk])
    return piece


# --- summaries ------------------------------------------------------------------------------
def _most_common(counter: Counter[Any], order: Sequence[Any]) -> Any:
    """The most frequent value; ties go to the value listed first in `order`."""
    if not counter:
        return None
    rank = {value: i for i, value in enumerate(order)}
    return min(counter, key=lambda value: (-counter[value], rank.get(value, len(rank)), str(value)))


def refresh_catalog_summary(*, style_ids: Iterable[int]) -> int:
    """Recompute Style.metal, fineness, gem, carat_max and cert_lab from variants, stones and reports.

    Metal and fineness are the most common mark among the variants (ties: the higher purity);
    gem is the most common main-stone kind among pieces; carat_max the largest main stone; cert_lab
    the most common lab. Five queries, whatever the number of styles. Returns the number updated.
    """
    ids = sorted(set(style_ids))
    if not ids:
        return 0
    with transaction.atomic():
        styles = list(Style.objects.filter(pk__in=ids).only("pk", "metal", "fineness", "gem", "carat_max", "cert_lab"))
        marks: dict[int, Counter[tuple[str, int | None]]] = defaultdict(Counter)
        for style_id, metal, fineness in Variant.objects.filter(style_id__in=ids).values_list(
            "style_id", "metal", "fineness"
        ):
            if metal:
                marks[style_id][(metal, fineness)] += 1
        gems: dict[int, Counter[str]] = defaultdict(Counter)
        carats: dict[int, Decimal] = {}
        for style_id, kind, carat in Stone.objects.filter(piece__style_id__in=ids, is_main=True).values_list(
            "piece__style_id", "kind", "carat"
        ):
            gems[style_id][kind] += 1
            carats[style_id] = max(carat, carats.get(style_id, carat))
        labs: dict[int, Counter[str]] = defaultdict(Counter)
        for style_id, lab in Certificate.objects.filter(piece__style_id__in=ids).values_list("piece__style_id", "lab"):
            labs[style_id][lab] += 1
        mark_order = sorted(
            ((m.metal.value, m.permille) for m in vocab.FINENESS_MARKS),
            key=lambda pair: (list(vocab.Metal).index(vocab.Metal(pair[0])), -pair[1]),
        )
        for style in styles:
            mark = _most_common(marks[style.pk], mark_order)
            style.metal, style.fineness = mark if mark else ("", None)
            style.gem = _most_common(gems[style.pk], [k.value for k in vocab.GemKind]) or ""
            style.carat_max = carats.get(style.pk)
            style.cert_lab = _most_common(labs[style.pk], [lab.value for lab in vocab.Lab]) or ""
        Style.objects.bulk_update(styles, ["metal", "fineness", "gem", "carat_max", "cert_lab"])
    return len(styles)
