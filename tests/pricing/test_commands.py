"""The import_metal_prices and reprice_today management commands."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from auric.pricing.models import MetalPrice
from tests.factories import MetalPriceFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_import_metal_prices_prints_the_report(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("metal,fineness,date,price_per_gram\ngold,990,2025-03-03,780.50\n", encoding="utf-8")
    out = StringIO()
    call_command("import_metal_prices", str(path), stdout=out)
    assert "created 1, updated 0" in out.getvalue()
    assert MetalPrice.objects.count() == 1


def test_import_metal_prices_fails_with_every_problem_listed(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("metal,fineness,date,price_per_gram\ngold,999,2025-03-03,780.50\ngold,990,x,1\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_metal_prices", str(path), stderr=err)
    assert "line 2, fineness" in err.getvalue() and "line 3, date" in err.getvalue()
    assert not MetalPrice.objects.exists()


def test_reprice_today_prices_by_weight_pieces_with_todays_price(make_gold_piece):
    piece = make_gold_piece("30.125")
    MetalPriceFactory(on_date=timezone.localdate(), price_per_gram=D("780.00"))
    out = StringIO()
    call_command("reprice_today", stdout=out)
    piece.refresh_from_db()
    assert piece.price == D("24100.00")
    assert "by weight: 1 piece price(s) changed" in out.getvalue()
