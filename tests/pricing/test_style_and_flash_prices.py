"""set_style_prices and flash prices: audited, logged publicly, repriced at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.core.errors import ValidationFailed
from auric.core.models import AuditEntry
from auric.pricing.models import FlashPrice, PriceChange
from auric.pricing.services import (
    create_flash_price,
    end_flash_price,
    price_breakdown,
    reprice_flash_windows,
    set_style_prices,
)
from tests.factories import MetalPriceFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_new_labour_fee_reprices_the_style_and_is_audited_and_logged(make_gold_piece, gold_style, staff):
    MetalPriceFactory(price_per_gram=D("780.00"))
    piece = make_gold_piece("30.125")
    set_style_prices(style=gold_style, labour_fee=D("0"), actor=staff, reason="")  # price it at 23497.50
    set_style_prices(style=gold_style, labour_fee=D("25.00"), actor=staff, reason="新工艺")
    piece.refresh_from_db()
    assert piece.price == D("24250.63")  # 23497.50 + 30.125 × 25 = 753.125 → 753.13
    log = PriceChange.objects.order_by("id").last()
    assert (log.reason, log.old_amount, log.new_amount, log.note) == (
        "labour_fee",
        D("23497.50"),
        D("24250.63"),
        "新工艺",
    )
    audit = AuditEntry.objects.filter(action="pricing.set_style_prices").order_by("id").last()
    assert audit.before["labour_fee"] == "0.00" and audit.after["labour_fee"] == "25.00"
    assert audit.reason == "新工艺"


def test_a_new_fixed_price_on_a_style_without_pieces_is_logged(fixed_style, staff):
    set_style_prices(style=fixed_style, fixed_price=D("8888.00"), actor=staff, reason="调价")
    log = PriceChange.objects.get()
    assert (log.reason, log.old_amount, log.new_amount) == ("fixed_price", D("9999.00"), D("8888.00"))


def test_a_list_price_change_is_audited_but_does_not_enter_the_price_log(fixed_piece, staff):
    set_style_prices(style=fixed_piece.style, list_price=D("12999.00"), actor=staff)
    assert AuditEntry.objects.filter(action="pricing.set_style_prices").exists()
    fixed_piece.refresh_from_db()
    assert fixed_piece.price == D("9999.00")  # the style's fixed price was its reference already
    assert not PriceChange.objects.exists()


@pytest.mark.parametrize(
    "kwargs",
    [{"labour_fee": D("-1")}, {"fixed_price": D("0")}, {"list_price": D("1.234")}, {"labour_basis": "per_hour"}],
)
def test_invalid_style_prices_change_nothing(fixed_style, staff, kwargs):
    with pytest.raises(ValidationFailed):
        set_style_prices(style=fixed_style, actor=staff, **kwargs)
    fixed_style.refresh_from_db()
    assert fixed_style.fixed_price == D("9999.00")
    assert not AuditEntry.objects.exists()


def test_an_active_flash_price_reprices_the_style_now(fixed_piece, staff):
    now = timezone.now()
    create_flash_price(
        style=fixed_piece.style,
        label="周年庆",
        percent_off=D("10"),
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        actor=staff,
    )
    fixed_piece.refresh_from_db()
    assert fixed_piece.price == D("8999.10")
    assert PriceChange.objects.get().reason == PriceChange.Reason.FLASH_START


def test_ending_a_flash_price_restores_the_base_price(fixed_piece, staff):
    now = timezone.now()
    flash = create_flash_price(
        style=fixed_piece.style, price=D("8000.00"), starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)
    )
    end_flash_price(flash=flash, actor=staff)
    fixed_piece.refresh_from_db()
    assert fixed_piece.price == D("9999.00")
    assert PriceChange.objects.order_by("id").last().reason == PriceChange.Reason.FLASH_END


def test_flash_windows_that_started_since_the_last_run_are_applied(fixed_piece):
    now = timezone.now()
    create_flash_price(
        style=fixed_piece.style,
        price=D("8000.00"),
        starts_at=now + timedelta(minutes=5),
        ends_at=now + timedelta(days=1),
    )
    fixed_piece.refresh_from_db()
    assert fixed_piece.price is None
    reprice_flash_windows(since=now, until=now + timedelta(minutes=10))
    fixed_piece.refresh_from_db()
    assert fixed_piece.price == D("8000.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"price": D("100"), "percent_off": D("10")}, "price"),
        ({}, "price"),
        ({"percent_off": D("0")}, "percent_off"),
        ({"percent_off": D("100")}, "percent_off"),
        ({"percent_off": D("10"), "ends_at_offset": -2}, "ends_at"),
        ({"price": D("-5")}, "price"),
    ],
)
def test_invalid_flash_prices_are_refused(fixed_style, kwargs, field):
    now = timezone.now()
    offset = kwargs.pop("ends_at_offset", 1)
    with pytest.raises(ValidationFailed) as caught:
        create_flash_price(style=fixed_style, starts_at=now, ends_at=now + timedelta(hours=offset), **kwargs)
    assert field in caught.value.errors
    assert not FlashPrice.objects.exists()


def test_a_flash_price_on_a_by_weight_style_discounts_the_weight_price(make_gold_piece, gold_style):
    MetalPriceFactory(price_per_gram=D("780.00"))
    piece = make_gold_piece("30.125")
    now = timezone.now()
    create_flash_price(
        style=gold_style, percent_off=D("5"), starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    breakdown = price_breakdown(piece=piece)
    assert breakdown.base_price.amount == D("24100.00")
    assert breakdown.final_price.amount == D("22895.00")
    piece.refresh_from_db()
    assert piece.price == D("22895.00")
