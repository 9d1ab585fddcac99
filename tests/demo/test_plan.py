"""The demo catalog plan: size, mix, naming and determinism (no database)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from auric.catalog import naming, vocab
from auric.demo import data
from auric.demo.plan import build_plan

TODAY = date(2026, 11, 25)


def test_default_plan_has_at_least_200_styles_and_1000_pieces():
    plan = build_plan(seed=42, today=TODAY)

    assert len(plan.styles) >= 200
    assert len(plan.pieces) >= 1000


def test_same_seed_gives_the_same_catalog_and_another_seed_another():
    first, again, other = (build_plan(styles=60, seed=s, today=TODAY) for s in (7, 7, 8))

    assert first == again
    assert [p.weight_g for p in first.pieces] != [p.weight_g for p in other.pieces]


def test_plan_covers_gold_by_weight_diamonds_jade_pearls_and_silver():
    plan = build_plan(seed=42, today=TODAY)

    marks = {(v.metal, v.fineness) for s in plan.styles for v in s.variants}
    assert {("gold", 990), ("gold", 750), ("platinum", 950), ("silver", 990), ("silver", 925)} <= marks
    modes = Counter(s.pricing_mode for s in plan.styles)
    assert modes["by_weight"] >= 80 and modes["fixed"] >= 80
    assert {s.labour_basis for s in plan.styles if s.pricing_mode == "by_weight"} == {"per_gram", "per_piece"}
    main = [st for p in plan.pieces for st in p.stones if st.is_main]
    assert {"diamond", "jadeite", "nephrite", "pearl"} <= {st.kind for st in main}
    assert any(st.origin == "lab_grown" for st in main)
    assert {st.treatment for st in main if st.kind == "jadeite"} == {"A"}
    assert any(not v.is_serialized and v.quantities for s in plan.styles for v in s.variants)


def test_diamonds_carry_reports_from_gia_ngtc_and_igi_matching_their_grades():
    plan = build_plan(seed=42, today=TODAY)

    diamonds = [p for p in plan.pieces if p.stones and p.stones[0].kind == "diamond"]
    assert all(p.certificate is not None for p in diamonds)
    assert {"GIA", "NGTC", "IGI"} <= {p.certificate.lab for p in diamonds if p.certificate}
    for piece in diamonds:
        stone, cert = piece.stones[0], piece.certificate
        assert cert is not None and Decimal(cert.grades["carat"]) == stone.carat
        assert cert.grades.get("colour", "") == stone.colour
        assert cert.issued_on <= TODAY


def test_natural_diamond_grades_are_spread_like_a_real_assortment():
    plan = build_plan(styles=2000, seed=42, today=TODAY)

    natural = [
        st for p in plan.pieces for st in p.stones if st.kind == "diamond" and st.is_main and st.origin == "natural"
    ]
    colours = Counter(st.colour for st in natural)
    assert colours["G"] + colours["H"] > colours["D"] + colours["K"]
    assert all(Decimal("0.20") <= st.carat <= Decimal("2.10") for st in natural)
    assert Counter(st.cut for st in natural).most_common(1)[0][0] == "EX"


def test_gia_lab_grown_reports_use_the_descriptive_grade_instead_of_colour_and_clarity():
    plan = build_plan(styles=1000, seed=42, today=TODAY)

    gia_lab = [
        p for p in plan.pieces if p.certificate and p.certificate.lab == "GIA" and p.stones[0].origin == "lab_grown"
    ]
    assert gia_lab
    for piece in gia_lab:
        assert piece.stones[0].lab_grown_grade in vocab.LAB_GROWN_GRADES
        assert piece.stones[0].colour == piece.stones[0].clarity == ""


def test_titles_state_the_mark_of_their_variants_and_no_abolished_name():
    plan = build_plan(seed=42, today=TODAY)

    for style in plan.styles:
        naming.check_title(style.title)
        stated = naming.fineness_marks_in(style.title) + naming.fineness_marks_in(style.title_en)
        for variant in style.variants:
            if variant.metal:
                assert vocab.fineness_mark(variant.metal, variant.fineness) in stated, style.title
            else:
                assert not stated, style.title


def test_measured_fineness_is_never_below_the_mark():
    plan = build_plan(seed=42, today=TODAY)

    for style in plan.styles:
        for variant in style.variants:
            for piece in variant.pieces:
                if variant.metal:
                    vocab.validate_fineness(variant.metal, variant.fineness, measured_permille=piece.measured_fineness)


def test_serials_tags_and_report_numbers_are_unique():
    plan = build_plan(styles=3000, seed=42, today=TODAY)

    pieces = plan.pieces
    assert len({p.serial_number for p in pieces}) == len(pieces)
    assert len({p.tag_code for p in pieces}) == len(pieces)
    reports = [(p.certificate.lab, p.certificate.report_number) for p in pieces if p.certificate]
    assert len(set(reports)) == len(reports)


def test_scaled_plan_has_about_ten_thousand_styles_and_fifty_thousand_pieces():
    plan = build_plan(styles=10_000, seed=42, today=TODAY)

    assert len(plan.styles) == 10_000
    assert 45_000 <= len(plan.pieces) <= 65_000


def test_by_weight_gold_pieces_weigh_what_such_pieces_weigh():
    plan = build_plan(seed=42, today=TODAY)

    bangles = [p for s in plan.styles if s.family == "gufa-bangle" for v in s.variants for p in v.pieces]
    beads = [p for s in plan.styles if s.family == "charm-bead" for v in s.variants for p in v.pieces]
    assert all(Decimal(15) <= p.weight_g <= Decimal(65) for p in bangles)
    assert all(p.weight_g < Decimal(3) for p in beads)


def test_locations_are_one_online_warehouse_five_stores_or_more_and_in_transit():
    kinds = Counter(loc.kind for loc in data.LOCATIONS)

    assert kinds["warehouse"] == 1 and kinds["store"] >= 5 and kinds["in_transit"] == 1
    assert all(loc.sells_online for loc in data.LOCATIONS if loc.kind == "warehouse")
    for loc in data.LOCATIONS:
        if loc.kind != "in_transit":
            assert loc.latitude is not None and loc.longitude is not None
            assert Decimal(18) < loc.latitude < Decimal(54) and Decimal(73) < loc.longitude < Decimal(135)


def test_collections_include_limited_editions_with_their_size():
    limited = [c for c in data.COLLECTIONS if c[3] is not None]

    assert len(limited) >= 2 and all(c[3] > 0 for c in limited)


def test_issue_dates_are_in_the_past():
    plan = build_plan(styles=300, seed=3, today=TODAY)

    assert all(p.certificate.issued_on < TODAY - timedelta(days=1) for p in plan.pieces if p.certificate)
