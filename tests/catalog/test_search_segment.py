"""Word segmentation for search: jieba with the jewelry dictionary shipped in the repo."""

from __future__ import annotations

import threading

import jieba
import pytest

from auric.catalog import search


def test_jewelry_terms_stay_whole_words():
    tokens = search.segment("古法黄金手镯")

    assert "古法黄金" in tokens
    assert "手镯" in tokens


def test_search_mode_also_emits_the_shorter_words_inside_a_term():
    tokens = search.segment("古法黄金手镯")

    assert {"古法", "黄金"} <= set(tokens)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("足金古法手镯", "足金"),
        ("5G黄金转运珠", "5g黄金"),
        ("千禧传承吊坠", "千禧"),
        ("18K金培育钻石项链", "18k金"),
        ("18K金培育钻石项链", "培育钻石"),
        ("Pt950铂金钻戒", "pt950"),
        ("和田玉耳钉", "和田玉"),
        ("硬金手链", "硬金"),
        ("珐琅花丝錾花点翠", "錾花"),
    ],
)
def test_dictionary_words_are_found(text, word):
    assert word in search.segment(text)


def test_latin_is_lower_cased_and_english_words_kept():
    assert search.segment("Ancient-method GOLD Bangle") == ["ancient", "method", "gold", "bangle"]


def test_punctuation_and_whitespace_are_dropped():
    tokens = search.segment("  手镯，戒指！\t“项链” ... --- \x00 ")

    assert tokens == ["手镯", "戒指", "项链"]


def test_full_width_letters_and_digits_are_folded():
    assert search.segment("Ｐｔ９５０") == ["pt950"]


def test_empty_text_gives_no_words():
    assert search.segment("") == []
    assert search.segment("！？。 ") == []


def test_the_global_jieba_tokenizer_is_left_alone():
    search.segment("古法黄金")

    assert "古法黄金" not in jieba.dt.FREQ


def test_loading_the_tokenizer_writes_nothing_to_stderr(monkeypatch, capfd):
    monkeypatch.setattr(search, "_tokenizer", None)

    search.segment("古法黄金手镯")

    assert capfd.readouterr().err == ""


def test_the_tokenizer_is_built_once_under_concurrent_first_use(monkeypatch):
    monkeypatch.setattr(search, "_tokenizer", None)
    results: list[list[str]] = []
    tokenizers = set()

    def work():
        results.append(search.segment("足金古法手镯"))
        tokenizers.add(id(search._tokenizer))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(tokenizers) == 1
    assert all(r == ["足金", "古法", "手镯"] for r in results)
