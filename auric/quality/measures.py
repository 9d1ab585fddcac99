"""Measured values as inspectors enter them: a value with its unit, checked and put in canonical units.

Each attribute accepts the units an instrument or a person reports it in, converts to the unit it is
stored in (grams, ‰, carats, millimetres) and refuses what no piece of jewellery can measure. Errors
are collected per field so a form or the API can show them all at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from auric.catalog import vocab


@dataclass(frozen=True)
class Quantity:
    canonical_unit: str
    units: Mapping[str, Decimal]  # accepted unit → factor to the canonical unit
    minimum_exclusive: Decimal
    maximum: Decimal
    places: int


QUANTITIES: dict[str, Quantity] = {
    "weight_g": Quantity("g", {"g": Decimal(1), "mg": Decimal("0.001")}, Decimal(0), Decimal(5000), 3),
    # XRF and fire assay report per mille or per cent; a fineness can never exceed pure metal.
    "fineness_permille": Quantity(
        "‰", {"‰": Decimal(1), "permille": Decimal(1), "%": Decimal(10)}, Decimal(0), Decimal(1000), 1
    ),
    "carat": Quantity("ct", {"ct": Decimal(1)}, Decimal(0), Decimal(500), 2),
    "length_mm": Quantity("mm", {"mm": Decimal(1), "cm": Decimal(10)}, Decimal(0), Decimal(1000), 2),
    "width_mm": Quantity("mm", {"mm": Decimal(1), "cm": Decimal(10)}, Decimal(0), Decimal(1000), 2),
    "height_mm": Quantity("mm", {"mm": Decimal(1), "cm": Decimal(10)}, Decimal(0), Decimal(1000), 2),
}
# The names inspectors send (API and forms) for the stored attributes.
INPUT_NAMES = {
    "weight": "weight_g",
    "fineness": "fineness_permille",
    "carat": "carat",
    "length": "length_mm",
    "width": "width_mm",
    "height": "height_mm",
}
GRADES = {"colour": vocab.DIAMOND_COLOURS, "clarity": vocab.DIAMOND_CLARITIES}
MAX_STONES = 5000
DEFECT_KINDS = frozenset(
    {
        "scratch",
        "dent",
        "porosity",
        "chip",
        "crack",
        "loose_stone",
        "missing_stone",
        "broken_clasp",
        "solder_mark",
        "discolouration",
        "plating_wear",
        "other",
    }
)
DEFECT_SEVERITIES = ("minor", "major")
MAX_DEFECTS = 30


@dataclass
class Measured:
    """The values of one reading in canonical units (absent attributes are not in `values`)."""

    values: dict[str, Any] = field(default_factory=dict)
    defects: list[dict[str, str]] = field(default_factory=list)


class MeasurementError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()))
        self.errors = errors


def _quantity(name: str, quantity: Quantity, raw: Any) -> Decimal:
    if not isinstance(raw, Mapping) or set(raw) - {"value", "unit"} or "value" not in raw or "unit" not in raw:
        raise ValueError(f'give {{"value": …, "unit": …}} with the unit, one of {", ".join(quantity.units)}')
    unit = raw["unit"]
    if unit not in quantity.units:
        raise ValueError(f"unit {unit!r} is not a unit of this quantity (use {', '.join(quantity.units)})")
    if isinstance(raw["value"], bool) or not isinstance(raw["value"], str | int | Decimal):
        raise ValueError("the value must be a decimal number written as a string or an integer")
    try:
        value = Decimal(str(raw["value"]).strip())
    except InvalidOperation:
        raise ValueError(f"{raw['value']!r} is not a number") from None
    if not value.is_finite():
        raise ValueError("the value must be a finite number")
    canonical = value * quantity.units[unit]
    if not quantity.minimum_exclusive < canonical <= quantity.maximum:
        raise ValueError(
            f"{value} {unit} is impossible here (more than {quantity.minimum_exclusive} and at most "
            f"{quantity.maximum} {quantity.canonical_unit})"
        )
    exponent = canonical.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > quantity.places:
        raise ValueError(f"at most {quantity.places} decimal places in {quantity.canonical_unit}")
    return canonical.quantize(Decimal(1).scaleb(-quantity.places))


def _defects(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list) or len(raw) > MAX_DEFECTS:
        raise ValueError(f"a list of at most {MAX_DEFECTS} defects")
    defects = []
    for item in raw:
        if not isinstance(item, Mapping) or set(item) - {"kind", "severity", "note"}:
            raise ValueError('each defect is {"kind": …, "severity": "minor" | "major", "note": …}')
        if item.get("kind") not in DEFECT_KINDS:
            raise ValueError(f"unknown defect kind {item.get('kind')!r} (one of {', '.join(sorted(DEFECT_KINDS))})")
        if item.get("severity") not in DEFECT_SEVERITIES:
            raise ValueError("severity is minor or major")
        note = item.get("note", "")
        if not isinstance(note, str) or len(note) > 200 or "\x00" in note:
            raise ValueError("a note is text of at most 200 characters")
        defects.append({"kind": item["kind"], "severity": item["severity"], "note": note})
    return defects


def parse(values: Mapping[str, Any], defects: Any = ()) -> Measured:
    """Check and convert what an inspector entered; raises MeasurementError naming every bad field."""
    errors: dict[str, list[str]] = {}
    measured = Measured()
    for name, raw in values.items():
        if raw is None:
            continue
        try:
            if name in INPUT_NAMES:
                stored = INPUT_NAMES[name]
                measured.values[stored] = _quantity(name, QUANTITIES[stored], raw)
            elif name in GRADES:
                if raw not in GRADES[name]:
                    raise ValueError(f"{raw!r} is not a GIA {name} grade ({GRADES[name][0]}…{GRADES[name][-1]})")
                measured.values[name] = raw
            elif name == "stone_count":
                if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_STONES:
                    raise ValueError(f"a whole number from 0 to {MAX_STONES}")
                measured.values[name] = raw
            else:
                raise ValueError("not a measured attribute")
        except ValueError as error:
            errors.setdefault(name, []).append(str(error))
    try:
        measured.defects = _defects(list(defects) if isinstance(defects, tuple) else defects)
    except ValueError as error:
        errors.setdefault("defects", []).append(str(error))
    if errors:
        raise MeasurementError(errors)
    return measured
