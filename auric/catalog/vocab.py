"""Controlled vocabularies of the jewelry trade, with the rules that tie them together.

Plain Python (no Django) so importers, the API and tests share one source. Sources: GB 11887-2012
with Amendment 1 (fineness marks; rule G1 in shared/COMPLIANCE.md), GIA grading scales and their
GB/T 16554-2017 equivalents (rule G2), GB/T 16552 (naming).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum


class Metal(StrEnum):
    GOLD = "gold"
    PLATINUM = "platinum"
    PALLADIUM = "palladium"
    SILVER = "silver"


METAL_NAMES_ZH = {Metal.GOLD: "金", Metal.PLATINUM: "铂", Metal.PALLADIUM: "钯", Metal.SILVER: "银"}
METAL_NAMES_EN = {Metal.GOLD: "Gold", Metal.PLATINUM: "Platinum", Metal.PALLADIUM: "Palladium", Metal.SILVER: "Silver"}


@dataclass(frozen=True)
class FinenessMark:
    """A GB 11887 mark: a minimum content in per mille, with no negative tolerance."""

    metal: Metal
    permille: int
    mark: str  # what is stamped and printed: 足金, 18K, Pt950, S925
    name_zh: str  # purity + material, the start of a product name: 足金, 18K金, 铂950

    @property
    def code(self) -> str:
        return f"{self.metal.value}-{self.permille}"


FINENESS_MARKS: tuple[FinenessMark, ...] = (
    FinenessMark(Metal.GOLD, 375, "9K", "9K金"),
    FinenessMark(Metal.GOLD, 585, "14K", "14K金"),
    FinenessMark(Metal.GOLD, 750, "18K", "18K金"),
    FinenessMark(Metal.GOLD, 916, "22K", "22K金"),
    FinenessMark(Metal.GOLD, 990, "足金", "足金"),
    FinenessMark(Metal.PLATINUM, 850, "Pt850", "铂850"),
    FinenessMark(Metal.PLATINUM, 900, "Pt900", "铂900"),
    FinenessMark(Metal.PLATINUM, 950, "Pt950", "铂950"),
    FinenessMark(Metal.PLATINUM, 990, "足铂", "足铂"),
    FinenessMark(Metal.PALLADIUM, 500, "Pd500", "钯500"),
    FinenessMark(Metal.PALLADIUM, 950, "Pd950", "钯950"),
    FinenessMark(Metal.PALLADIUM, 990, "足钯", "足钯"),
    FinenessMark(Metal.SILVER, 800, "S800", "银800"),
    FinenessMark(Metal.SILVER, 925, "S925", "银925"),
    FinenessMark(Metal.SILVER, 990, "足银", "足银"),
)
_MARKS = {(m.metal, m.permille): m for m in FINENESS_MARKS}
_MARKS_BY_LABEL = {m.mark: m for m in FINENESS_MARKS}
# Names GB 11887 abolished; refused wherever a label is given.
ABOLISHED_LABELS = frozenset({"千足金", "千足铂", "千足钯", "千足银", "万足金"})


class VocabularyError(ValueError):
    """A value outside a controlled vocabulary, or a combination the standards forbid."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def fineness_choices(metal: Metal | str | None = None) -> list[FinenessMark]:
    return [m for m in FINENESS_MARKS if metal is None or m.metal == Metal(metal)]


def fineness_mark(metal: Metal | str, permille: int) -> FinenessMark:
    try:
        metal = Metal(metal)
    except ValueError as exc:
        raise VocabularyError("metal", f"Unknown metal {metal!r}") from exc
    mark = _MARKS.get((metal, int(permille)))
    if mark is None:
        allowed = ", ".join(str(m.permille) for m in fineness_choices(metal))
        raise VocabularyError("fineness", f"{permille}‰ is not a GB 11887 mark for {metal.value} (allowed: {allowed})")
    return mark


def validate_fineness(
    metal: Metal | str, permille: int, *, label: str | None = None, measured_permille: Decimal | None = None
) -> FinenessMark:
    """Check a metal/fineness pair, an optional printed label and an optional measurement (rule G1).

    The mark is a minimum with no negative tolerance: a measurement below it is refused. A label
    must be the mark of that fineness, so "足金" on a 750‰ piece is refused.
    """
    mark = fineness_mark(metal, permille)
    if label is not None and label != "":
        if label in ABOLISHED_LABELS:
            raise VocabularyError("label", f"“{label}” was abolished by GB 11887; use “{mark.mark}”")
        labelled = _MARKS_BY_LABEL.get(label)
        if labelled is None:
            raise VocabularyError("label", f"“{label}” is not a GB 11887 fineness mark")
        if labelled is not mark:
            raise VocabularyError(
                "label",
                f"“{label}” means {labelled.metal.value} ≥ {labelled.permille}‰, not {mark.metal.value} {mark.permille}‰",
            )
    if measured_permille is not None:
        if measured_permille < mark.permille:
            raise VocabularyError(
                "measured_fineness",
                f"Measured {measured_permille}‰ is below the {mark.mark} minimum of {mark.permille}‰ (no negative tolerance)",
            )
        if measured_permille > 1000:
            raise VocabularyError("measured_fineness", "Fineness cannot exceed 1000‰")
    return mark


# --- Gemstones ------------------------------------------------------------------------------
class GemKind(StrEnum):
    DIAMOND = "diamond"
    RUBY = "ruby"
    SAPPHIRE = "sapphire"
    EMERALD = "emerald"
    JADEITE = "jadeite"  # 翡翠
    NEPHRITE = "nephrite"  # 和田玉
    PEARL = "pearl"


GEM_NAMES_ZH = {
    GemKind.DIAMOND: "钻石",
    GemKind.RUBY: "红宝石",
    GemKind.SAPPHIRE: "蓝宝石",
    GemKind.EMERALD: "祖母绿",
    GemKind.JADEITE: "翡翠",
    GemKind.NEPHRITE: "和田玉",
    GemKind.PEARL: "珍珠",
}


class GemOrigin(StrEnum):
    NATURAL = "natural"
    LAB_GROWN = "lab_grown"  # 实验室培育; GB/T 16552 requires the name to say so


# GIA colour D–Z; GB/T 16554 names D…N and groups everything below N as "<N".
DIAMOND_COLOURS = tuple("DEFGHIJKLMNOPQRSTUVWXYZ")
_GB_COLOUR_NUMBER = {c: 100 - i for i, c in enumerate("DEFGHIJKLMN")}


def gb_colour(gia_colour: str) -> str:
    """GB/T 16554 colour for a GIA colour: D→D(100) … N→N(90), O–Z → <N."""
    if gia_colour not in DIAMOND_COLOURS:
        raise VocabularyError("colour", f"{gia_colour!r} is not a GIA colour grade (D–Z)")
    if gia_colour in _GB_COLOUR_NUMBER:
        return f"{gia_colour}({_GB_COLOUR_NUMBER[gia_colour]})"
    return "<N"


# GIA clarity FL…I3 and the GB/T 16554 grade: FL and IF are both LC (镜下无瑕) — GB subdivides LC
# into FL and IF — and I1–I3 are P1–P3.
DIAMOND_CLARITIES = ("FL", "IF", "VVS1", "VVS2", "VS1", "VS2", "SI1", "SI2", "I1", "I2", "I3")
_GB_CLARITY = {"FL": "LC(FL)", "IF": "LC(IF)", "I1": "P1", "I2": "P2", "I3": "P3"}


def gb_clarity(gia_clarity: str) -> str:
    if gia_clarity not in DIAMOND_CLARITIES:
        raise VocabularyError("clarity", f"{gia_clarity!r} is not a GIA clarity grade (FL…I3)")
    return _GB_CLARITY.get(gia_clarity, gia_clarity)


# Cut, polish and symmetry: GIA words and GB/T 16554 (极好 EX, 很好 VG, 好 G, 一般 F, 差 P).
FINISH_GRADES = ("EX", "VG", "G", "F", "P")
FINISH_NAMES = {
    "EX": ("Excellent", "极好"),
    "VG": ("Very Good", "很好"),
    "G": ("Good", "好"),
    "F": ("Fair", "一般"),
    "P": ("Poor", "差"),
}
# Fluorescence: GIA has five steps, GB/T 16554 four (无 N, 弱 F, 中 M, 强 S); very strong is 强.
FLUORESCENCE = ("N", "F", "M", "S", "VS")
FLUORESCENCE_NAMES = {
    "N": ("None", "无"),
    "F": ("Faint", "弱"),
    "M": ("Medium", "中"),
    "S": ("Strong", "强"),
    "VS": ("Very Strong", "强"),
}

# Laboratory-grown diamonds: GIA's reports since 2025 give a descriptive grade instead of the
# D–Z / FL–I3 scales; other labs (IGI, NGTC) still grade them on the 4C scales.
LAB_GROWN_GRADES = ("premium", "standard")
LAB_GROWN_GRADE_NAMES = {"premium": ("Premium", "优选"), "standard": ("Standard", "标准")}

JADEITE_TREATMENTS = ("A", "B", "C", "B+C")  # A货 natural; B bleached+filled; C dyed
PEARL_TYPES = ("akoya", "south_sea", "tahitian", "freshwater")


class Lab(StrEnum):
    GIA = "GIA"
    NGTC = "NGTC"  # 国家珠宝玉石质量监督检验中心
    IGI = "IGI"
    HRD = "HRD"
    NJQSIC = "NJQSIC"  # 国家首饰质量检验检测中心
    GTC = "GTC"  # 广东省珠宝玉石及贵金属检测中心


CARAT_QUANT = Decimal("0.01")
WEIGHT_QUANT = Decimal("0.001")
MAX_PIECE_WEIGHT_G = Decimal("5000.000")
MAX_STONE_CARAT = Decimal("500.00")


@dataclass(frozen=True)
class StoneGrades:
    kind: GemKind
    origin: GemOrigin
    carat: Decimal
    colour: str = ""
    clarity: str = ""
    cut: str = ""
    polish: str = ""
    symmetry: str = ""
    fluorescence: str = ""
    lab_grown_grade: str = ""
    treatment: str = ""


# Gems a laboratory can grow and GB/T 16552 names (培育钻石, 合成红宝石 …); there is no
# laboratory-grown jade or pearl (cultured pearls are natural-origin 珍珠).
LAB_GROWN_KINDS = frozenset({GemKind.DIAMOND, GemKind.RUBY, GemKind.SAPPHIRE, GemKind.EMERALD})


def validate_weight_g(value: Decimal | int | str, *, field: str = "weight_g") -> Decimal:
    """A piece weight in grams: above 0, at most 3 decimals, at most MAX_PIECE_WEIGHT_G."""
    if isinstance(value, float):
        raise VocabularyError(field, "Weights are decimals, never floats")
    try:
        weight = Decimal(value)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise VocabularyError(field, f"{value!r} is not a weight in grams") from exc
    if not weight.is_finite():
        raise VocabularyError(field, f"{value!r} is not a weight in grams")
    if weight <= 0:
        raise VocabularyError(field, "Weight must be above 0 g")
    if weight > MAX_PIECE_WEIGHT_G:
        raise VocabularyError(field, f"Weight must be at most {MAX_PIECE_WEIGHT_G} g")
    if weight != weight.quantize(WEIGHT_QUANT, rounding=ROUND_DOWN):
        raise VocabularyError(field, "Weight has at most 3 decimals (0.001 g)")
    return weight


def validate_stone(grades: StoneGrades) -> None:
    """Refuse grades outside the scales, and grades that do not apply to the stone."""
    if not isinstance(grades.carat, Decimal) or not grades.carat.is_finite():
        raise VocabularyError("carat", "Carat must be a decimal number")
    if grades.origin == GemOrigin.LAB_GROWN and grades.kind not in LAB_GROWN_KINDS:
        raise VocabularyError("origin", f"There is no laboratory-grown {grades.kind.value}")
    if not (Decimal("0") < grades.carat <= MAX_STONE_CARAT):
        raise VocabularyError("carat", f"Carat must be above 0 and at most {MAX_STONE_CARAT}")
    if grades.carat != grades.carat.quantize(CARAT_QUANT):
        raise VocabularyError("carat", "Carat has at most 2 decimals")
    diamond_only = {"colour": grades.colour, "clarity": grades.clarity, "fluorescence": grades.fluorescence}
    if grades.kind != GemKind.DIAMOND:
        for name, value in {**diamond_only, "lab_grown_grade": grades.lab_grown_grade}.items():
            if value:
                raise VocabularyError(name, f"{name} grades apply to diamonds, not {grades.kind.value}")
    if grades.treatment and grades.kind != GemKind.JADEITE:
        raise VocabularyError("treatment", "A/B/C treatment grades apply to jadeite only")
    if grades.kind == GemKind.JADEITE and grades.treatment and grades.treatment not in JADEITE_TREATMENTS:
        raise VocabularyError("treatment", f"Jadeite treatment must be one of {', '.join(JADEITE_TREATMENTS)}")
    if grades.colour:
        gb_colour(grades.colour)
    if grades.clarity:
        gb_clarity(grades.clarity)
    for name in ("cut", "polish", "symmetry"):
        value = getattr(grades, name)
        if value and value not in FINISH_GRADES:
            raise VocabularyError(name, f"{name} must be one of {', '.join(FINISH_GRADES)}")
    if grades.fluorescence and grades.fluorescence not in FLUORESCENCE:
        raise VocabularyError("fluorescence", f"Fluorescence must be one of {', '.join(FLUORESCENCE)}")
    if grades.lab_grown_grade:
        if grades.origin != GemOrigin.LAB_GROWN:
            raise VocabularyError("lab_grown_grade", "A lab-grown grade applies to laboratory-grown diamonds only")
        if grades.lab_grown_grade not in LAB_GROWN_GRADES:
            raise VocabularyError("lab_grown_grade", f"Lab-grown grade must be one of {', '.join(LAB_GROWN_GRADES)}")
        if grades.colour or grades.clarity:
            raise VocabularyError("lab_grown_grade", "A descriptive lab-grown grade replaces colour and clarity grades")


def gem_name_zh(kind: GemKind, origin: GemOrigin) -> str:
    """GB/T 16552 name: laboratory-grown diamonds are 培育钻石, other laboratory-made gems 合成…"""
    name = GEM_NAMES_ZH[GemKind(kind)]
    if GemOrigin(origin) != GemOrigin.LAB_GROWN:
        return name
    return f"培育{name}" if kind == GemKind.DIAMOND else f"合成{name}"


# Craft tags (工艺) are a closed list; the catalog seeds them and refuses others.
CRAFTS: dict[str, tuple[str, str]] = {
    "gufa": ("古法黄金", "Ancient-method gold"),
    "yingjin": ("硬金", "Hard gold"),
    "5g": ("5G黄金", "5G gold"),
    "xiangqian": ("镶嵌", "Stone setting"),
    "falang": ("珐琅", "Enamel"),
    "huasi": ("花丝", "Filigree"),
    "zanhua": ("錾花", "Chasing"),
    "diancui": ("点翠", "Kingfisher-feather inlay"),
    "loukong": ("镂空", "Openwork"),
}
