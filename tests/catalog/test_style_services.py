"""Styles through the services: create, change, publish, delist — validated, audited, published as events."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.catalog import services
from auric.catalog.models import SearchDocument, Style, Tag
from auric.core.errors import Conflict, ValidationFailed
from auric.core.models import AuditEntry, OutboxEvent
from tests.catalog.conftest import row_counts
from tests.factories import CollectionFactory, PieceFactory, ThemeTagFactory

pytestmark = pytest.mark.django_db


def _create(category, **overrides):
    values = {
        "code": "AU-NEW-1",
        "title": "足金古法手镯",
        "category": category,
        "pricing_mode": "by_weight",
    }
    values.update(overrides)
    return services.create_style(**values)


def _refused(call, *args, **kwargs) -> dict[str, list[str]]:
    before = row_counts()
    with pytest.raises(ValidationFailed) as refused:
        call(*args, **kwargs)
    assert row_counts() == before, "a refused call must write nothing"
    return refused.value.errors


def test_create_style_writes_a_draft_with_slug_tags_audit_event_and_search_document(category, staff):
    collection = CollectionFactory()
    theme = ThemeTagFactory(code="wedding")

    style = _create(
        category,
        collection=collection,
        labour_fee=Decimal("18.50"),
        craft_codes=["gufa", "huasi"],
        theme_tags=["wedding"],
        actor=staff,
    )

    assert style.status == Style.Status.DRAFT and style.published_at is None
    assert style.slug == "au-new-1"
    assert {t.code for t in style.tags.all()} == {"gufa", "huasi", theme.code}
    entry = AuditEntry.objects.get(action="catalog.style.created")
    assert (
        entry.actor == staff
        and entry.after["code"] == "AU-NEW-1"
        and entry.after["tags"] == ["gufa", "huasi", "wedding"]
    )
    event = OutboxEvent.objects.get(name="catalog.StyleCreated")
    assert event.payload["style_id"] == style.pk and event.aggregate == f"catalog.style:{style.pk}"
    assert SearchDocument.objects.filter(style=style).exists()


def test_create_style_live_is_published_at_once(category):
    style = _create(category, status="live")
    assert style.status == Style.Status.LIVE and style.published_at is not None
    assert OutboxEvent.objects.filter(name="catalog.StylePublished", payload__style_id=style.pk).exists()


def test_g1_create_style_with_abolished_qianzujin_title_is_rejected(category):
    errors = _refused(_create, category, title="千足金古法手镯")
    assert "abolished" in errors["title"][0]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "AU 1/2"}, "code"),
        ({"code": "X" * 41}, "code"),
        ({"title": "  "}, "title"),
        ({"title": "金" * 121}, "title"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"pricing_mode": "by_mood"}, "pricing_mode"),
        ({"labour_basis": "per_hour"}, "labour_basis"),
        ({"labour_fee": Decimal("-1")}, "labour_fee"),
        ({"labour_fee": Decimal("1.005")}, "labour_fee"),
        ({"labour_fee": 1.5}, "labour_fee"),
        ({"list_price": Decimal("1e13")}, "list_price"),
        ({"currency": "XYZ"}, "currency"),
        ({"fixed_price": Decimal("100")}, "fixed_price"),
        ({"pricing_mode": "fixed", "fixed_price": Decimal("100"), "list_price": Decimal("90")}, "list_price"),
        ({"craft_codes": ["laser"]}, "craft_codes"),
        ({"theme_tags": ["no-such-theme"]}, "theme_tags"),
        ({"status": "delisted"}, "status"),
    ],
)
def test_create_style_refuses_bad_values_and_writes_nothing(category, overrides, field):
    errors = _refused(_create, category, **overrides)
    assert field in errors


def test_create_style_refuses_a_craft_tag_passed_as_a_theme(category):
    craft = Tag.objects.get(code="gufa")
    errors = _refused(_create, category, theme_tags=[craft])
    assert "theme_tags" in errors


def test_create_style_reports_every_bad_field_at_once(category):
    errors = _refused(_create, category, code="", title="", labour_fee=Decimal("-5"))
    assert {"code", "title", "labour_fee"} <= set(errors)


def test_duplicate_style_code_is_a_validation_error_not_an_integrity_error(category, gold_style):
    errors = _refused(_create, category, code=gold_style.code, slug="another-slug")
    assert "code" in errors


def test_duplicate_slug_is_a_validation_error(category, gold_style):
    errors = _refused(_create, category, code="AU-OTHER", slug=gold_style.slug)
    assert "slug" in errors


# --- update ---------------------------------------------------------------------------------
def test_update_style_audits_before_and_after_and_publishes_the_changed_fields(gold_style, staff):
    services.update_style(style=gold_style, actor=staff, title_en="Pure gold bangle", labour_fee=Decimal("25.00"))

    gold_style.refresh_from_db()
    assert gold_style.labour_fee == Decimal("25.00")
    entry = AuditEntry.objects.get(action="catalog.style.updated")
    assert entry.actor == staff
    assert entry.before["labour_fee"] == "20.00" and entry.after["labour_fee"] == "25.00"
    event = OutboxEvent.objects.get(name="catalog.StyleUpdated")
    assert event.payload["changed"] == ["labour_fee", "title_en"]


def test_update_style_without_a_real_change_records_nothing(gold_style, staff):
    before = row_counts()
    services.update_style(style=gold_style, actor=staff, title=gold_style.title)
    assert row_counts() == before


def test_update_style_replaces_craft_tags(gold_style, staff):
    services.update_style(style=gold_style, actor=staff, craft_codes=["yingjin"])
    assert [t.code for t in gold_style.tags.all()] == ["yingjin"]


def test_update_style_refuses_status_and_unknown_fields(gold_style, staff):
    errors = _refused(services.update_style, style=gold_style, actor=staff, status="live", colour="red")
    assert set(errors) == {"status", "colour"}


def test_g1_update_style_title_with_abolished_label_is_rejected(gold_style, staff):
    errors = _refused(services.update_style, style=gold_style, actor=staff, title="千足金手镯")
    assert "title" in errors


def test_g1_update_style_title_that_states_another_mark_than_its_variants_is_rejected(gold_variant, staff):
    errors = _refused(services.update_style, style=gold_variant.style, actor=staff, title="18K金手镯")
    assert "足金" in errors["title"][0] or "990" in errors["title"][0]


def test_switching_to_fixed_price_needs_a_price_for_every_piece(gold_variant, staff):
    services.register_piece(
        variant=gold_variant, serial_number="SN-1", tag_code="TAG-1", weight_g=Decimal("30.125"), cost=Decimal("9000")
    )
    errors = _refused(
        services.update_style, style=gold_variant.style, actor=staff, pricing_mode="fixed", fixed_price=None
    )
    assert "piece SN-1" in errors["fixed_price"][0]


def test_switching_to_fixed_price_with_a_style_price_is_accepted(gold_variant, staff):
    style = services.update_style(
        style=gold_variant.style, actor=staff, pricing_mode="fixed", fixed_price=Decimal("8800.00")
    )
    assert style.pricing_mode == "fixed" and style.fixed_price == Decimal("8800.00")


def test_removing_the_style_price_of_a_fixed_price_style_with_an_unpriced_quantity_variant_is_refused(category, staff):
    style = services.create_style(
        code="CH-1", title="足金链", category=category, pricing_mode="fixed", fixed_price=Decimal("999.00")
    )
    services.add_variant(style=style, sku="CH-1-45", metal="gold", fineness=990, is_serialized=False)
    errors = _refused(services.update_style, style=style, actor=staff, fixed_price=None)
    assert "CH-1-45" in errors["fixed_price"][0]


def test_switching_to_by_weight_refuses_variants_without_metal(category, staff):
    style = services.create_style(code="JD-1", title="翡翠手镯", category=category, pricing_mode="fixed")
    services.add_variant(style=style, sku="JD-1-A", fixed_price=Decimal("30000.00"))
    errors = _refused(services.update_style, style=style, actor=staff, pricing_mode="by_weight")
    assert "pricing_mode" in errors


# --- publish / delist -----------------------------------------------------------------------
def test_publish_style_puts_it_live_with_audit_and_event(gold_variant, staff):
    style = services.publish_style(style=gold_variant.style, actor=staff)

    assert style.status == Style.Status.LIVE and style.published_at is not None
    assert AuditEntry.objects.filter(action="catalog.style.published", actor=staff).exists()
    assert OutboxEvent.objects.filter(name="catalog.StylePublished", payload__style_id=style.pk).exists()


def test_publishing_a_live_style_again_changes_nothing(gold_variant):
    style = services.publish_style(style=gold_variant.style)
    before = row_counts()
    services.publish_style(style=style)
    assert row_counts() == before


def test_a_style_without_variants_cannot_be_published(gold_style):
    errors = _refused(services.publish_style, style=gold_style)
    assert "variants" in errors
    gold_style.refresh_from_db()
    assert gold_style.status == Style.Status.DRAFT


def test_a_fixed_price_style_with_an_unpriced_piece_cannot_be_published(ring_style):
    variant = services.add_variant(style=ring_style, sku="DR-RING-1-13", metal="gold", fineness=750)
    # register_piece refuses such a piece; publishing checks again for rows written another way.
    PieceFactory(variant=variant, fixed_price=None)
    errors = _refused(services.publish_style, style=ring_style)
    assert "fixed_price" in errors


def test_delist_style_records_the_reason_and_publishes_it(gold_variant, staff):
    style = services.publish_style(style=gold_variant.style)

    services.delist_style(style=style, reason="Supplier recall", actor=staff)

    style.refresh_from_db()
    assert style.status == Style.Status.DELISTED
    assert AuditEntry.objects.get(action="catalog.style.delisted").reason == "Supplier recall"
    assert OutboxEvent.objects.get(name="catalog.StyleDelisted").payload["reason"] == "Supplier recall"


def test_delisting_needs_a_reason(gold_variant):
    style = services.publish_style(style=gold_variant.style)
    errors = _refused(services.delist_style, style=style, reason=" ")
    assert "reason" in errors


def test_a_draft_style_cannot_be_delisted(gold_style):
    with pytest.raises(Conflict):
        services.delist_style(style=gold_style, reason="never sold")


def test_a_delisted_style_can_be_published_again(gold_variant):
    style = services.publish_style(style=gold_variant.style)
    services.delist_style(style=style, reason="season over")
    assert services.publish_style(style=style).status == Style.Status.LIVE


def test_the_callers_style_instance_shows_the_change(gold_variant, staff):
    style = gold_variant.style
    services.publish_style(style=style)
    services.update_style(style=style, actor=staff, title_en="Pure gold bangle")
    assert (style.status, style.title_en) == ("live", "Pure gold bangle")
