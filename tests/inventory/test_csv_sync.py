"""ERP sync by CSV: a clean file is imported whole; any problem is reported in full and nothing is written."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from auric.catalog.models import Certificate, Piece, Stone, Style
from auric.inventory import csv_sync, services
from auric.inventory.models import PieceStatus, PieceStock, StockMovement
from tests.factories import PieceFactory, StyleFactory, VariantFactory

pytestmark = pytest.mark.django_db

HEADER = "style_code,variant_sku,serial_number,tag_code,weight_g,cost,location_code"
FULL_HEADER = HEADER + ",fixed_price,main_stone_kind,main_stone_carat,colour,clarity,cut,cert_lab,cert_number,cert_date"


@pytest.fixture
def catalog(warehouse, store):
    gold = VariantFactory(sku="BANGLE-990", style=StyleFactory(code="AU-BANGLE"))
    ring = VariantFactory(
        sku="RING-750-12",
        fineness=750,
        style=StyleFactory(code="DR-RING", pricing_mode=Style.PricingMode.FIXED, fixed_price=Decimal("18000.00")),
    )
    return gold, ring


def rows_written() -> tuple[int, int, int]:
    return Piece.objects.count(), PieceStock.objects.count(), StockMovement.objects.count()


def test_a_good_file_registers_and_receives_every_piece(catalog, warehouse, store):
    gold, _ring = catalog
    data = "\n".join(
        [
            FULL_HEADER,
            "AU-BANGLE,BANGLE-990,SN-1,TAG-1,30.125,15000.00,wh-sh,,,,,,,,,",
            "AU-BANGLE,BANGLE-990,SN-2,TAG-2,28.5,14000,st-bj,,,,,,,,,",
            "DR-RING,RING-750-12,SN-3,TAG-3,3.2,9000,wh-sh,21000.00,diamond,1.02,D,VVS1,EX,GIA,2141438171,2024-03-01",
        ]
    ).encode()
    seen: list[tuple[int, int]] = []

    report = csv_sync.import_pieces_csv(data=data, actor=None, progress=lambda done, total: seen.append((done, total)))

    assert report.ok and report.created == 3
    assert seen[-1] == (3, 3)
    assert dict(PieceStock.objects.values_list("piece__serial_number", "location__code")) == {
        "SN-1": "wh-sh",
        "SN-2": "st-bj",
        "SN-3": "wh-sh",
    }
    assert set(PieceStock.objects.values_list("status", flat=True)) == {PieceStatus.AVAILABLE}
    assert StockMovement.objects.filter(kind=StockMovement.Kind.RECEIVED).count() == 3
    ring_piece = Piece.objects.get(serial_number="SN-3")
    assert ring_piece.fixed_price == Decimal("21000.00") and ring_piece.weight_g == Decimal("3.200")
    assert Stone.objects.get(piece=ring_piece).clarity == "VVS1"
    assert Certificate.objects.get(piece=ring_piece).report_number == "2141438171"
    gold.style.refresh_from_db()
    assert (gold.style.available_count, gold.style.online_count) == (2, 1)


def test_a_bad_file_reports_every_bad_row_and_writes_nothing(catalog):
    data = "\n".join(
        [
            HEADER,
            "AU-BANGLE,BANGLE-990,SN-1,TAG-1,30.1,15000,wh-sh",  # fine
            "AU-BANGLE,NO-SUCH-SKU,SN-2,TAG-2,30.1,15000,wh-sh",
            "AU-BANGLE,BANGLE-990,SN-3,TAG-3,heavy,15000,wh-sh",
            "AU-BANGLE,BANGLE-990,SN-4,TAG-4,30.1,-5,nowhere",
            "AU-BANGLE,BANGLE-990,SN-1,TAG-5,30.1234,15000,wh-sh",
            "DR-RING,BANGLE-990,SN-6,,30.1,15000,wh-sh",
        ]
    ).encode()

    report = csv_sync.import_pieces_csv(data=data)

    assert report.created == 0
    problems = {(e.line, e.column) for e in report.errors}
    assert problems == {
        (3, "variant_sku"),
        (4, "weight_g"),
        (5, "cost"),
        (5, "location_code"),
        (6, "serial_number"),
        (6, "weight_g"),
        (7, "style_code"),
        (7, "tag_code"),
    }
    assert "line 2" in next(e.message for e in report.errors if e.line == 6 and e.column == "serial_number")
    assert rows_written() == (0, 0, 0)


def test_serial_numbers_already_registered_are_refused(catalog):
    PieceFactory(serial_number="SN-OLD", tag_code="TAG-OLD")
    data = f"{HEADER}\nAU-BANGLE,BANGLE-990,SN-OLD,TAG-NEW,30.1,15000,wh-sh\nAU-BANGLE,BANGLE-990,SN-NEW,TAG-OLD,30.1,15000,wh-sh\n"

    report = csv_sync.import_pieces_csv(data=data.encode())

    assert [(e.line, e.column) for e in report.errors] == [(2, "serial_number"), (3, "tag_code")]
    assert Piece.objects.count() == 1 and not PieceStock.objects.exists()


def test_a_rule_only_the_catalog_knows_rolls_back_the_whole_file(catalog):
    data = "\n".join(
        [
            HEADER + ",measured_fineness",
            "AU-BANGLE,BANGLE-990,SN-1,TAG-1,30.1,15000,wh-sh,999.9",
            "AU-BANGLE,BANGLE-990,SN-2,TAG-2,30.1,15000,wh-sh,985.0",  # below 足金's 990‰ minimum
        ]
    ).encode()

    report = csv_sync.import_pieces_csv(data=data)

    assert report.created == 0
    assert [(e.line, e.column) for e in report.errors] == [(3, "measured_fineness")]
    assert rows_written() == (0, 0, 0)


def test_a_wrong_header_is_reported_before_any_row(catalog):
    report = csv_sync.import_pieces_csv(data=b"style,sku,serial\nA,B,C\n")

    assert {e.column for e in report.errors if e.line == 1} >= {"style_code", "variant_sku", "style", "sku"}
    assert all(e.line == 1 for e in report.errors)


def test_a_file_that_is_not_utf8_is_refused_with_its_line(catalog):
    data = f"{HEADER}\nAU-BANGLE,BANGLE-990,SN-1,TAG-1,30.1,15000,wh-sh\n".encode() + "金,x\n".encode("gb18030")

    report = csv_sync.import_pieces_csv(data=data)

    assert [(e.line, e.column) for e in report.errors] == [(3, "")]
    assert "UTF-8" in report.errors[0].message


def test_a_utf8_file_with_a_byte_order_mark_is_accepted(catalog):
    data = "\ufeff" + f"{HEADER}\nAU-BANGLE,BANGLE-990,SN-1,TAG-1,30.1,15000,wh-sh\n"

    assert csv_sync.import_pieces_csv(data=data.encode()).created == 1


def test_too_many_rows_are_refused(catalog, monkeypatch):
    monkeypatch.setattr(csv_sync, "MAX_ROWS", 2)
    lines = [HEADER] + [f"AU-BANGLE,BANGLE-990,SN-{i},TAG-{i},30.1,15000,wh-sh" for i in range(3)]

    report = csv_sync.import_pieces_csv(data="\n".join(lines).encode())

    assert report.created == 0 and "Too many rows" in report.errors[-1].message
    assert not Piece.objects.exists()


def test_export_lists_pieces_with_location_and_status_and_quantity_stock(stocked, warehouse):
    piece = stocked(serial_number="SN-EXP", price=Decimal("23000.00"))
    services.reserve_piece(piece=piece, reference="CHK-1")
    chain = VariantFactory(sku="CHAIN-45", is_serialized=False)
    services.receive_quantity(variant=chain, location=warehouse, quantity=7)

    rows = list(csv.DictReader(io.StringIO(csv_sync.export_stock_csv())))

    assert [r["kind"] for r in rows] == ["piece", "quantity"]
    assert (rows[0]["serial_number"], rows[0]["location_code"], rows[0]["status"], rows[0]["price"]) == (
        "SN-EXP",
        "wh-sh",
        "reserved",
        "23000.00",
    )
    assert (rows[1]["variant_sku"], rows[1]["on_hand"], rows[1]["reserved"]) == ("CHAIN-45", "7", "0")


def test_export_never_writes_a_cell_a_spreadsheet_would_run(stocked):
    stocked(serial_number="=HYPERLINK(1)")

    assert "\n'=HYPERLINK" not in csv_sync.export_stock_csv()
    assert "'=HYPERLINK(1)" in csv_sync.export_stock_csv()


def test_the_import_command_imports_a_file(catalog, tmp_path, capsys):
    path = tmp_path / "pieces.csv"
    path.write_text(f"{HEADER}\nAU-BANGLE,BANGLE-990,SN-1,TAG-1,30.1,15000,wh-sh\n", encoding="utf-8")

    call_command("import_pieces_csv", str(path))

    assert "imported 1 piece" in capsys.readouterr().out
    assert PieceStock.objects.get().piece.serial_number == "SN-1"


def test_the_import_command_fails_with_every_problem_listed(catalog, tmp_path, capsys):
    path = tmp_path / "pieces.csv"
    path.write_text(f"{HEADER}\nAU-BANGLE,NOPE,SN-1,TAG-1,30.1,15000,wh-sh\n", encoding="utf-8")

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_pieces_csv", str(path))

    assert "line 2, variant_sku" in capsys.readouterr().err
    assert not Piece.objects.exists()


def test_the_export_command_writes_a_file(stocked, tmp_path):
    stocked(serial_number="SN-FILE")
    path = tmp_path / "stock.csv"

    call_command("export_stock_csv", "--output", str(path))

    assert "SN-FILE" in path.read_text(encoding="utf-8")
