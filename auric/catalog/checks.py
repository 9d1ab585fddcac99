"""Checks shared by the catalog services: values (money, weights, codes, text), titles against
fineness marks (rule G1), stones (rule G2) and lab reports.

Each check records its refusals in an `Errors` collector instead of raising, so one call reports
every bad field at once; the service raises `ValidationFailed` before it writes anything.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from auric.catalog import naming, vocab
from auric.catalog.models import Certificate, Stone, Variant
from auric.core.errors import ValidationFailed

MAX_AMOUNT = Decimal("999999999999.99")  # money_field(): 14 digits, 2 decimals
MONEY_QUANT = Decimal("0.01")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
REPORT_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]*$")
MAX_STONE_COUNT = 999
MAX_CERTIFICATE_GRADES_BYTES = 10_000


@dataclass(frozen=True)
class StoneInput:
    kind: str
    carat: Decimal
    origin: str = vocab.GemOrigin.NATURAL.value
    is_main: bool = True
    count: int = 1
    colour: str = ""
    clarity: str = ""
    cut: str = ""
    polish: str = ""
    symmetry: str = ""
    fluorescence: str = ""
    lab_grown_grade: str = ""
    treatment: str = ""


@dataclass(frozen=True)
class CertificateInput:
    lab: str
    report_number: str
    issued_on: date
    grades: dict[str, Any] = field(default_factory=dict)
    grading_system: str = ""
    measurements: str = ""
    report_sha256: str = ""


class Errors:
    """Collects every refusal of one call, so the caller sees all of them at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = defaultdict(list)

    def add(self, name: str, message: str) -> None:
        if message not in self.by_field[name]:
            self.by_field[name].append(message)

    def vocabulary(self, exc: vocab.VocabularyError, prefix: str = "") -> None:
        self.add(f"{prefix}{exc.field}", exc.message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self, detail: str) -> None:
        if self.by_field:
            raise ValidationFailed(detail, errors=dict(self.by_field))


# --- value checks shared by the use cases ---------------------------------------------------
def as_decimal(value: Any, name: str, errors: Errors, noun: str) -> Decimal | None:
    if isinstance(value, (float, bool)):
        errors.add(name, f"{noun.capitalize()} must be a decimal, never a float")
        return None
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        errors.add(name, f"{value!r} is not a {noun}")
        return None
    if not result.is_finite():
        errors.add(name, f"{value!r} is not a {noun}")
        return None
    return result


def as_money(value: Any, name: str, errors: Errors, *, required: bool = False) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors.add(name, "An amount is required")
        return None
    amount = as_decimal(value, name, errors, "amount")
    if amount is None:
        return None
    if amount < 0:
        errors.add(name, "An amount cannot be negative")
    elif amount > MAX_AMOUNT:
        errors.add(name, f"An amount cannot exceed {MAX_AMOUNT}")
    elif amount != amount.quantize(MONEY_QUANT):
        errors.add(name, "An amount has at most 2 decimals")
    else:
        return amount.quantize(MONEY_QUANT)
    return None


def as_weight(value: Any, name: str, errors: Errors, *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors.add(name, "A weight in grams is required")
        return None
    try:
        return vocab.validate_weight_g(value, field=name)
    except vocab.VocabularyError as exc:
        errors.vocabulary(exc)
        return None


def as_text(value: Any, name: str, errors: Errors, *, max_length: int, required: bool = False) -> str:
    if not isinstance(value, str):
        errors.add(name, "Text is required" if value is None else "Must be text")
        return ""
    text = value.strip()
    if required and not text:
        errors.add(name, "This field is required")
    if len(text) > max_length:
        errors.add(name, f"At most {max_length} characters")
    return text


def as_code(value: Any, name: str, errors: Errors, *, max_length: int) -> str:
    text = as_text(value, name, errors, max_length=max_length, required=True)
    if text and not CODE_RE.match(text):
        errors.add(name, "Use letters, digits, '.', '-' and '_' only, starting with a letter or digit")
    return text


def as_choice(value: Any, name: str, errors: Errors, choices: Iterable[str], noun: str) -> str:
    allowed = [str(c) for c in choices]
    if value not in allowed:
        errors.add(name, f"Unknown {noun} {value!r} (allowed: {', '.join(allowed)})")
        return ""
    return str(value)


def check_title(text: str, name: str, errors: Errors) -> None:
    try:
        naming.check_title(text, field=name)
    except vocab.VocabularyError as exc:
        errors.vocabulary(exc)


def title_marks(values: Mapping[str, Any]) -> list[vocab.FinenessMark]:
    marks = naming.fineness_marks_in(values.get("title", "") or "")
    for mark in naming.fineness_marks_in(values.get("title_en", "") or ""):
        if mark not in marks:
            marks.append(mark)
    return marks


def mark_mismatch(marks: Sequence[vocab.FinenessMark], metal: str, fineness: int | None, what: str) -> str | None:
    """Rule G1: a mark stated in the title must be the variant's own mark (no 足金 on 750‰)."""
    if not marks:
        return None
    stated = "/".join(m.mark for m in marks)
    if not metal or fineness is None:
        return f"The title states {stated} but {what} has no metal and fineness"
    try:
        own = vocab.fineness_mark(metal, fineness)
    except vocab.VocabularyError:
        return None  # reported by the fineness check itself
    if own not in marks:
        return f"The title states {stated} but {what} is {own.metal.value} {own.permille}‰ ({own.mark})"
    return None


def check_stones(stones: Sequence[StoneInput], errors: Errors) -> list[Stone]:
    rows: list[Stone] = []
    if sum(1 for s in stones if s.is_main) > 1:
        errors.add("stones", "A piece has at most one main stone entry (use count for a matched pair)")
    for index, stone in enumerate(stones):
        prefix = f"stones.{index}."
        if not isinstance(stone, StoneInput):
            errors.add(f"stones.{index}", "Must be a StoneInput")
            continue
        try:
            kind = vocab.GemKind(stone.kind)
        except ValueError:
            errors.add(f"{prefix}kind", f"Unknown gem {stone.kind!r} (allowed: {', '.join(vocab.GemKind)})")
            continue
        try:
            origin = vocab.GemOrigin(stone.origin)
        except ValueError:
            errors.add(f"{prefix}origin", f"Unknown origin {stone.origin!r} (allowed: {', '.join(vocab.GemOrigin)})")
            continue
        if isinstance(stone.count, bool) or not isinstance(stone.count, int) or not 1 <= stone.count <= MAX_STONE_COUNT:
            errors.add(f"{prefix}count", f"Count must be a whole number from 1 to {MAX_STONE_COUNT}")
        carat = as_decimal(stone.carat, f"{prefix}carat", errors, "carat weight")
        if carat is None:
            continue
        grades = vocab.StoneGrades(
            kind=kind,
            origin=origin,
            carat=carat,
            colour=stone.colour,
            clarity=stone.clarity,
            cut=stone.cut,
            polish=stone.polish,
            symmetry=stone.symmetry,
            fluorescence=stone.fluorescence,
            lab_grown_grade=stone.lab_grown_grade,
            treatment=stone.treatment,
        )
        try:
            vocab.validate_stone(grades)
        except vocab.VocabularyError as exc:
            errors.vocabulary(exc, prefix)
            continue
        rows.append(
            Stone(
                is_main=bool(stone.is_main),
                kind=kind.value,
                origin=origin.value,
                count=stone.count,
                carat=carat,
                colour=stone.colour,
                clarity=stone.clarity,
                cut=stone.cut,
                polish=stone.polish,
                symmetry=stone.symmetry,
                fluorescence=stone.fluorescence,
                lab_grown_grade=stone.lab_grown_grade,
                treatment=stone.treatment,
            )
        )
    return rows


def check_certificate(certificate: CertificateInput, main: Stone | None, errors: Errors) -> Certificate | None:
    if not isinstance(certificate, CertificateInput):
        errors.add("certificate", "Must be a CertificateInput")
        return None
    if certificate.lab not in vocab.Lab.__members__.values():
        errors.add("certificate.lab", f"Unknown lab {certificate.lab!r} (allowed: {', '.join(vocab.Lab)})")
    number = as_text(certificate.report_number, "certificate.report_number", errors, max_length=40, required=True)
    if number and not REPORT_NUMBER_RE.match(number):
        errors.add("certificate.report_number", "Use letters, digits, '-' and '/' only")
    issued_on = certificate.issued_on
    if not isinstance(issued_on, date):
        errors.add("certificate.issued_on", "An issue date is required")
    elif issued_on > timezone.localdate():
        errors.add("certificate.issued_on", "A report cannot be issued in the future")
    grades = certificate.grades
    if not isinstance(grades, dict):
        errors.add("certificate.grades", "Grades are a mapping of names to values")
    else:
        try:
            encoded = json.dumps(grades, ensure_ascii=False)
        except (TypeError, ValueError):
            errors.add("certificate.grades", "Grades must be plain JSON values")
        else:
            if len(encoded.encode()) > MAX_CERTIFICATE_GRADES_BYTES:
                errors.add("certificate.grades", "Grades are too large")
        check_grades_match_stone(grades, main, errors)
    known_lab = certificate.lab in vocab.Lab.__members__.values()
    if number and known_lab and Certificate.objects.filter(lab=certificate.lab, report_number=number).exists():
        errors.add("certificate.report_number", f"{certificate.lab} report {number} is registered already")
    if certificate.report_sha256 and not re.fullmatch(r"[0-9a-f]{64}", certificate.report_sha256):
        errors.add("certificate.report_sha256", "The report's SHA-256 is 64 lower-case hex digits")
    if len(certificate.grading_system) > 60 or len(certificate.measurements) > 80:
        errors.add("certificate", "Grading system or measurements too long")
    if errors:
        return None
    return Certificate(
        lab=certificate.lab,
        report_number=number,
        issued_on=issued_on,
        grades=grades,
        grading_system=certificate.grading_system,
        measurements=certificate.measurements,
        report_sha256=certificate.report_sha256,
    )


def check_grades_match_stone(grades: Mapping[str, Any], main: Stone | None, errors: Errors) -> None:
    """A report's stated colour, clarity and carat must be those of the main stone it certifies."""
    if main is None:
        return
    for key, own in (("colour", main.colour), ("clarity", main.clarity)):
        stated = grades.get(key, grades.get("color") if key == "colour" else None)
        if stated and own and str(stated) != own:
            errors.add(f"certificate.grades.{key}", f"The report says {stated}, the main stone is {own}")
    if "carat" in grades:
        try:
            stated_carat = Decimal(str(grades["carat"]))
        except ArithmeticError:
            errors.add("certificate.grades.carat", "Not a carat weight")
            return
        if stated_carat != main.carat:
            errors.add(
                "certificate.grades.carat", f"The report says {stated_carat} ct, the main stone is {main.carat} ct"
            )


def check_measured_fineness(value: Any, variant: Variant, errors: Errors) -> Decimal | None:
    if value is None or value == "":
        return None
    measured = as_decimal(value, "measured_fineness", errors, "fineness")
    if measured is None:
        return None
    if measured != measured.quantize(Decimal("0.1")) or measured < 0:
        errors.add("measured_fineness", "A measured fineness is in ‰ with at most 1 decimal")
        return None
    if not variant.metal or variant.fineness is None:
        errors.add("measured_fineness", f"Variant {variant.sku} has no metal mark to measure against")
        return None
    try:
        vocab.validate_fineness(variant.metal, variant.fineness, measured_permille=measured)
    except vocab.VocabularyError as exc:
        errors.vocabulary(exc)
        return None
    return measured
