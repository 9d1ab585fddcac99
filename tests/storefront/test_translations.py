"""The Chinese catalog covers every storefront string, and the compiled .mo matches the .po."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "auric" / "locale" / "zh_Hans" / "LC_MESSAGES"
TEMPLATES = [
    *(Path(__file__).resolve().parents[2] / "auric" / "storefront" / "templates").rglob("*.html"),
    *(Path(__file__).resolve().parents[2] / "auric" / "templates").glob("*.html"),
    *(Path(__file__).resolve().parents[2] / "auric" / "templates" / "registration").glob("*.html"),
]
SIMPLE_TRANSLATE = re.compile(r"""{%\s*translate\s+(["'])(.+?)\1""")


def _catalog():
    with open(LOCALE / "django.po", "rb") as f:
        return read_po(f, locale="zh_Hans")


def _is_storefront(path: str) -> bool:
    return path.startswith("auric/storefront/") or (
        path.startswith("auric/templates/") and not path.startswith("auric/templates/admin/")
    )


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings) and not message.fuzzy


def test_every_storefront_message_has_a_chinese_translation():
    untranslated = [
        m.id
        for m in _catalog()
        if m.id
        and any("storefront" in path or "auric/templates" in path for path, _ in m.locations)
        and not _translated(m)
    ]
    assert untranslated == []


def test_every_translate_tag_in_the_templates_is_in_the_catalog():
    ids = {m.id for m in _catalog() if m.id}
    used = {match.group(2) for path in TEMPLATES for match in SIMPLE_TRANSLATE.finditer(path.read_text())}
    assert used and used <= ids, sorted(used - ids)


def test_compiled_catalog_matches_the_source():
    with open(LOCALE / "django.mo", "rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    source = {_key(m.id): _key(m.string) for m in _catalog() if m.id and _translated(m)}
    assert compiled == source


def test_django_serves_the_chinese_translations():
    with translation.override("zh-hans"):
        assert translation.gettext("How this price is made") == "价格构成"
        assert translation.ngettext("%(n)s style", "%(n)s styles", 3) % {"n": 3} == "共 3 款"
