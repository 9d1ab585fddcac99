"""What an inspection checks: which values a piece needs, when two readings agree, and the verdict.

Core values (fineness, main-stone carat and clarity) are read twice, by instrument and by an
independent person, and must agree within the reading tolerances; the verified values are then
compared with what the piece declares, within the declared tolerances, and the fineness with its
GB 11887 mark (a minimum with no negative tolerance: rule G1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from auric.catalog import vocab
from auric.catalog.models import Piece

# Defaults (docs/quality.md); the Tolerance table overrides them per attribute and weight band.
# attribute → against → [(up_to_weight_g or None, ±)]
DEFAULT_TOLERANCES: dict[str, dict[str, list[tuple[Decimal | None, Decimal]]]] = {
    "weight_g": {
        "declared": [(Decimal(10), Decimal("0.01")), (Decimal(50), Decimal("0.02")), (None, Decimal("0.05"))],
        "reading": [(Decimal(10), Decimal("0.01")), (Decimal(50), Decimal("0.02")), (None, Decimal("0.05"))],
    },
    "fineness_permille": {"declared": [(None, Decimal("2.0"))], "reading": [(None, Decimal("3.0"))]},
    "carat": {"declared": [(None, Decimal("0.01"))], "reading": [(None, Decimal("0.01"))]},
    "colour": {"declared": [(None, Decimal(0))], "reading": [(None, Decimal(0))]},
    "clarity": {"declared": [(None, Decimal(0))], "reading": [(None, Decimal(0))]},
}
GRADE_SCALES = {"colour": vocab.DIAMOND_COLOURS, "clarity": vocab.DIAMOND_CLARITIES}


class Tolerances:
    """Tolerance lookup over rows (attribute, against, up_to_weight_g, plus_minus), defaults beneath."""

    def __init__(self, rows: list[tuple[str, str, Decimal | None, Decimal]] = ()):  # type: ignore[assignment]
        self._bands: dict[tuple[str, str], list[tuple[Decimal | None, Decimal]]] = {}
        for attribute, against, up_to, plus_minus in rows:
            self._bands.setdefault((attribute, against), []).append((up_to, plus_minus))
        for bands in self._bands.values():
            bands.sort(key=lambda band: (band[0] is None, band[0] or 0))

    def get(self, attribute: str, against: str, weight_g: Decimal | None = None) -> Decimal:
        bands = self._bands.get((attribute, against)) or DEFAULT_TOLERANCES[attribute][against]
        for up_to, plus_minus in bands:
            if up_to is None or weight_g is None or weight_g <= up_to:
                return plus_minus
        return bands[-1][1]


@dataclass(frozen=True)
class Declared:
    """What the piece declares, in the units readings are stored in."""

    weight_g: Decimal
    metal: str
    fineness_mark: int | None
    measured_fineness: Decimal | None
    main_stone_kind: str | None
    carat: Decimal | None
    colour: str
    clarity: str
    stone_count: int

    def core(self) -> tuple[str, ...]:
        """The values read twice, independently (instrument and person)."""
        names = []
        if self.fineness_mark:
            names.append("fineness_permille")
        if self.carat is not None:
            names.append("carat")
        if self.clarity:
            names.append("clarity")
        return tuple(names)

    def required(self) -> tuple[str, ...]:
        """The values the first (instrument) reading must bring."""
        names = ["weight_g", *self.core()]
        if self.colour:
            names.append("colour")
        if self.stone_count:
            names.append("stone_count")
        return tuple(dict.fromkeys(names))


def declared(piece: Piece) -> Declared:
    stones = list(piece.stones.all())
    main = next((stone for stone in stones if stone.is_main), stones[0] if stones else None)
    graded = main is not None and main.kind == vocab.GemKind.DIAMOND
    return Declared(
        weight_g=piece.weight_g,
        metal=piece.variant.metal,
        fineness_mark=piece.variant.fineness,
        measured_fineness=piece.measured_fineness,
        main_stone_kind=main.kind if main else None,
        carat=main.carat if main else None,
        colour=main.colour if graded and main and main.colour in vocab.DIAMOND_COLOURS else "",
        clarity=main.clarity if graded and main and main.clarity in vocab.DIAMOND_CLARITIES else "",
        stone_count=sum(stone.count for stone in stones),
    )


def _steps(attribute: str, a: str, b: str) -> int:
    scale = GRADE_SCALES[attribute]
    return scale.index(a) - scale.index(b)


def disagreements(
    first: Mapping[str, Any], second: Mapping[str, Any], names: tuple[str, ...], tolerances: Tolerances, weight: Decimal
) -> list[str]:
    """The core values on which two independent readings differ by more than the reading tolerance."""
    differing = []
    for name in names:
        a, b = first.get(name), second.get(name)
        if a is None or b is None:
            continue
        allowed = tolerances.get(name, "reading", weight)
        if name in GRADE_SCALES:
            if abs(_steps(name, a, b)) > allowed:
                differing.append(name)
        elif abs(Decimal(a) - Decimal(b)) > allowed:
            differing.append(name)
    return differing


def verdict(
    declared_values: Declared, verified: Mapping[str, Any], defects: list[dict[str, str]], tolerances: Tolerances
) -> list[dict[str, str]]:
    """Reasons to fail (empty: pass). Each reason has a stable code and a sentence for people."""
    reasons: list[dict[str, str]] = []
    d = declared_values

    def fail(code: str, text: str) -> None:
        reasons.append({"code": code, "detail": text})

    weight = verified.get("weight_g")
    if weight is not None:
        allowed = tolerances.get("weight_g", "declared", d.weight_g)
        if abs(weight - d.weight_g) > allowed:
            fail("weight", f"Weight {weight} g differs from the declared {d.weight_g} g by more than ±{allowed} g")
    fineness = verified.get("fineness_permille")
    if fineness is not None and d.fineness_mark:
        try:
            vocab.validate_fineness(d.metal, d.fineness_mark, measured_permille=fineness)
        except vocab.VocabularyError as error:
            fail("fineness_below_mark", f"{error.message} (GB 11887)")
        if d.measured_fineness is not None:
            allowed = tolerances.get("fineness_permille", "declared")
            if fineness < d.measured_fineness - allowed:
                fail(
                    "fineness",
                    f"Fineness {fineness}‰ is below the declared {d.measured_fineness}‰ by more than {allowed}‰",
                )
    carat = verified.get("carat")
    if carat is not None and d.carat is not None:
        allowed = tolerances.get("carat", "declared")
        if abs(carat - d.carat) > allowed:
            fail("carat", f"Main stone {carat} ct differs from the declared {d.carat} ct by more than ±{allowed} ct")
    for name, declared_grade in (("colour", d.colour), ("clarity", d.clarity)):
        measured = verified.get(name)
        if measured and declared_grade:
            allowed = tolerances.get(name, "declared")
            # A grade lower on the scale than declared misleads the buyer; a better one does not.
            if _steps(name, measured, declared_grade) > allowed:
                fail(name, f"{name.capitalize()} {measured} is below the declared {declared_grade}")
    count = verified.get("stone_count")
    if count is not None and count != d.stone_count:
        fail("stone_count", f"{count} stones counted, {d.stone_count} declared")
    for defect in defects:
        if defect["severity"] == "major":
            fail("defect", f"Major defect: {defect['kind'].replace('_', ' ')}")
    return reasons
