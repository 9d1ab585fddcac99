"""Standard product names and the fineness labels found in titles (rule G1, GB/T 16552, GB 11887).

A standard name is purity + material + gem + article: 足金手镯, 18K金红宝石戒指, 铂950钻石戒指. For
platinum, palladium and silver we write the Chinese form of the mark (铂950, 钯950, 银925), which is
what `vocab.FinenessMark.name_zh` holds; the stamped form (Pt950, Pd950, S925) is equally lawful
under GB 11887 and is recognised wherever a title is checked, but never produced here, so one
catalog reads one way. Laboratory-grown diamonds are 培育钻石; other laboratory-made gems are
合成 (synthetic) by GB/T 16552.

Plain Python (no Django) like `vocab`, so importers and tests can use it directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auric.catalog import vocab


class NamingError(vocab.VocabularyError):
    """A name that GB/T 16552 or GB 11887 does not allow."""


@dataclass(frozen=True)
class _Label:
    text: str
    mark: vocab.FinenessMark


def _labels() -> tuple[_Label, ...]:
    labels: dict[str, vocab.FinenessMark] = {}
    for mark in vocab.FINENESS_MARKS:
        labels[mark.mark.upper()] = mark
        labels[mark.name_zh.upper()] = mark
    # Longest first so "18K金" is found as one label, not as "18K" plus "金".
    return tuple(_Label(text, mark) for text, mark in sorted(labels.items(), key=lambda kv: -len(kv[0])))


_LABELS = _labels()


# A Latin mark must not be glued to a longer number or word: "9K" is not found in "19K" or "S9250".
def _label_regex(text: str) -> str:
    before = r"(?<![0-9A-Z])" if text[0].isascii() and text[0].isalnum() else ""
    after = r"(?![0-9])" if text[-1].isdigit() else ""
    return f"{before}{re.escape(text)}{after}"


_LABEL_PATTERN = re.compile("|".join(_label_regex(label.text) for label in _LABELS), re.IGNORECASE)
_BY_TEXT = {label.text: label.mark for label in _LABELS}


def abolished_labels_in(text: str) -> list[str]:
    """The abolished names (千足金 …) a text contains."""
    return sorted(label for label in vocab.ABOLISHED_LABELS if label in text)


def fineness_marks_in(text: str) -> list[vocab.FinenessMark]:
    """The GB 11887 marks a title states, in order of appearance, without repeats.

    "足金古法手镯" states 足金; "18K金 Pt950 双色戒指" states 18K and Pt950. A title that states
    no mark (e.g. "古法手镯") returns an empty list.
    """
    found: list[vocab.FinenessMark] = []
    for match in _LABEL_PATTERN.finditer(text):
        mark = _BY_TEXT[match.group(0).upper()]
        if mark not in found:
            found.append(mark)
    return found


def check_title(text: str, *, field: str = "title") -> None:
    """Refuse a title with an abolished purity name (rule G1)."""
    abolished = abolished_labels_in(text)
    if abolished:
        raise NamingError(
            field,
            f"“{abolished[0]}” was abolished by GB 11887; the highest purity name is 足金/足铂/足钯/足银",
        )


def gem_name(kind: vocab.GemKind | str, origin: vocab.GemOrigin | str = vocab.GemOrigin.NATURAL) -> str:
    """The GB/T 16552 name of a gem: 钻石, 培育钻石, 红宝石, 合成红宝石 …"""
    try:
        kind = vocab.GemKind(kind)
    except ValueError as exc:
        raise NamingError("gem", f"Unknown gem {kind!r}") from exc
    try:
        origin = vocab.GemOrigin(origin)
    except ValueError as exc:
        raise NamingError("gem_origin", f"Unknown gem origin {origin!r}") from exc
    return vocab.gem_name_zh(kind, origin)


def standard_name(
    *,
    metal: vocab.Metal | str | None,
    fineness: int | None,
    gem: vocab.GemKind | str | None,
    article: str,
    gem_origin: vocab.GemOrigin | str = vocab.GemOrigin.NATURAL,
) -> str:
    """Purity + material + gem + article, e.g. ("gold", 750, "ruby", "戒指") → "18K金红宝石戒指".

    Metal and fineness go together (a metal without its GB 11887 mark cannot be named); either may
    be omitted together for a piece without metal (a jadeite bangle: "翡翠手镯").
    """
    article = (article or "").strip()
    if not article:
        raise NamingError("article", "An article (手镯, 戒指, 项链 …) is required")
    check_title(article, field="article")
    if fineness_marks_in(article):
        raise NamingError("article", "The article must not carry a fineness mark of its own")
    parts: list[str] = []
    if metal or fineness is not None:
        if not metal or fineness is None:
            raise NamingError("fineness", "Metal and fineness are named together")
        parts.append(vocab.fineness_mark(metal, fineness).name_zh)
    if gem:
        parts.append(gem_name(gem, gem_origin))
    if not parts:
        raise NamingError("metal", "A standard name needs a metal with its fineness, a gem, or both")
    parts.append(article)
    return "".join(parts)
