"""Metal prices in and out as CSV: all-or-nothing import with every bad row reported, and export.

Format (UTF-8, with or without a byte-order mark; comma-separated; header required):

    metal,fineness,date,price_per_gram[,currency]
    gold,990,2025-03-03,780.50,CNY

`metal` is gold|platinum|palladium|silver; `fineness` a GB 11887 mark in ‰ (990) or its name (足金,
Pt950); `date` is YYYY-MM-DD; `price_per_gram` a plain decimal with at most 2 places; `currency`
defaults to CNY. If any row is bad nothing is written and every bad row is reported with its line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from auric.catalog import vocab
from auric.pricing.models import MetalPrice, PriceChange
from auric.pricing.services import (
    InvalidInput,
    clean_currency,
    clean_mark,
    clean_price_date,
    clean_price_per_gram,
    reprice,
    upsert_metal_price,
)

MAX_BYTES: Final = 2 * 1024 * 1024
MAX_ROWS: Final = 10_000
REQUIRED_COLUMNS: Final = ("metal", "fineness", "date", "price_per_gram")
OPTIONAL_COLUMNS: Final = ("currency",)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the header; 0 means the file as a whole
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, {self.field}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Row:
    line: int
    metal: str
    fineness: int
    on_date: date
    price_per_gram: Decimal
    currency: str

    @property
    def key(self) -> tuple[str, int, date, str]:
        return (self.metal, self.fineness, self.on_date, self.currency)


def _decode(data: bytes) -> tuple[str | None, RowError | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, RowError(line, "file", "Not UTF-8 text (save the file as CSV UTF-8)")


def _parse(text: str, today: date) -> tuple[list[_Row], list[RowError]]:
    rows: list[_Row] = []
    errors: list[RowError] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return [], [RowError(0, "file", "The file is empty")]
    except csv.Error as exc:
        return [], [RowError(1, "file", f"Unreadable CSV: {exc}")]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        expected = ",".join(REQUIRED_COLUMNS) + "[,currency]"
        return [], [RowError(1, "header", f"Expected the columns {expected}; got {','.join(header)}")]
    seen: dict[tuple[str, int, date, str], int] = {}
    count = 0
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            count += 1
            if count > MAX_ROWS:
                return [], [RowError(line, "file", f"More than {MAX_ROWS} rows; split the file")]
            if len(values) != len(header):
                errors.append(RowError(line, "row", f"Expected {len(header)} values, found {len(values)}"))
                continue
            row, row_errors = _parse_row(dict(zip(header, values, strict=True)), line, today)
            if row is None:
                errors.extend(row_errors)
                continue
            if row.key in seen:
                errors.append(RowError(line, "row", f"Duplicate of line {seen[row.key]}"))
                continue
            seen[row.key] = line
            rows.append(row)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "file", f"Unreadable CSV: {exc}"))
    return rows, errors


def _parse_row(values: dict[str, str], line: int, today: date) -> tuple[_Row | None, list[RowError]]:
    errors: list[RowError] = []
    cleaned: dict[str, Any] = {}
    metal = values["metal"].strip().lower()
    if metal not in {m.value for m in vocab.Metal}:
        errors.append(RowError(line, "metal", f"Unknown metal “{values['metal']}” (gold, platinum, palladium, silver)"))
    else:
        try:
            cleaned["mark"] = clean_mark(metal, values["fineness"])
        except InvalidInput as exc:
            errors.append(RowError(line, "fineness", exc.message))
    raw_date = values["date"].strip()
    if not _ISO_DATE.fullmatch(raw_date):
        errors.append(RowError(line, "date", f"“{raw_date}” is not a date like 2025-03-03"))
    else:
        try:
            cleaned["on_date"] = clean_price_date(date.fromisoformat(raw_date), today=today)
        except ValueError as exc:
            message = exc.message if isinstance(exc, InvalidInput) else f"“{raw_date}” is not a real date"
            errors.append(RowError(line, "date", message))
    for name, clean in (
        ("price_per_gram", clean_price_per_gram),
        ("currency", clean_currency),
    ):
        raw = values.get(name, "").strip()
        if name == "currency" and not raw:
            raw = "CNY"
        try:
            cleaned[name] = clean(raw)
        except InvalidInput as exc:
            errors.append(RowError(line, name, exc.message))
    if errors:
        return None, errors
    mark: vocab.FinenessMark = cleaned["mark"]
    return _Row(
        line=line,
        metal=mark.metal.value,
        fineness=mark.permille,
        on_date=cleaned["on_date"],
        price_per_gram=cleaned["price_per_gram"],
        currency=cleaned["currency"],
    ), []


def import_metal_prices_csv(*, data: bytes, actor: Any = None) -> ImportReport:
    """Import a metal price file: every row or none. Today's prices reprice the pieces they affect."""
    report = ImportReport()
    if len(data) > MAX_BYTES:
        report.errors.append(RowError(0, "file", f"The file is larger than {MAX_BYTES // 1024} KiB"))
        return report
    text, error = _decode(data)
    if text is None:
        report.errors.append(error)  # type: ignore[arg-type]
        return report
    today = timezone.localdate()
    rows, errors = _parse(text, today)
    if errors:
        report.errors = errors
        return report
    if not rows:
        report.errors.append(RowError(0, "file", "No price rows after the header"))
        return report
    with transaction.atomic():
        existing = _existing(rows)
        to_create: list[MetalPrice] = []
        repriced_marks: set[tuple[str, int, str]] = set()
        entered_by = actor if getattr(actor, "is_authenticated", False) else None
        for row in rows:
            current = existing.get(row.key)
            if current is None:
                to_create.append(
                    MetalPrice(
                        metal=row.metal,
                        fineness=row.fineness,
                        on_date=row.on_date,
                        price_per_gram=row.price_per_gram,
                        currency=row.currency,
                        source=MetalPrice.Source.CSV,
                        entered_by=entered_by,
                    )
                )
            elif current.price_per_gram == row.price_per_gram:
                report.unchanged += 1
                continue
            else:
                # Few rows change an existing day; each keeps its before/after in the audit log.
                upsert_metal_price(
                    metal=row.metal,
                    fineness=row.fineness,
                    on_date=row.on_date,
                    price_per_gram=row.price_per_gram,
                    currency=row.currency,
                    source=MetalPrice.Source.CSV,
                    actor=actor,
                    audit_reason="CSV import",
                )
                report.updated += 1
            if row.on_date <= today:
                repriced_marks.add((row.metal, row.fineness, row.currency))
        # New rows are their own record (source=csv, entered_by, created_at): no audit entry per row.
        MetalPrice.objects.bulk_create(to_create, batch_size=500)
        report.created = len(to_create)
        for metal, fineness, currency in sorted(repriced_marks):
            reprice(
                metal=metal,
                fineness=fineness,
                currency=currency,
                reason=PriceChange.Reason.METAL_PRICE,
                note="CSV import",
            )
    return report


def _existing(rows: list[_Row]) -> dict[tuple[str, int, date, str], MetalPrice]:
    dates = sorted({row.on_date for row in rows})
    found: dict[tuple[str, int, date, str], MetalPrice] = {}
    for start in range(0, len(dates), 500):
        chunk = dates[start : start + 500]
        for price in MetalPrice.objects.select_for_update().filter(on_date__in=chunk):
            found[(price.metal, price.fineness, price.on_date, price.currency)] = price
    return found


def export_metal_prices_csv(*, start: date, end: date, currency: str | None = None) -> str:
    """Metal prices for days start..end (inclusive) in the import format, oldest first."""
    rows = MetalPrice.objects.filter(on_date__gte=start, on_date__lte=end).order_by(
        "on_date", "currency", "metal", "fineness"
    )
    if currency:
        rows = rows.filter(Q(currency=currency))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*REQUIRED_COLUMNS, "currency"])
    for price in rows:
        writer.writerow([price.metal, price.fineness, price.on_date.isoformat(), price.price_per_gram, price.currency])
    return out.getvalue()
