"""ERP sync by file: import received pieces from CSV, export stock as CSV.

The import is all-or-nothing. It first checks every row without writing (header, numbers, codes
known in the catalog, duplicates inside the file and against the database, the row limit) and
reports every problem with its line and column; only a clean file is written, in ONE transaction,
through the same services as a person would use (`catalog.services.register_piece`, then
`inventory.services.receive_piece`). Rules only the catalog knows (GB 11887 fineness, stone
grades) are checked row by row while writing; any refusal there rolls the whole file back too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction

from auric.catalog.models import Certificate, GemKind, Lab, Piece, Variant
from auric.catalog.services import CertificateInput, StoneInput, register_piece
from auric.core.errors import DomainError
from auric.inventory.availability import refresh_style_availability
from auric.inventory.models import Location, PieceStock, StockLevel
from auric.inventory.services import receive_piece

MAX_ROWS = 20_000
REQUIRED_COLUMNS = ("style_code", "variant_sku", "serial_number", "tag_code", "weight_g", "cost", "location_code")
OPTIONAL_COLUMNS = (
    "supplier_code",
    "fixed_price",
    "measured_fineness",
    "main_stone_kind",
    "main_stone_carat",
    "colour",
    "clarity",
    "cut",
    "cert_lab",
    "cert_number",
    "cert_date",
)
CERT_COLUMNS = ("cert_lab", "cert_number", "cert_date")
# Field names in catalog's ValidationFailed errors → the CSV column they came from.
CATALOG_FIELD_COLUMNS = {
    "certificate.lab": "cert_lab",
    "certificate.report_number": "cert_number",
    "certificate.issued_on": "cert_date",
    "stones.0.kind": "main_stone_kind",
    "stones.0.carat": "main_stone_carat",
    "stones.0.colour": "colour",
    "stones.0.clarity": "clarity",
    "stones.0.cut": "cut",
    "supplier": "supplier_code",  # the receipt rules (quality: approved, certified suppliers)
}
IN_BATCH = 900  # IN-list size for lookups (SQLite parameter limits)
EXPORT_COLUMNS = (
    "kind",
    "style_code",
    "variant_sku",
    "serial_number",
    "tag_code",
    "location_code",
    "status",
    "on_hand",
    "reserved",
    "weight_g",
    "cost",
    "price",
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the header; 0 is the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}{', ' + self.column if self.column else ''}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    total: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    variant: Variant | None = None
    location: Location | None = None
    weight_g: Decimal | None = None
    cost: Decimal | None = None
    fixed_price: Decimal | None = None
    measured_fineness: Decimal | None = None
    stones: tuple[StoneInput, ...] = ()
    certificate: CertificateInput | None = None


class _Rollback(Exception):
    """Raised inside the import transaction to undo it after a refusal."""


def _decimal(row: _Row, column: str, errors: list[RowError], *, places: int, positive: bool) -> Decimal | None:
    text = row.values.get(column, "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append(RowError(row.line, column, f"{text!r} is not a number"))
        return None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int):
        errors.append(RowError(row.line, column, f"{text!r} is not a number"))
        return None
    if value < 0 or (positive and value == 0):
        errors.append(RowError(row.line, column, "Must be greater than zero" if positive else "Must not be negative"))
        return None
    if -exponent > places:
        errors.append(RowError(row.line, column, f"At most {places} decimal places"))
        return None
    if value >= Decimal(10) ** 11:
        errors.append(RowError(row.line, column, "Too large"))
        return None
    return value


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), IN_BATCH):
        yield values[start : start + IN_BATCH]


def _read(data: bytes, errors: list[RowError]) -> list[_Row]:
    """Decode and split the file; header and size problems end the check early."""
    if len(data) > settings.AURIC_MAX_CSV_BYTES:
        errors.append(RowError(0, "", f"The file is larger than {settings.AURIC_MAX_CSV_BYTES} bytes"))
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(RowError(line, "", "The file is not UTF-8 text (save it as CSV UTF-8)"))
        return []
    if "\x00" in text:
        errors.append(RowError(text[: text.index("\x00")].count("\n") + 1, "", "The file contains a NUL byte"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        errors.append(RowError(0, "", "The file is empty"))
        return []
    except csv.Error as exc:
        errors.append(RowError(1, "", f"Unreadable CSV: {exc}"))
        return []
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    for column in REQUIRED_COLUMNS:
        if column not in header:
            errors.append(RowError(1, column, "Required column is missing"))
    for column in header:
        if column not in known:
            errors.append(RowError(1, column, "Unknown column"))
        elif header.count(column) > 1:
            errors.append(RowError(1, column, "Column appears more than once"))
    if errors:
        return []
    rows: list[_Row] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                errors.append(RowError(reader.line_num, "", f"Too many rows: at most {MAX_ROWS} per file"))
                return rows
            if len(cells) != len(header):
                errors.append(RowError(reader.line_num, "", f"Expected {len(header)} values, found {len(cells)}"))
                continue
            rows.append(_Row(reader.line_num, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "", f"Unreadable CSV: {exc}"))
    return rows


def _check(rows: list[_Row], errors: list[RowError]) -> None:
    """Check every row against the file and the database, with a fixed number of queries per batch."""

    def values(column: str) -> list[str]:
        return sorted({r.values.get(column, "") for r in rows} - {""})

    variants = {
        v.sku: v
        for chunk in _chunks(values("variant_sku"))
        for v in Variant.objects.filter(sku__in=chunk).select_related("style")
    }
    locations = {
        loc.code: loc for chunk in _chunks(values("location_code")) for loc in Location.objects.filter(code__in=chunk)
    }
    taken_serials = {
        s
        for chunk in _chunks(values("serial_number"))
        for s in Piece.objects.filter(serial_number__in=chunk).values_list("serial_number", flat=True)
    }
    taken_tags = {
        t
        for chunk in _chunks(values("tag_code"))
        for t in Piece.objects.filter(tag_code__in=chunk).values_list("tag_code", flat=True)
    }
    taken_reports = {
        pair
        for chunk in _chunks(values("cert_number"))
        for pair in Certificate.objects.filter(report_number__in=chunk).values_list("lab", "report_number")
    }
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        v, line = row.values, row.line

        def refuse(column: str, message: str, line: int = line) -> None:
            errors.append(RowError(line, column, message))

        for column in REQUIRED_COLUMNS:
            if not v.get(column):
                refuse(column, "Required")
        if sku := v.get("variant_sku"):
            row.variant = variants.get(sku)
            if row.variant is None:
                refuse("variant_sku", f"Unknown SKU {sku}")
            elif v.get("style_code") and row.variant.style.code != v["style_code"]:
                refuse("style_code", f"SKU {sku} belongs to style {row.variant.style.code}, not {v['style_code']}")
            elif not row.variant.is_serialized:
                refuse("variant_sku", f"SKU {sku} is sold by quantity, not as pieces")
        if code := v.get("location_code"):
            row.location = locations.get(code)
            if row.location is None:
                refuse("location_code", f"Unknown location {code}")
            elif not row.location.is_active or row.location.kind == Location.Kind.IN_TRANSIT:
                refuse("location_code", f"Location {code} is not an active store or warehouse")
        for column, taken, noun in (("serial_number", taken_serials, "Serial number"), ("tag_code", taken_tags, "Tag")):
            if not (value := v.get(column)):
                continue
            if value in taken:
                refuse(column, f"{noun} {value} is registered already")
            if (first := seen.setdefault((column, value), line)) != line:
                refuse(column, f"{noun} {value} is also on line {first}")
        row.weight_g = _decimal(row, "weight_g", errors, places=3, positive=True)
        row.cost = _decimal(row, "cost", errors, places=2, positive=False)
        row.fixed_price = _decimal(row, "fixed_price", errors, places=2, positive=False)
        row.measured_fineness = _decimal(row, "measured_fineness", errors, places=1, positive=True)
        _check_stone(row, errors)
        _check_certificate(row, errors, taken_reports, seen)


def _check_stone(row: _Row, errors: list[RowError]) -> None:
    v = row.values
    kind = v.get("main_stone_kind", "")
    carat = _decimal(row, "main_stone_carat", errors, places=2, positive=True)
    if not kind:
        for column in ("main_stone_carat", "colour", "clarity", "cut"):
            if v.get(column):
                errors.append(RowError(row.line, column, "Given without main_stone_kind"))
        return
    if kind not in GemKind.values:
        errors.append(
            RowError(row.line, "main_stone_kind", f"Unknown gem {kind!r} (allowed: {', '.join(GemKind.values)})")
        )
    if carat is None and not v.get("main_stone_carat"):
        errors.append(RowError(row.line, "main_stone_carat", "Required with main_stone_kind"))
    if carat is not None:
        row.stones = (
            StoneInput(
                kind=kind, carat=carat, colour=v.get("colour", ""), clarity=v.get("clarity", ""), cut=v.get("cut", "")
            ),
        )


def _check_certificate(
    row: _Row, errors: list[RowError], taken: set[tuple[str, str]], seen: dict[tuple[str, str], int]
) -> None:
    v = row.values
    given = [c for c in CERT_COLUMNS if v.get(c)]
    if not given:
        return
    for column in CERT_COLUMNS:
        if not v.get(column):
            errors.append(RowError(row.line, column, "Required with the other certificate columns"))
    lab, number = v.get("cert_lab", ""), v.get("cert_number", "")
    if lab and lab not in Lab.values:
        errors.append(RowError(row.line, "cert_lab", f"Unknown lab {lab!r} (allowed: {', '.join(Lab.values)})"))
    issued: date | None = None
    if text := v.get("cert_date"):
        try:
            issued = date.fromisoformat(text)
        except ValueError:
            errors.append(RowError(row.line, "cert_date", f"{text!r} is not a date (YYYY-MM-DD)"))
    if lab and number:
        if (lab, number) in taken:
            errors.append(RowError(row.line, "cert_number", f"{lab} report {number} is registered already"))
        if (first := seen.setdefault((f"cert:{lab}", number), row.line)) != row.line:
            errors.append(RowError(row.line, "cert_number", f"{lab} report {number} is also on line {first}"))
    if lab and number and issued is not None:
        row.certificate = CertificateInput(lab=lab, report_number=number, issued_on=issued)


def _write(rows: list[_Row], actor: Any, errors: list[RowError], progress: Progress | None) -> int:
    """Register and receive every row in one transaction; roll all back on the first refusal set."""
    total = len(rows)
    try:
        with transaction.atomic():
            style_ids: set[int] = set()
            for done, row in enumerate(rows, start=1):
                assert row.variant is not None and row.location is not None
                try:
                    with transaction.atomic():
                        piece = register_piece(
                            variant=row.variant,
                            serial_number=row.values["serial_number"],
                            tag_code=row.values["tag_code"],
                            weight_g=row.weight_g,  # type: ignore[arg-type]  # checked in _check
                            cost=row.cost,  # type: ignore[arg-type]
                            measured_fineness=row.measured_fineness,
                            fixed_price=row.fixed_price,
                            stones=row.stones,
                            certificate=row.certificate,
                            actor=actor,
                        )
                        receive_piece(
                            piece=piece,
                            location=row.location,
                            actor=actor,
                            reference="csv import",
                            refresh=False,
                            supplier=(row.values.get("supplier_code") or "").strip(),
                        )
                except DomainError as exc:
                    for name, messages in (exc.errors or {"": [exc.detail]}).items():
                        column = CATALOG_FIELD_COLUMNS.get(name, name)
                        errors.extend(RowError(row.line, column, message) for message in messages)
                else:
                    style_ids.add(piece.style_id)
                if progress is not None:
                    progress(done, total)
            if errors:
                raise _Rollback
            refresh_style_availability(style_ids=style_ids)
    except _Rollback:
        return 0
    return total


def import_pieces_csv(*, data: bytes, actor: Any = None, progress: Progress | None = None) -> ImportReport:
    """Import received pieces from an ERP CSV file, all or nothing. See the module docstring."""
    report = ImportReport()
    rows = _read(data, report.errors)
    report.total = len(rows)
    if not report.errors:
        _check(rows, report.errors)
    if report.errors:
        report.errors.sort(key=lambda e: (e.line, e.column))
        return report
    report.created = _write(rows, actor, report.errors, progress)
    report.errors.sort(key=lambda e: (e.line, e.column))
    return report


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_stock_csv() -> str:
    """Every piece in stock (with location and status) and every quantity stock line, as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    pieces = (
        PieceStock.objects.order_by("location__code", "piece__serial_number")
        .values_list(
            "piece__style__code",
            "piece__variant__sku",
            "piece__serial_number",
            "piece__tag_code",
            "location__code",
            "status",
            "piece__weight_g",
            "piece__cost",
            "piece__price",
        )
        .iterator(chunk_size=2000)
    )
    for style, sku, serial, tag, location, status, weight, cost, price in pieces:
        writer.writerow(
            [_cell(x) for x in ("piece", style, sku, serial, tag, location, status, 1, 0, weight, cost, price)]
        )
    levels = StockLevel.objects.order_by("location__code", "variant__sku").values_list(
        "variant__style__code", "variant__sku", "location__code", "on_hand", "reserved"
    )
    for style, sku, location, on_hand, reserved in levels:
        writer.writerow(
            [_cell(x) for x in ("quantity", style, sku, "", "", location, "", on_hand, reserved, "", "", "")]
        )
    return out.getvalue()
