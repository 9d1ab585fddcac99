"""Metal price CSV: all rows or none, every bad row reported with its line."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.core.models import AuditEntry
from auric.pricing import csv_import
from auric.pricing.csv_import import export_metal_prices_csv, import_metal_prices_csv
from auric.pricing.models import MetalPrice
from tests.factories import MetalPriceFactory

pytestmark = pytest.mark.django_db
D = Decimal


def csv_bytes(*rows: str, header: str = "metal,fineness,date,price_per_gram,currency", bom: bool = False) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def test_a_good_file_creates_every_row_with_source_csv(staff):
    data = csv_bytes(
        "gold,990,2025-03-03,780.50,CNY", "platinum,Pt950,2025-03-03,245.00,CNY", "silver,925,2025-03-03,7.35,"
    )
    report = import_metal_prices_csv(data=data, actor=staff)
    assert report.ok and (report.created, report.updated) == (3, 0)
    assert set(MetalPrice.objects.values_list("metal", "fineness", "price_per_gram", "currency")) == {
        ("gold", 990, D("780.50"), "CNY"),
        ("platinum", 950, D("245.00"), "CNY"),
        ("silver", 925, D("7.35"), "CNY"),
    }
    assert set(MetalPrice.objects.values_list("source", flat=True)) == {"csv"}


def test_a_utf8_file_with_a_bom_and_no_currency_column_is_read():
    report = import_metal_prices_csv(
        data=csv_bytes("gold,足金,2025-03-03,780.50", header="metal,fineness,date,price_per_gram", bom=True)
    )
    assert report.ok and report.created == 1


def test_an_existing_day_is_updated_and_audited(staff):
    MetalPriceFactory(on_date=date(2025, 3, 3), price_per_gram=D("770.00"))
    report = import_metal_prices_csv(data=csv_bytes("gold,990,2025-03-03,780.50,CNY"), actor=staff)
    assert (report.created, report.updated) == (0, 1)
    assert MetalPrice.objects.get().price_per_gram == D("780.50")
    audit = AuditEntry.objects.get(action="pricing.set_metal_price")
    assert (audit.before["price_per_gram"], audit.after["price_per_gram"]) == ("770.00", "780.50")


def test_every_bad_row_is_reported_and_nothing_is_written():
    data = csv_bytes(
        "gold,990,2025-03-03,780.50,CNY",  # line 2: good
        "copper,990,2025-03-03,60.00,CNY",  # 3: unknown metal
        "gold,999,2025-03-03,780.50,CNY",  # 4: not a GB 11887 mark
        "gold,千足金,2025-03-03,780.50,CNY",  # 5: abolished name
        "gold,750,2025/03/03,590.00,CNY",  # 6: bad date
        "gold,750,2025-02-30,590.00,CNY",  # 7: no such day
        "gold,585,2025-03-03,-1.00,CNY",  # 8: negative
        "gold,375,2025-03-03,NaN,CNY",  # 9: NaN
        "gold,916,2025-03-03,1e3,CNY",  # 10: exponent
        "gold,916,2025-03-04,700.123,CNY",  # 11: three decimals
        "gold,990,2025-03-03,781.00,CNY",  # 12: duplicate of line 2
        "silver,925,2025-03-03,7.35,ZZZ",  # 13: currency
        "silver,925,2025-03-04",  # 14: too few values
    )
    report = import_metal_prices_csv(data=data)
    assert not report.ok
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "metal"),
        (4, "fineness"),
        (5, "fineness"),
        (6, "date"),
        (7, "date"),
        (8, "price_per_gram"),
        (9, "price_per_gram"),
        (10, "price_per_gram"),
        (11, "price_per_gram"),
        (12, "row"),
        (13, "currency"),
        (14, "row"),
    ]
    assert "line 2" in report.errors[9].message
    assert not MetalPrice.objects.exists()


def test_a_wrong_header_is_refused():
    report = import_metal_prices_csv(data=csv_bytes("gold,990,2025-03-03,780", header="metal,purity,day,price"))
    assert [(e.line, e.field) for e in report.errors] == [(1, "header")]


def test_a_file_that_is_not_utf8_is_refused_with_the_line():
    data = "metal,fineness,date,price_per_gram\ngold,足金,2025-03-03,780.00\n".encode("gb18030")
    report = import_metal_prices_csv(data=data)
    assert [(e.line, e.field) for e in report.errors] == [(2, "file")]


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 3)
    rows = [f"gold,990,2025-03-0{day},780.00,CNY" for day in range(1, 6)]
    report = import_metal_prices_csv(data=csv_bytes(*rows))
    assert len(report.errors) == 1 and "More than 3 rows" in report.errors[0].message
    assert not MetalPrice.objects.exists()


def test_a_file_too_big_is_refused_before_reading():
    report = import_metal_prices_csv(data=b"x" * (csv_import.MAX_BYTES + 1))
    assert [(e.line, e.field) for e in report.errors] == [(0, "file")]


def test_an_empty_file_is_refused():
    assert not import_metal_prices_csv(data=b"").ok
    assert not import_metal_prices_csv(data=csv_bytes()).ok


def test_importing_todays_price_reprices_pieces(make_gold_piece):
    piece = make_gold_piece("30.125")
    today = timezone.localdate().isoformat()
    import_metal_prices_csv(data=csv_bytes(f"gold,990,{today},780.00,CNY"))
    piece.refresh_from_db()
    assert piece.price == D("24100.00")


def test_export_writes_the_import_format_and_round_trips():
    MetalPriceFactory(on_date=date(2025, 3, 3), price_per_gram=D("780.50"))
    MetalPriceFactory(on_date=date(2025, 3, 4), fineness=750, price_per_gram=D("590.00"))
    MetalPriceFactory(on_date=date(2025, 4, 1), price_per_gram=D("800.00"))
    text = export_metal_prices_csv(start=date(2025, 3, 1), end=date(2025, 3, 31))
    assert text.splitlines() == [
        "metal,fineness,date,price_per_gram,currency",
        "gold,990,2025-03-03,780.50,CNY",
        "gold,750,2025-03-04,590.00,CNY",
    ]
    report = import_metal_prices_csv(data=text.encode())
    assert report.ok and report.unchanged == 2


def test_a_date_far_in_the_future_is_refused():
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    report = import_metal_prices_csv(data=csv_bytes(f"gold,990,{later},780.00,CNY"))
    assert [(e.line, e.field) for e in report.errors] == [(2, "date")]
