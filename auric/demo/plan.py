"""A deterministic plan of the demo catalog: every style, variant, piece, stone and certificate.

`build_plan(styles=…, seed=…)` turns the tables in `auric.demo.data` into plain dataclasses with a
seeded `random.Random`, so the same seed gives the same catalog. Grades and finenesses are checked
against `auric.catalog.vocab` here already, so neither writer can produce a row the services would
refuse. Nothing here touches the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from auric.catalog import vocab
from auric.demo import data

TWO = Decimal("0.01")
THREE = Decimal("0.001")


@dataclass
class StonePlan:
    kind: str
    carat: Decimal
    origin: str = "natural"
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


@dataclass
class CertificatePlan:
    lab: str
    report_number: str
    issued_on: date
    grades: dict[str, str]


@dataclass
class PiecePlan:
    serial_number: str
    tag_code: str
    weight_g: Decimal
    cost: Decimal
    location: str
    measured_fineness: Decimal | None = None
    fixed_price: Decimal | None = None
    stones: list[StonePlan] = field(default_factory=list)
    certificate: CertificatePlan | None = None


@dataclass
class VariantPlan:
    sku: str
    metal: str
    fineness: int | None
    size: str
    is_serialized: bool = True
    fixed_price: Decimal | None = None
    unit_weight_g: Decimal | None = None
    pieces: list[PiecePlan] = field(default_factory=list)
    quantities: dict[str, int] = field(default_factory=dict)


@dataclass
class FlashPlan:
    label: str
    percent_off: Decimal | None
    price: Decimal | None
    starts_days: int  # relative to now
    ends_days: int


@dataclass
class StylePlan:
    family: str
    code: str
    slug: str
    title: str
    title_en: str
    description: str
    description_en: str
    category: str
    collection: str | None
    pricing_mode: str
    labour_fee: Decimal
    labour_basis: str
    fixed_price: Decimal | None
    list_price: Decimal | None
    craft_codes: tuple[str, ...]
    theme_tags: tuple[str, ...]
    popularity: int
    published_days_ago: int
    shape: str
    material: str
    variants: list[VariantPlan] = field(default_factory=list)
    flash: FlashPlan | None = None
    spin: bool = False
    model3d: bool = False


@dataclass
class CatalogPlan:
    seed: int
    styles: list[StylePlan]

    @property
    def pieces(self) -> list[PiecePlan]:
        return [p for s in self.styles for v in s.variants for p in v.pieces]


# --- Diamond grading distributions --------------------------------------------------------------
NATURAL_CARATS = (
    (0.30, 0.39, 25),
    (0.40, 0.49, 15),
    (0.50, 0.59, 20),
    (0.60, 0.79, 12),
    (0.90, 1.09, 18),
    (1.10, 1.49, 7),
    (1.50, 2.10, 3),
)
LAB_CARATS = ((0.50, 0.79, 15), (0.90, 1.19, 35), (1.20, 1.79, 20), (1.90, 2.20, 22), (2.90, 3.10, 8))
COLOURS = (("D", 4), ("E", 8), ("F", 15), ("G", 22), ("H", 22), ("I", 15), ("J", 9), ("K", 5))
LAB_COLOURS = (("D", 25), ("E", 35), ("F", 30), ("G", 10))
CLARITIES = (("IF", 2), ("VVS1", 8), ("VVS2", 14), ("VS1", 24), ("VS2", 24), ("SI1", 20), ("SI2", 8))
LAB_CLARITIES = (("VVS1", 30), ("VVS2", 35), ("VS1", 25), ("VS2", 10))
FINISH = (("EX", 80), ("VG", 18), ("G", 2))
FLUOR = (("N", 65), ("F", 20), ("M", 10), ("S", 5))
PER_CARAT = ((0.5, 17500), (0.7, 27000), (0.9, 35000), (1.0, 44000), (1.5, 76000), (2.0, 98000), (9.9, 142000))
COLOUR_FACTOR = {"D": 1.45, "E": 1.3, "F": 1.18, "G": 1.0, "H": 0.88, "I": 0.76, "J": 0.66, "K": 0.58}
CLARITY_FACTOR = {"IF": 1.4, "VVS1": 1.25, "VVS2": 1.15, "VS1": 1.0, "VS2": 0.92, "SI1": 0.8, "SI2": 0.68}
MATERIAL = {"gold": "gold", "platinum": "platinum", "silver": "silver"}


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _dec(value: float, quant: Decimal = TWO) -> Decimal:
    return Decimal(str(value)).quantize(quant, rounding=ROUND_HALF_UP)


def _retail(value: float) -> Decimal:
    """A shop price: rounded up to end in 9 (…99 above ¥1,000)."""
    step = 100 if value >= 1000 else 10
    return Decimal(int(value // step) * step + step - 1)


class _Ids:
    """Unique serials, tags and report numbers drawn from the plan's random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.serial = 0
        self.seen: set[str] = set()

    def unique(self, make: object) -> str:
        while True:
            value = make() if callable(make) else str(make)
            if value not in self.seen:
                self.seen.add(value)
                return value

    def serial_number(self, prefix: str) -> str:
        self.serial += 1
        return f"26{prefix}{self.serial:07d}"

    def tag(self) -> str:
        return self.unique(lambda: f"QR{self.rng.getrandbits(56):014X}")

    def report(self, lab: str, lab_grown: bool) -> str:
        r = self.rng
        makers = {
            "GIA": lambda: str(r.randint(1_100_000_000, 7_499_999_999)),
            "IGI": lambda: f"{'LG' if lab_grown else ''}{r.randint(500_000_000, 699_999_999)}",
            "NGTC": lambda: f"2026{r.randint(10_000_000, 99_999_999)}",
            "NJQSIC": lambda: f"NJ{r.randint(1_000_000_000, 9_999_999_999)}",
            "GTC": lambda: f"GTC{r.randint(100_000_000, 999_999_999)}",
        }
        return self.unique(lambda: f"{lab}:{makers[lab]()}").split(":", 1)[1]


def _diamond(
    rng: random.Random, ids: _Ids, *, lab_grown: bool, studs: bool, today: date
) -> tuple[StonePlan, CertificatePlan, float]:
    """A graded main stone, its report and its stone value in CNY."""
    table: tuple[tuple[float, float, int], ...] = LAB_CARATS if lab_grown else NATURAL_CARATS
    if studs:
        table = ((0.20, 0.29, 40), (0.30, 0.49, 40), (0.50, 0.70, 20))
    lo, hi, _ = rng.choices(table, weights=[w for *_, w in table])[0]
    carat = _dec(rng.uniform(lo, hi))
    origin = "lab_grown" if lab_grown else "natural"
    cut, polish, symmetry = (_weighted(rng, FINISH) for _ in range(3))
    fluor = _weighted(rng, FLUOR)
    colour = _weighted(rng, LAB_COLOURS if lab_grown else COLOURS)
    clarity = _weighted(rng, LAB_CLARITIES if lab_grown else CLARITIES)
    grade = ""
    if lab_grown:
        lab = rng.choices(["IGI", "GIA", "NGTC"], weights=[60, 25, 15])[0]
        if lab == "GIA":  # GIA's lab-grown reports give a descriptive grade instead of colour/clarity
            grade = "premium" if colour in "DE" and clarity.startswith("VVS") else "standard"
            colour = clarity = ""
    elif float(carat) >= 0.5:
        lab = rng.choices(["GIA", "NGTC", "IGI"], weights=[60, 32, 8])[0]
    else:
        lab = rng.choices(["NGTC", "GIA", "NJQSIC"], weights=[70, 20, 10])[0]
    stone = StonePlan(
        "diamond", carat, origin, True, 2 if studs else 1, colour, clarity, cut, polish, symmetry, fluor, grade
    )
    per_carat = next(p for limit, p in PER_CARAT if float(carat) < limit)
    if lab_grown:
        value = float(carat) * rng.uniform(2600, 5200) * (1.15 if grade == "premium" or colour == "D" else 1.0)
    else:
        value = (
            float(carat) * per_carat * COLOUR_FACTOR[colour] * CLARITY_FACTOR[clarity] * (0.88 if cut != "EX" else 1.0)
        )
    if studs:
        value *= 1.9
    grades = {"carat": str(carat), "cut": cut, "polish": polish, "symmetry": symmetry, "fluorescence": fluor}
    if colour:
        grades.update(
            colour=colour, clarity=clarity, colour_gb=vocab.gb_colour(colour), clarity_gb=vocab.gb_clarity(clarity)
        )
    if grade:
        grades["lab_grown_grade"] = grade
    if lab_grown:
        grades["origin"] = "laboratory-grown"
    cert = CertificatePlan(lab, ids.report(lab, lab_grown), today - timedelta(days=rng.randint(20, 400)), grades)
    return stone, cert, value


def _stone_for(
    family: data.Family, rng: random.Random, ids: _Ids, weight: float, today: date
) -> tuple[list[StonePlan], CertificatePlan | None, float]:
    if family.gem == "diamond":
        main, cert, value = _diamond(
            rng, ids, lab_grown=family.lab_grown, studs=family.key == "diamond-studs", today=today
        )
        stones = [main]
        if family.key != "diamond-studs" and rng.random() < 0.35:  # pavé side stones, not graded
            side = StonePlan("diamond", _dec(rng.uniform(0.06, 0.32)), main.origin, False, rng.randint(8, 36))
            stones.append(side)
            value += float(side.carat) * (1800 if family.lab_grown else 9000)
        return stones, cert, value
    if family.gem in ("jadeite", "nephrite"):
        jade_g = weight * (0.92 if family.metals else 1.0)
        carat = min(Decimal("480.00"), _dec(jade_g * 5))
        treatment = "A" if family.gem == "jadeite" else ""
        lo, hi = cast("tuple[int, int]", family.extra["price_per_g"])
        value = jade_g * rng.uniform(lo, hi)
        lab = rng.choices(["NGTC", "GTC"], weights=[75, 25])[0]
        name = "翡翠（A货）" if family.gem == "jadeite" else "和田玉（透闪石玉）"
        grades = {"conclusion": name, "weight_g": f"{jade_g:.2f}", "treatment": treatment or "none"}
        cert = CertificatePlan(lab, ids.report(lab, False), today - timedelta(days=rng.randint(10, 300)), grades)
        return [StonePlan(family.gem, carat, treatment=treatment)], cert, value
    if family.gem == "pearl":
        count, per = {
            "akoya": (rng.randint(40, 48), rng.uniform(1.9, 2.6)),
            "south_sea": (1, rng.uniform(5.0, 9.5)),
        }.get(family.pearl_type, (2, rng.uniform(1.6, 3.2)))
        return [StonePlan("pearl", _dec(count * per), count=count)], None, 0.0
    return [], None, 0.0


def _measured(rng: random.Random, metal: str, fineness: int) -> Decimal:
    if (metal, fineness) == ("gold", 990):
        return _dec(rng.uniform(999.0, 999.9), Decimal("0.1"))
    return _dec(rng.uniform(fineness + 0.2, fineness + 3.0), Decimal("0.1"))


def _location(rng: random.Random) -> str:
    placed = [loc for loc in data.LOCATIONS if loc.share]
    return rng.choices([loc.code for loc in placed], weights=[loc.share for loc in placed])[0]


def _style_counts(total: int) -> list[tuple[data.Family, int]]:
    weights = sum(f.share for f in data.FAMILIES)
    counts = [(f, max(1, round(total * f.share / weights))) for f in data.FAMILIES]
    # Trim or pad the biggest family so the total is exact (at least one style per family).
    diff = total - sum(c for _, c in counts)
    f0, c0 = counts[0]
    counts[0] = (f0, max(1, c0 + diff))
    return counts


def _describe(
    family: data.Family, purity: str, purity_en: str, motif: data.Motif, weight: tuple[float, float]
) -> tuple[str, str]:
    lo, hi = weight
    crafts_zh = "、".join(vocab.CRAFTS[c][0] for c in family.crafts)
    crafts_en = ", ".join(vocab.CRAFTS[c][1].lower() for c in family.crafts)
    if family.pricing_mode == "by_weight":
        zh = (
            f"{purity}{motif[0]}{family.article[0]}，约{lo:.0f}–{hi:.0f}克，按克计价：当日金价×实际克重+工费。"
            f"每件独立编号、称重，附质检证书。{('工艺：' + crafts_zh + '。') if crafts_zh else ''}"
        )
        en = (
            f"{motif[1]} {family.article[1]} in {purity_en}, about {lo:.0f}–{hi:.0f} g, priced by weight: today's "
            f"metal price × exact weight + labour. Every piece is numbered, weighed and inspected."
            f"{(' Craft: ' + crafts_en + '.') if crafts_en else ''}"
        )
    elif family.gem == "diamond":
        kind = "实验室培育钻石" if family.lab_grown else "天然钻石"
        kind_en = "laboratory-grown diamond" if family.lab_grown else "natural diamond"
        zh = f"{purity}{motif[0]}镶嵌{kind}，每颗主石均附权威实验室分级证书（GIA / NGTC / IGI），一物一证，可按证书号查验。"
        en = f"{motif[1]} setting in {purity_en} with a {kind_en}; every centre stone carries its own grading report (GIA / NGTC / IGI)."
    elif family.gem in ("jadeite", "nephrite"):
        zh = f"{motif[0]}{'翡翠（A货）' if family.gem == 'jadeite' else '和田玉'}{family.article[0]}，天然玉石，每件附国检证书，纹理独一无二。"
        en = f"{motif[1]} {'jadeite (type A, untreated)' if family.gem == 'jadeite' else 'nephrite (Hetian jade)'} {family.article[1]}, each with its own laboratory certificate."
    elif family.gem == "pearl":
        kinds = {
            "akoya": ("日本Akoya海水珍珠", "Akoya seawater pearls"),
            "south_sea": ("南洋珍珠", "South Sea pearl"),
            "freshwater": ("淡水珍珠", "freshwater pearls"),
        }
        k_zh, k_en = kinds[family.pearl_type]
        zh = f"{purity}{k_zh}{family.article[0]}，{motif[0]}款，光泽柔润，配件{purity}。"
        en = f"{motif[1]} {k_en} {family.article[1]} with {purity_en} findings."
    else:
        zh = f"{purity}{motif[0]}{family.article[0]}，一口价。{('工艺：' + crafts_zh + '。') if crafts_zh else ''}"
        en = f"{motif[1]} {family.article[1]} in {purity_en}, fixed price.{(' Craft: ' + crafts_en + '.') if crafts_en else ''}"
    return zh, en


def build_plan(*, styles: int = 225, seed: int = 42, today: date | None = None) -> CatalogPlan:
    """The demo catalog for `styles` styles; same seed and day → same catalog."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    today = today or date.today()
    plans: list[StylePlan] = []
    for family, count in _style_counts(styles):
        for i in range(count):
            plans.append(_style(family, i, rng, ids, today))
    _decorate(plans, rng)
    return CatalogPlan(seed=seed, styles=plans)


def _style(family: data.Family, i: int, rng: random.Random, ids: _Ids, today: date) -> StylePlan:
    motif = family.motifs[i % len(family.motifs)]
    metal, fineness = rng.choice(family.metals) if family.metals else ("", None)
    if metal:
        vocab.validate_fineness(metal, fineness or 0)
    purity = data.PURITY_ZH.get((metal, fineness or 0), "")
    purity_en = data.PURITY_EN.get((metal, fineness or 0), "")
    gem_zh = (
        vocab.gem_name_zh(vocab.GemKind(family.gem), vocab.GemOrigin("lab_grown" if family.lab_grown else "natural"))
        if family.gem
        else ""
    )
    gem_en = {"diamond": "diamond", "jadeite": "jadeite", "nephrite": "nephrite", "pearl": "pearl"}.get(family.gem, "")
    if family.lab_grown:
        gem_en = "lab-grown diamond"
    # GB/T 16552 order: purity + material, gem, article; design words before the article for gold,
    # after a "·" for gem-set pieces so the gem name stays intact.
    if family.gem in ("diamond", "pearl") or (family.gem and metal):
        title = f"{purity}{gem_zh}{family.article[0]}·{motif[0]}"
    elif family.gem:
        title = f"{gem_zh}{motif[0]}{family.article[0]}"
    else:
        title = f"{purity}{family.craft_word[0]}{motif[0]}{family.article[0]}"
    words = [motif[1], family.craft_word[1], purity_en, gem_en, family.article[1]]
    title_en = " ".join(w for w in words if w).replace("  ", " ")
    title_en = title_en[0].upper() + title_en[1:]
    code = f"{family.code_prefix}{i + 1:06d}"
    slug = f"{_slugify(title_en)[:90]}-{code.lower()}"
    description, description_en = _describe(family, purity, purity_en, motif, family.weight_g)
    labour = Decimal(rng.randint(*family.labour_fee)) if family.labour_fee[1] else Decimal(0)
    if family.labour_basis == "per_gram":
        labour = Decimal(rng.randint(*family.labour_fee))
    collection = rng.choice(family.collections) if family.collections and rng.random() < 0.6 else None
    if collection == "year-of-the-horse-2026" and "马" not in motif[0]:
        collection = None
    crafts = family.crafts
    themes = tuple(t for t in family.themes if rng.random() < 0.7)
    if collection == "year-of-the-horse-2026":
        themes = (*themes, "zodiac")
    style = StylePlan(
        family=family.key,
        code=code,
        slug=slug,
        title=title[:120],
        title_en=title_en[:160],
        description=description,
        description_en=description_en,
        category=family.category,
        collection=collection,
        pricing_mode=family.pricing_mode,
        labour_fee=labour if family.pricing_mode == "by_weight" else Decimal(0),
        labour_basis=family.labour_basis,
        fixed_price=None,
        list_price=None,
        craft_codes=crafts,
        theme_tags=themes,
        popularity=min(99_999, int(rng.lognormvariate(4.6, 1.3))),
        published_days_ago=rng.randint(0, 360),
        shape=family.shape,
        material=_material(family, metal),
    )
    sizes = list(family.sizes)
    if len(sizes) > 1 and not family.quantity_goods:
        sizes = sorted(rng.sample(sizes, rng.randint(2, min(4, len(sizes)))), key=family.sizes.index)
    if family.quantity_goods:
        _quantity_variants(style, family, metal, fineness, sizes, rng)
        return style
    variants = [
        VariantPlan(
            sku=f"{code}-{metal[:2].upper() or 'NA'}{fineness or ''}{('-' + sz) if sz else ''}",
            metal=metal,
            fineness=fineness,
            size=sz,
        )
        for sz in sizes
    ]
    style.variants = variants
    design_price = _retail(rng.uniform(*family.price_range)) if family.price_range[1] else None
    for _ in range(rng.randint(*family.pieces)):
        variant = rng.choice(variants)
        weight = rng.uniform(*family.weight_g)
        stones, cert, stone_value = _stone_for(family, rng, ids, weight, today)
        for st in stones:
            vocab.validate_stone(
                vocab.StoneGrades(
                    vocab.GemKind(st.kind),
                    vocab.GemOrigin(st.origin),
                    st.carat,
                    st.colour,
                    st.clarity,
                    st.cut,
                    st.polish,
                    st.symmetry,
                    st.fluorescence,
                    st.lab_grown_grade,
                    st.treatment,
                )
            )
        metal_value = weight * float(data.METAL_PRICES.get((metal, fineness or 0), 0))
        piece_price = None
        if family.pricing_mode == "fixed" and design_price is None:
            setting = metal_value * (0.35 if family.gem in ("jadeite", "nephrite") else 1.0) + rng.uniform(900, 2800)
            piece_price = _retail(stone_value + setting)
            cost = _dec((stone_value + metal_value) * rng.uniform(0.55, 0.7))
        elif family.pricing_mode == "fixed":
            cost = _dec(float(design_price or 0) * rng.uniform(0.35, 0.5))
        else:
            per_piece = float(labour) * (weight if family.labour_basis == "per_gram" else 1)
            cost = _dec(metal_value * 0.985 + per_piece * 0.4)
        variant.pieces.append(
            PiecePlan(
                serial_number=ids.serial_number(family.code_prefix),
                tag_code=ids.tag(),
                weight_g=_dec(weight, THREE),
                cost=cost,
                location=_location(rng),
                measured_fineness=_measured(rng, metal, fineness) if metal and fineness else None,
                fixed_price=piece_price,
                stones=stones,
                certificate=cert,
            )
        )
    if family.pricing_mode == "fixed":
        prices = [p.fixed_price for v in variants for p in v.pieces if p.fixed_price is not None]
        style.fixed_price = design_price if design_price is not None else (min(prices) if prices else None)
        if style.fixed_price is not None and rng.random() < 0.35:
            style.list_price = _retail(float(style.fixed_price) * rng.uniform(1.12, 1.3))
    return style


def _quantity_variants(
    style: StylePlan, family: data.Family, metal: str, fineness: int | None, sizes: list[str], rng: random.Random
) -> None:
    base = rng.uniform(*family.price_range) if metal != "gold" else rng.uniform(900, family.price_range[1])
    for n, size in enumerate(sizes):
        price = _retail(base * (1 + 0.12 * n))
        quantities = {loc.code: rng.randint(5, 30) for loc in data.LOCATIONS if loc.kind == "store"}
        quantities[data.WAREHOUSE_CODE] = rng.randint(60, 240)
        style.variants.append(
            VariantPlan(
                sku=f"{style.code}-{metal[:2].upper()}{fineness}{('-' + size) if size else ''}",
                metal=metal,
                fineness=fineness,
                size=size,
                is_serialized=False,
                fixed_price=price,
                unit_weight_g=_dec(rng.uniform(*family.weight_g) * (1 + 0.1 * n), THREE),
                quantities=quantities,
            )
        )
    style.fixed_price = min(v.fixed_price for v in style.variants if v.fixed_price is not None)


def _material(family: data.Family, metal: str) -> str:
    if family.gem in ("jadeite", "nephrite", "pearl") and not (family.gem == "pearl" and metal == "silver"):
        return family.gem if family.gem != "pearl" else "pearl"
    if family.gem == "pearl":
        return "pearl"
    return MATERIAL.get(metal, "gold")


def _decorate(plans: list[StylePlan], rng: random.Random) -> None:
    """Flash prices, spin sets and 3D models on a few styles, chosen deterministically."""
    by_family: dict[str, list[StylePlan]] = {}
    for s in plans:
        by_family.setdefault(s.family, []).append(s)
    labels = (("双12预热限时价", "percent"), ("会员日限时特惠", "percent"), ("直播间专享价", "price"))
    flash_candidates = [s for s in plans if s.variants and any(v.pieces for v in s.variants)]
    step = max(1, len(flash_candidates) // 8)
    for n, s in enumerate(flash_candidates[::step][:8]):
        label, kind = labels[n % len(labels)]
        if kind == "price" and s.pricing_mode == "fixed" and s.fixed_price:
            s.flash = FlashPlan(label, None, _retail(float(s.fixed_price) * 0.85), -1, 3 + n)
        else:
            s.flash = FlashPlan(label, Decimal(rng.choice(["5", "8", "10", "12"])), None, -1, 3 + n)
    for key in ("gufa-bangle", "diamond-ring", "jadeite-bangle"):
        if by_family.get(key):
            by_family[key][0].spin = True
    for key in ("diamond-ring", "gold-ring", "lab-diamond-ring"):
        if by_family.get(key):
            by_family[key][0].model3d = True


def _slugify(text: str) -> str:
    out = []
    for ch in text.lower():
        out.append(ch if ch.isascii() and ch.isalnum() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)
