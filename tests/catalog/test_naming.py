"""Standard product names (GB/T 16552) and fineness labels in titles (rule G1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auric.catalog import naming, vocab
from auric.catalog.naming import NamingError, standard_name


@pytest.mark.parametrize(
    ("metal", "fineness", "gem", "article", "origin", "name"),
    [
        ("gold", 990, None, "手镯", "natural", "足金手镯"),
        ("gold", 990, None, "项链", "natural", "足金项链"),
        ("gold", 750, "ruby", "戒指", "natural", "18K金红宝石戒指"),
        ("platinum", 950, "diamond", "戒指", "natural", "铂950钻石戒指"),
        ("platinum", 990, None, "吊坠", "natural", "足铂吊坠"),
        ("silver", 925, "pearl", "耳环", "natural", "银925珍珠耳环"),
        ("gold", 750, "diamond", "戒指", "lab_grown", "18K金培育钻石戒指"),
        (None, None, "jadeite", "手镯", "natural", "翡翠手镯"),
    ],
)
def test_g1_standard_name_is_purity_material_gem_article(metal, fineness, gem, article, origin, name):
    assert standard_name(metal=metal, fineness=fineness, gem=gem, article=article, gem_origin=origin) == name


def test_g1_standard_name_refuses_a_fineness_that_is_not_a_mark():
    with pytest.raises(vocab.VocabularyError):
        standard_name(metal="gold", fineness=999, gem=None, article="手镯")


def test_g1_standard_name_refuses_an_abolished_purity_in_the_article():
    with pytest.raises(NamingError, match="abolished"):
        standard_name(metal="gold", fineness=990, gem=None, article="千足金手镯")


def test_g1_standard_name_refuses_metal_without_fineness():
    with pytest.raises(NamingError):
        standard_name(metal="gold", fineness=None, gem=None, article="手镯")


def test_standard_name_needs_an_article():
    with pytest.raises(NamingError):
        standard_name(metal="gold", fineness=990, gem=None, article="  ")


@given(st.sampled_from(vocab.FINENESS_MARKS))
def test_g1_every_mark_names_a_product_and_is_found_again_in_that_name(mark):
    name = standard_name(metal=mark.metal, fineness=mark.permille, gem=None, article="戒指")
    assert naming.fineness_marks_in(name) == [mark]


@given(st.sampled_from(vocab.FINENESS_MARKS))
def test_g1_the_stamped_form_of_every_mark_is_recognised_in_a_title(mark):
    assert naming.fineness_marks_in(f"{mark.mark}钻石戒指") == [mark]


def test_g1_pt950_and_its_chinese_form_are_the_same_mark():
    assert naming.fineness_marks_in("Pt950钻石戒指") == naming.fineness_marks_in("铂950钻石戒指")


def test_g1_marks_are_not_found_inside_longer_numbers():
    assert naming.fineness_marks_in("19K 纪念款") == []
    assert naming.fineness_marks_in("S9250 项链") == []


def test_g1_a_title_may_state_two_marks():
    marks = naming.fineness_marks_in("18K金 Pt950 双色戒指")
    assert [m.mark for m in marks] == ["18K", "Pt950"]


def test_g1_title_without_a_mark_states_none():
    assert naming.fineness_marks_in("古法手镯 Ancient bangle") == []


@pytest.mark.parametrize("title", ["千足金手镯", "万足金 金条", "千足银手链"])
def test_g1_abolished_names_in_titles_are_refused(title):
    with pytest.raises(NamingError, match="abolished"):
        naming.check_title(title)


def test_g1_zujin_with_stated_higher_content_is_allowed_in_a_title():
    naming.check_title("足金 Au999 古法手镯")
    assert [m.mark for m in naming.fineness_marks_in("足金 Au999 古法手镯")] == ["足金"]
