"""Rules G1 (GB 11887 fineness marks) and G2 (GIA grades with GB/T 16554 equivalents) in the vocabulary."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auric.catalog import vocab
from auric.catalog.vocab import GemKind, GemOrigin, StoneGrades, VocabularyError

GB11887_MARKS = {
    "gold": {375: "9K", 585: "14K", 750: "18K", 916: "22K", 990: "足金"},
    "platinum": {850: "Pt850", 900: "Pt900", 950: "Pt950", 990: "足铂"},
    "palladium": {500: "Pd500", 950: "Pd950", 990: "足钯"},
    "silver": {800: "S800", 925: "S925", 990: "足银"},
}
ALL_MARKS = [(metal, permille, mark) for metal, marks in GB11887_MARKS.items() for permille, mark in marks.items()]


@pytest.mark.parametrize(("metal", "permille", "mark"), ALL_MARKS)
def test_g1_every_gb11887_mark_is_accepted(metal, permille, mark):
    assert vocab.validate_fineness(metal, permille, label=mark).mark == mark


def test_g1_the_vocabulary_holds_exactly_the_gb11887_marks():
    assert {(m.metal.value, m.permille) for m in vocab.FINENESS_MARKS} == {(a, b) for a, b, _ in ALL_MARKS}


@given(st.sampled_from(ALL_MARKS), st.integers(min_value=0, max_value=1000))
def test_g1_a_measurement_at_or_above_the_mark_is_accepted_and_below_is_refused(mark, measured):
    metal, permille, _ = mark
    if measured >= permille:
        assert vocab.validate_fineness(metal, permille, measured_permille=Decimal(measured)).permille == permille
    else:
        with pytest.raises(VocabularyError) as refused:
            vocab.validate_fineness(metal, permille, measured_permille=Decimal(measured))
        assert refused.value.field == "measured_fineness"


def test_g1_measured_fineness_below_the_mark_is_rejected_without_tolerance():
    with pytest.raises(VocabularyError, match="no negative tolerance"):
        vocab.validate_fineness("gold", 990, measured_permille=Decimal("989.9"))


def test_g1_measured_fineness_above_1000_is_rejected():
    with pytest.raises(VocabularyError, match="1000"):
        vocab.validate_fineness("gold", 990, measured_permille=Decimal("1000.1"))


@given(st.sampled_from(list(vocab.Metal)), st.integers(min_value=0, max_value=1000))
def test_g1_a_fineness_that_is_not_a_mark_is_refused(metal, permille):
    if (metal, permille) in {(m.metal, m.permille) for m in vocab.FINENESS_MARKS}:
        return
    with pytest.raises(VocabularyError) as refused:
        vocab.fineness_mark(metal, permille)
    assert refused.value.field == "fineness"


def test_g1_zujin_label_on_750_is_rejected():
    with pytest.raises(VocabularyError, match="足金"):
        vocab.validate_fineness("gold", 750, label="足金")


@pytest.mark.parametrize("label", sorted(vocab.ABOLISHED_LABELS))
def test_g1_abolished_qianzu_labels_are_rejected(label):
    with pytest.raises(VocabularyError, match="abolished"):
        vocab.validate_fineness("gold", 990, label=label)


def test_g1_unknown_metal_is_rejected():
    with pytest.raises(VocabularyError) as refused:
        vocab.fineness_mark("copper", 990)
    assert refused.value.field == "metal"


@given(st.decimals(min_value=Decimal("0.001"), max_value=vocab.MAX_PIECE_WEIGHT_G, places=3))
def test_any_weight_with_at_most_three_decimals_is_accepted(weight):
    assert vocab.validate_weight_g(weight) == weight


@given(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("4999"), places=6).filter(
        lambda d: d != d.quantize(Decimal("0.001"))
    )
)
def test_any_weight_with_more_than_three_decimals_is_refused(weight):
    with pytest.raises(VocabularyError, match="3 decimals"):
        vocab.validate_weight_g(weight)


@pytest.mark.parametrize("weight", [Decimal("0"), Decimal("-1.000"), Decimal("5000.001"), "NaN", "Infinity", "abc"])
def test_impossible_weights_are_refused(weight):
    with pytest.raises(VocabularyError):
        vocab.validate_weight_g(weight)


def test_float_weights_are_refused():
    with pytest.raises(VocabularyError, match="float"):
        vocab.validate_weight_g(12.5)  # type: ignore[arg-type]


# --- G2 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("gia", "gb"), [("D", "D(100)"), ("E", "E(99)"), ("H", "H(96)"), ("N", "N(90)"), ("O", "<N"), ("Z", "<N")]
)
def test_g2_gia_colour_maps_to_gb_equivalent(gia, gb):
    assert vocab.gb_colour(gia) == gb


def test_g2_clarity_fl_if_map_to_lc():
    assert vocab.gb_clarity("FL").startswith("LC")
    assert vocab.gb_clarity("IF").startswith("LC")


@pytest.mark.parametrize(("gia", "gb"), [("VVS1", "VVS1"), ("SI2", "SI2"), ("I1", "P1"), ("I2", "P2"), ("I3", "P3")])
def test_g2_clarity_maps_to_gb_equivalent(gia, gb):
    assert vocab.gb_clarity(gia) == gb


@pytest.mark.parametrize("colour", ["A", "d", "ZZ", ""])
def test_g2_colour_outside_d_to_z_is_refused(colour):
    with pytest.raises(VocabularyError):
        vocab.gb_colour(colour)


def test_g2_very_strong_fluorescence_is_strong_in_gb():
    assert vocab.FLUORESCENCE_NAMES["VS"][1] == vocab.FLUORESCENCE_NAMES["S"][1] == "强"


def _stone(**overrides) -> StoneGrades:
    values = {"kind": GemKind.DIAMOND, "origin": GemOrigin.NATURAL, "carat": Decimal("1.02")}
    values.update(overrides)
    return StoneGrades(**values)


def test_g2_a_fully_graded_diamond_is_accepted():
    vocab.validate_stone(_stone(colour="D", clarity="VVS1", cut="EX", polish="EX", symmetry="VG", fluorescence="N"))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"clarity": "VVS3"}, "clarity"),
        ({"cut": "Ideal"}, "cut"),
        ({"fluorescence": "XS"}, "fluorescence"),
        ({"kind": GemKind.RUBY, "colour": "D"}, "colour"),
        ({"kind": GemKind.SAPPHIRE, "clarity": "IF"}, "clarity"),
        ({"treatment": "A"}, "treatment"),
        ({"kind": GemKind.JADEITE, "treatment": "D"}, "treatment"),
        ({"lab_grown_grade": "premium"}, "lab_grown_grade"),
        ({"origin": GemOrigin.LAB_GROWN, "lab_grown_grade": "premium", "colour": "E"}, "lab_grown_grade"),
        ({"origin": GemOrigin.LAB_GROWN, "lab_grown_grade": "deluxe"}, "lab_grown_grade"),
        ({"kind": GemKind.PEARL, "origin": GemOrigin.LAB_GROWN}, "origin"),
        ({"carat": Decimal("0")}, "carat"),
        ({"carat": Decimal("0.505")}, "carat"),
        ({"carat": Decimal("500.01")}, "carat"),
    ],
)
def test_g2_grades_outside_the_scales_or_the_stone_are_refused(overrides, field):
    with pytest.raises(VocabularyError) as refused:
        vocab.validate_stone(_stone(**overrides))
    assert refused.value.field == field


def test_g2_lab_grown_diamond_with_descriptive_grade_is_accepted():
    vocab.validate_stone(_stone(origin=GemOrigin.LAB_GROWN, lab_grown_grade="premium"))


def test_lab_grown_diamond_is_named_peiyu_and_other_lab_gems_hecheng():
    assert vocab.gem_name_zh(GemKind.DIAMOND, GemOrigin.LAB_GROWN) == "培育钻石"
    assert vocab.gem_name_zh(GemKind.RUBY, GemOrigin.LAB_GROWN) == "合成红宝石"
    assert vocab.gem_name_zh(GemKind.RUBY, GemOrigin.NATURAL) == "红宝石"


def test_craft_vocabulary_is_closed_and_includes_ancient_method_gold():
    assert vocab.CRAFTS["gufa"][0] == "古法黄金"
    assert "xiangqian" in vocab.CRAFTS
