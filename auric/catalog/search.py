"""Catalog search: jieba word segmentation, the per-style search document, and faceted browsing.

Text is segmented in Python (jieba with a jewelry user dictionary, `search_dict.txt`) and stored
space-separated in `SearchDocument.text`; the database then only has to match whole words:
SQLite through an FTS5 table (`catalog_search_fts`, unicode61 tokenizer) kept in sync by triggers
(migration 0004), PostgreSQL through a stored generated column `catalog_searchdocument.tsv`
(`to_tsvector('simple', text)`, not part of the Django model) with a GIN index (migration 0005).

The store facet is counted in raw SQL over the piece stock and location tables of the inventory app;
their names are read from the `Piece.stock` relation's models (catalog never imports inventory).
See docs/search.md.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar, cast

import jieba
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, Count, F, Field, Model, Prefetch, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from auric.catalog import vocab
from auric.catalog.models import Category, Certificate, MediaAsset, Piece, SearchDocument, Stone, Style, Variant
from auric.core.cache import CATALOG, cached, generation
from auric.core.errors import ValidationFailed

__all__ = [
    "CARAT_BUCKETS",
    "PRICE_BUCKETS",
    "SORTS",
    "BrowseFilters",
    "BrowseResult",
    "FacetValue",
    "browse",
    "index_styles",
    "search_text_for",
    "segment",
]

USER_DICT = Path(__file__).with_name("search_dict.txt")
MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 16
MAX_TOKEN_CHARS = 64
MAX_PER_PAGE = 100
INDEX_CHUNK = 500
FTS_TABLE = "catalog_search_fts"

# --- segmentation ---------------------------------------------------------------------------

_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()
_WORD = re.compile(r"[^\W_]+")  # runs of letters and digits (any script); drops punctuation and space


def _load_tokenizer() -> jieba.Tokenizer:
    """Our own jieba tokenizer (the global one is left alone), built once, quietly."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            tokenizer = jieba.Tokenizer()
            logger = logging.getLogger("jieba")
            level = logger.level
            logger.setLevel(logging.WARNING)  # jieba logs "Building prefix dict…" at DEBUG to stderr
            try:
                tokenizer.initialize()
            finally:
                logger.setLevel(level)
            for line in USER_DICT.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if not parts or parts[0].startswith("#"):
                    continue
                word = _normalise(parts[0])
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                tag = parts[2] if len(parts) > 2 else None
                tokenizer.add_word(word, freq, tag)
            _tokenizer = tokenizer
    return _tokenizer


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits (Ｐｔ９５０ → Pt950); jieba sees lower-case latin.
    return unicodedata.normalize("NFKC", text).lower()


def segment(text: str) -> list[str]:
    """Words of a text for indexing and querying: jieba search-mode cut, lower-case, no punctuation.

    "古法黄金手镯" → ["古法", "黄金", "古法黄金", "手镯"]; English words are kept whole. Every
    returned token is a run of letters/digits, so it is one token for FTS5 and for PostgreSQL too.
    """
    if not text:
        return []
    text = _normalise(text.replace("\x00", " "))
    tokens: list[str] = []
    for piece in _load_tokenizer().cut_for_search(text):
        for word in _WORD.findall(piece):
            if len(word) <= MAX_TOKEN_CHARS:
                tokens.append(word)
    return tokens


# --- indexing -------------------------------------------------------------------------------


def _style_texts(style: Style) -> list[str]:
    texts = [style.title, style.title, style.title_en, style.title_en, style.code]
    texts += [style.description, style.description_en]
    category: Category | None = style.category
    while category is not None:
        texts += [category.name, category.name_en]
        category = category.parent
    if style.collection is not None:
        texts += [style.collection.name, style.collection.name_en]
    for tag in style.tags.all():
        texts += [tag.name, tag.name_en]
    return texts


def _metal_texts(metal: str, fineness: int | None) -> list[str]:
    texts: list[str] = []
    try:
        kind = vocab.Metal(metal)
    except ValueError:
        return texts
    texts += [vocab.METAL_NAMES_ZH[kind], vocab.METAL_NAMES_EN[kind]]
    if fineness is not None:
        try:
            mark = vocab.fineness_mark(kind, fineness)
        except vocab.VocabularyError:
            return texts
        texts += [mark.mark, mark.name_zh]
    return texts


def _gem_texts(kind: str) -> list[str]:
    try:
        gem = vocab.GemKind(kind)
    except ValueError:
        return []
    return [vocab.GEM_NAMES_ZH[gem], gem.value]


def search_text_for(style: Style, extras: Iterable[str] = ()) -> str:
    """The segmented, space-joined search text of one style (relations should be prefetched)."""
    texts = _style_texts(style)
    texts += _metal_texts(style.metal, style.fineness)
    texts += _gem_texts(style.gem)
    if style.cert_lab:
        texts.append(style.cert_lab)
    texts += list(extras)
    seen_tokens: list[str] = []
    for text in texts:
        if text:
            seen_tokens += segment(str(text))
    return " ".join(seen_tokens)


def index_styles(*, style_ids: Iterable[int]) -> int:
    """(Re)build the search documents of these styles; returns how many were written.

    A fixed number of queries per chunk of 500 styles, whatever the number of styles: styles with
    category/parent/collection, tags, variant metals, stone kinds, certificate labs, one upsert.
    Ids of styles that no longer exist are ignored (their documents went with them).
    """
    ids = sorted({int(i) for i in style_ids})
    written = 0
    for start in range(0, len(ids), INDEX_CHUNK):
        written += _index_chunk(ids[start : start + INDEX_CHUNK])
    return written


def _index_chunk(ids: Sequence[int]) -> int:
    if not ids:
        return 0
    styles = list(
        Style.objects.filter(id__in=ids)
        .select_related("category__parent__parent", "collection")
        .prefetch_related("tags")
    )
    if not styles:
        return 0
    extras: dict[int, list[str]] = {s.id: [] for s in styles}
    for style_id, metal, fineness in (
        Variant.objects.filter(style_id__in=ids).values_list("style_id", "metal", "fineness").distinct()
    ):
        extras[style_id] += _metal_texts(metal, fineness)
    for style_id, kind in (
        Stone.objects.filter(piece__style_id__in=ids).values_list("piece__style_id", "kind").distinct()
    ):
        extras[style_id] += _gem_texts(kind)
    for style_id, lab in (
        Certificate.objects.filter(piece__style_id__in=ids).values_list("piece__style_id", "lab").distinct()
    ):
        extras[style_id].append(lab)
    documents = [
        SearchDocument(style=style, text=search_text_for(style, _dedupe(extras[style.id]))) for style in styles
    ]
    SearchDocument.objects.bulk_create(
        documents, update_conflicts=True, unique_fields=["style"], update_fields=["text", "updated_at"]
    )
    return len(documents)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- browsing -------------------------------------------------------------------------------

SORTS = ("relevance", "price_asc", "price_desc", "newest", "popular")
# (key, label, label_en, lower bound inclusive, upper bound exclusive)
CARAT_BUCKETS: tuple[tuple[str, str, str, Decimal | None, Decimal | None], ...] = (
    ("lt0.3", "0.3克拉以下", "Under 0.3 ct", None, Decimal("0.3")),
    ("0.3-0.5", "0.3–0.5克拉", "0.3–0.5 ct", Decimal("0.3"), Decimal("0.5")),
    ("0.5-1", "0.5–1克拉", "0.5–1 ct", Decimal("0.5"), Decimal("1")),
    ("1-2", "1–2克拉", "1–2 ct", Decimal("1"), Decimal("2")),
    ("gte2", "2克拉及以上", "2 ct and over", Decimal("2"), None),
)
PRICE_BUCKETS: tuple[tuple[str, str, str, Decimal | None, Decimal | None], ...] = (
    ("lt2000", "¥2,000以下", "Under ¥2,000", None, Decimal("2000")),
    ("2000-5000", "¥2,000–5,000", "¥2,000–5,000", Decimal("2000"), Decimal("5000")),
    ("5000-10000", "¥5,000–10,000", "¥5,000–10,000", Decimal("5000"), Decimal("10000")),
    ("10000-30000", "¥10,000–30,000", "¥10,000–30,000", Decimal("10000"), Decimal("30000")),
    ("30000-100000", "¥30,000–100,000", "¥30,000–100,000", Decimal("30000"), Decimal("100000")),
    ("gte100000", "¥100,000及以上", "¥100,000 and over", Decimal("100000"), None),
)
FACETS = ("category", "metal", "fineness", "gem", "carat", "price", "cert_lab", "in_stock_online", "store")


@dataclass(frozen=True)
class BrowseFilters:
    """What a shopper narrowed the catalog to. Empty values mean "any".

    - category: category slug (its descendants included); collection: collection slug;
      craft: craft tag code; store: location code (styles with an available piece there).
    - fineness: permille (990) or a mark code "gold-990" (then the metal is fixed too).
    - carat_min/carat_max bound Style.carat_max, price_min/price_max bound Style.price_from
      (both inclusive); carat_range/price_range take a bucket key of CARAT_BUCKETS/PRICE_BUCKETS
      (lower bound inclusive, upper exclusive), as shown in the facets.
    """

    category: str | None = None
    metal: str | None = None
    fineness: int | str | None = None
    gem: str | None = None
    carat_min: Decimal | str | None = None
    carat_max: Decimal | str | None = None
    carat_range: str | None = None
    price_min: Decimal | str | None = None
    price_max: Decimal | str | None = None
    price_range: str | None = None
    cert_lab: str | None = None
    collection: str | None = None
    craft: str | None = None
    in_stock_online: bool = False
    store: str | None = None


@dataclass(frozen=True)
class FacetValue:
    value: str  # what to pass back in BrowseFilters (a slug, code or bucket key)
    label: str
    label_en: str
    count: int
    selected: bool = False
    parent: str = ""  # category facet: the parent's slug

    @property
    def localized_label(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label


@dataclass
class BrowseResult:
    items: list[Style]
    total: int
    facets: dict[str, list[FacetValue]]
    page: int
    pages: int
    per_page: int = 24
    sort: str = "newest"
    tokens: list[str] = field(default_factory=list)


def query_tokens(query: str) -> list[str]:
    """The words a shopper's query is matched on: capped, segmented, deduplicated."""
    return _dedupe(segment((query or "")[:MAX_QUERY_CHARS]))[:MAX_QUERY_TOKENS]


def _fts5_match(tokens: Sequence[str]) -> str:
    # Every token is quoted (so AND/OR/NOT/NEAR, * and : are plain words); the last one is a prefix.
    quoted = ['"' + t.replace('"', '""') + '"' for t in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


def _tsquery(tokens: Sequence[str]) -> str:
    quoted = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens]
    quoted[-1] += ":*"
    return " & ".join(quoted)


def _text_condition(tokens: Sequence[str]) -> Q:
    vendor = connection.vendor
    if vendor == "sqlite":
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # nosec B608 # noqa: S608 - constant name
        return Q(id__in=RawSQL(sql, (_fts5_match(tokens),)))  # nosec B611 # noqa: S611 - parameters bound
    if vendor == "postgresql":
        sql = (
            # tsv: the stored to_tsvector('simple', text) of migration 0005, GIN-indexed
            "SELECT style_id FROM catalog_searchdocument WHERE tsv @@ to_tsquery('simple'::regconfig, %s)"
        )
        return Q(id__in=RawSQL(sql, (_tsquery(tokens),)))  # nosec B611 # noqa: S611 - parameters bound
    condition = Q()
    for token in tokens:
        condition &= Q(search_document__text__icontains=token)
    return condition


def _rank(tokens: Sequence[str]) -> tuple[RawSQL, bool] | None:
    """A relevance expression for the page query and whether higher is better."""
    vendor = connection.vendor
    if vendor == "sqlite":
        sql = (
            f"SELECT bm25({FTS_TABLE}) FROM {FTS_TABLE} "  # nosec B608 # noqa: S608 - constant name
            f"WHERE {FTS_TABLE} MATCH %s AND rowid = catalog_style.id"
        )
        return RawSQL(sql, (_fts5_match(tokens),)), False  # nosec B611 # noqa: S611 - parameters bound
    if vendor == "postgresql":
        sql = (
            # the stored vector: ts_rank no longer re-parses the text of every matching document
            "SELECT ts_rank(d.tsv, to_tsquery('simple'::regconfig, %s)) "
            "FROM catalog_searchdocument d WHERE d.style_id = catalog_style.id"
        )
        return RawSQL(sql, (_tsquery(tokens),)), True  # nosec B611 # noqa: S611 - parameters bound
    return None


def _decimal(name: str, value: Decimal | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0 or number > Decimal("1e12"):
        raise ValidationFailed(f"{name} must be a non-negative number", errors={name: ["Enter a number."]})
    return number


def _bucket(name: str, key: str | None, buckets: Sequence[tuple[str, str, str, Decimal | None, Decimal | None]]):
    if not key:
        return None
    for bucket in buckets:
        if bucket[0] == key:
            return bucket
    allowed = ", ".join(b[0] for b in buckets)
    raise ValidationFailed(f"Unknown {name}", errors={name: [f"Choose one of {allowed}."]})


def _range_q(field_name: str, low: Decimal | None, high: Decimal | None, *, high_inclusive: bool) -> Q:
    q = Q()
    if low is not None:
        q &= Q(**{f"{field_name}__gte": low})
    if high is not None:
        q &= Q(**{f"{field_name}__lte" if high_inclusive else f"{field_name}__lt": high})
    return q


def _fineness_filter(value: int | str) -> tuple[str | None, int] | None:
    text = str(value).strip()
    metal: str | None = None
    if "-" in text:
        metal, _, text = text.partition("-")
    if not text.isdigit() or len(text) > 4:
        raise ValidationFailed("Unknown fineness", errors={"fineness": ["Give a permille such as 990 or gold-990."]})
    return metal, int(text)


class _Categories:
    """The category tree, read once per browse (one query)."""

    def __init__(self) -> None:
        self.rows = list(
            Category.objects.order_by("position", "name", "id").values("id", "slug", "name", "name_en", "parent_id")
        )
        self.by_id = {row["id"]: row for row in self.rows}
        self.children: dict[int | None, list[int]] = {}
        for row in self.rows:
            self.children.setdefault(row["parent_id"], []).append(row["id"])

    def subtree(self, slug: str) -> list[int]:
        root = next((row["id"] for row in self.rows if row["slug"] == slug), None)
        if root is None:
            return []
        ids, stack = [], [root]
        while stack:
            current = stack.pop()
            if current in ids:  # a cycle would be a data error; don't loop on it
                continue
            ids.append(current)
            stack += self.children.get(current, [])
        return ids

    def ancestors_and_self(self, category_id: int) -> list[int]:
        chain: list[int] = []
        current: int | None = category_id
        while current is not None and current in self.by_id and current not in chain:
            chain.append(current)
            current = self.by_id[current]["parent_id"]
        return chain


def _clean(filters: BrowseFilters) -> BrowseFilters:
    """Text filters without NUL bytes (PostgreSQL refuses them) and of a bounded length."""
    changes: dict[str, Any] = {}
    for name in ("category", "metal", "fineness", "gem", "cert_lab", "collection", "craft", "store"):
        value = getattr(filters, name)
        if isinstance(value, str):
            changes[name] = value.replace("\x00", "").strip()[:MAX_QUERY_CHARS] or None
    return replace(filters, **changes)


def _conditions(filters: BrowseFilters, categories: _Categories) -> dict[str, Q]:
    """One condition per facet dimension (plus collection/craft), so a facet can drop its own."""
    c: dict[str, Q] = {}
    if filters.category:
        c["category"] = Q(category_id__in=categories.subtree(filters.category))
    if filters.metal:
        c["metal"] = Q(metal=filters.metal)
    if filters.fineness not in (None, ""):
        parsed = _fineness_filter(filters.fineness)
        if parsed is not None:
            metal, permille = parsed
            c["fineness"] = Q(fineness=permille) & (Q(metal=metal) if metal else Q())
    if filters.gem:
        c["gem"] = Q(gem=filters.gem)
    carat = _range_q(
        "carat_max",
        _decimal("carat_min", filters.carat_min),
        _decimal("carat_max", filters.carat_max),
        high_inclusive=True,
    )
    bucket = _bucket("carat_range", filters.carat_range, CARAT_BUCKETS)
    if bucket is not None:
        carat &= _range_q("carat_max", bucket[3], bucket[4], high_inclusive=False) & Q(carat_max__isnull=False)
    if carat:
        c["carat"] = carat
    price = _range_q(
        "price_from",
        _decimal("price_min", filters.price_min),
        _decimal("price_max", filters.price_max),
        high_inclusive=True,
    )
    bucket = _bucket("price_range", filters.price_range, PRICE_BUCKETS)
    if bucket is not None:
        price &= _range_q("price_from", bucket[3], bucket[4], high_inclusive=False) & Q(price_from__isnull=False)
    if price:
        c["price"] = price
    if filters.cert_lab:
        c["cert_lab"] = Q(cert_lab=filters.cert_lab)
    if filters.collection:
        c["collection"] = Q(collection__slug=filters.collection)
    if filters.craft:
        c["craft"] = Q(id__in=Style.objects.filter(tags__code=filters.craft, tags__kind="craft").values("id"))
    if filters.in_stock_online:
        c["in_stock_online"] = Q(online_count__gt=0)
    if filters.store:
        c["store"] = Q(
            id__in=Style.objects.filter(
                pieces__stock__location__code=filters.store, pieces__stock__status="available"
            ).values("id")
        )
    return c


def _bucket_case(field_name: str, buckets: Sequence[tuple[str, str, str, Decimal | None, Decimal | None]]) -> Case:
    whens = [When(**{f"{field_name}__isnull": True}, then=Value(""))]
    for key, _label, _label_en, _low, high in buckets:
        if high is not None:
            whens.append(When(**{f"{field_name}__lt": high}, then=Value(key)))
    return Case(*whens, default=Value(buckets[-1][0]))


def _dimension_columns() -> dict[str, dict[str, Any]]:
    """The GROUP BY column(s) of each facet dimension; built once (Django copies them when used)."""
    global _DIMENSION_COLUMNS
    if _DIMENSION_COLUMNS is not None:
        return _DIMENSION_COLUMNS
    _DIMENSION_COLUMNS = {
        "category": {"f_category": F("category_id")},
        "metal": {"f_metal": F("metal")},
        "fineness": {"f_fmetal": F("metal"), "f_fineness": F("fineness")},
        "gem": {"f_gem": F("gem")},
        "carat": {"f_carat": _bucket_case("carat_max", CARAT_BUCKETS)},
        "price": {"f_price": _bucket_case("price_from", PRICE_BUCKETS)},
        "cert_lab": {"f_lab": F("cert_lab")},
        "in_stock_online": {"f_online": Case(When(online_count__gt=0, then=Value("true")), default=Value("false"))},
    }
    return _DIMENSION_COLUMNS


_DIMENSION_COLUMNS: dict[str, dict[str, Any]] | None = None


# The column alias each dimension is read back from (fineness: two columns, metal and permille).
_ROW_KEYS: dict[str, tuple[str, ...]] = {
    "category": ("f_category",),
    "metal": ("f_metal",),
    "fineness": ("f_fmetal", "f_fineness"),
    "gem": ("f_gem",),
    "carat": ("f_carat",),
    "price": ("f_price",),
    "cert_lab": ("f_lab",),
    "in_stock_online": ("f_online",),
}


def _row_key(dimension: str, row: Any) -> Any:
    keys = _ROW_KEYS[dimension]
    if len(keys) == 1:
        return row[keys[0]]
    return tuple(row[k] for k in keys)


def _group_counts(qs: QuerySet[Style], dimensions: Sequence[str]) -> tuple[dict[str, Counter[Any]], int]:
    """Counts per value of each dimension over one queryset, from one GROUP BY query."""
    columns = _dimension_columns()
    selected: dict[str, Any] = {}
    for dimension in dimensions:
        selected.update(columns[dimension])
    counts: dict[str, Counter[Any]] = {d: Counter() for d in dimensions}
    total = 0
    # COUNT(*), not COUNT(id): the category-only GROUP BY can then be an index-only scan of (status, category)
    for row in qs.values(**selected).annotate(n=Count("*")).order_by():
        total += row["n"]
        for dimension in dimensions:
            counts[dimension][_row_key(dimension, row)] += row["n"]
    return counts, total


def _facet_values(
    dimension: str, counts: Counter[Any], filters: BrowseFilters, categories: _Categories
) -> list[FacetValue]:
    out: list[FacetValue] = []
    if dimension == "category":
        rolled: Counter[int] = Counter()
        for category_id, n in counts.items():
            for ancestor in categories.ancestors_and_self(category_id):
                rolled[ancestor] += n
        for row in categories.rows:
            if rolled[row["id"]]:
                parent = categories.by_id.get(row["parent_id"]) if row["parent_id"] else None
                out.append(
                    FacetValue(
                        row["slug"],
                        row["name"],
                        row["name_en"],
                        rolled[row["id"]],
                        row["slug"] == filters.category,
                        parent["slug"] if parent else "",
                    )
                )
    elif dimension == "metal":
        for metal in vocab.Metal:
            if counts[metal.value]:
                out.append(
                    FacetValue(
                        metal.value,
                        vocab.METAL_NAMES_ZH[metal],
                        vocab.METAL_NAMES_EN[metal],
                        counts[metal.value],
                        filters.metal == metal.value,
                    )
                )
    elif dimension == "fineness":
        for mark in vocab.FINENESS_MARKS:
            n = counts[(mark.metal.value, mark.permille)]
            if n:
                metal_en = vocab.METAL_NAMES_EN[mark.metal]
                label_en = f"{mark.mark} {metal_en}" if mark.mark.isascii() else f"{metal_en} {mark.permille}"
                selected = str(filters.fineness) in (mark.code, str(mark.permille))
                out.append(FacetValue(mark.code, mark.name_zh, label_en, n, selected))
    elif dimension == "gem":
        for gem in vocab.GemKind:
            if counts[gem.value]:
                out.append(
                    FacetValue(
                        gem.value,
                        vocab.GEM_NAMES_ZH[gem],
                        gem.value.replace("_", " ").title(),
                        counts[gem.value],
                        filters.gem == gem.value,
                    )
                )
    elif dimension in ("carat", "price"):
        buckets = CARAT_BUCKETS if dimension == "carat" else PRICE_BUCKETS
        chosen = filters.carat_range if dimension == "carat" else filters.price_range
        for key, label, label_en, _low, _high in buckets:
            if counts[key]:
                out.append(FacetValue(key, label, label_en, counts[key], chosen == key))
    elif dimension == "cert_lab":
        from auric.catalog.models import Lab

        for lab in Lab:
            if counts[lab.value]:
                out.append(
                    FacetValue(lab.value, str(lab.label), lab.value, counts[lab.value], filters.cert_lab == lab.value)
                )
    elif dimension == "in_stock_online" and counts["true"]:
        out.append(FacetValue("true", "线上有货", "In stock online", counts["true"], filters.in_stock_online))
    return out


def _store_facet_sql() -> str:
    """Styles (of a subquery) with an available piece per active store, as one statement.

    Counts distinct (style, location) pairs of available stock over the pieces of the already
    filtered styles (a semi-join on the style ids), grouped by location id; only the few store rows
    are joined for their names. The inventory tables are found through `Piece.stock` (PieceStock)
    and its `location` (Location), so catalog does not import inventory.
    """
    stock = cast(type[Model], Piece._meta.get_field("stock").related_model)
    location = cast(type[Model], stock._meta.get_field("location").related_model)
    q = connection.ops.quote_name
    piece_t, stock_t, location_t = (q(m._meta.db_table) for m in (Piece, stock, location))
    stock_piece, stock_location = (q(str(cast(Field, stock._meta.get_field(f)).column)) for f in ("piece", "location"))
    return (
        f"SELECT l.{q('code')}, l.{q('name')}, l.{q('name_en')}, c.n FROM ("  # nosec B608 # noqa: S608 - model names only
        f" SELECT ps.{stock_location} AS location_id, COUNT(DISTINCT p.{q('style_id')}) AS n"
        f" FROM {piece_t} p INNER JOIN {stock_t} ps ON ps.{stock_piece} = p.{q('id')}"
        f" WHERE ps.{q('status')} = %s AND p.{q('style_id')} IN ({{styles}})"
        f" AND ps.{stock_location} IN (SELECT {q('id')} FROM {location_t} WHERE {q('kind')} = %s AND {q('is_active')})"
        f" GROUP BY ps.{stock_location}"
        f") c INNER JOIN {location_t} l ON l.{q('id')} = c.location_id"
    )


_STORE_FACET_SQL: str | None = None
_T = TypeVar("_T")


def _store_rows(qs: QuerySet[Style]) -> list[tuple[str, str, str, int]]:
    """(code, name, name_en, styles with an available piece there) per active store."""
    global _STORE_FACET_SQL
    if _STORE_FACET_SQL is None:
        _STORE_FACET_SQL = _store_facet_sql()
    try:
        styles_sql, styles_params = qs.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. an unknown category)
        return []
    sql = _STORE_FACET_SQL.replace("{styles}", styles_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, ("available", *styles_params, "store"))
        return [tuple(row) for row in cursor.fetchall()]


def _order(qs: QuerySet[Style], sort: str, tokens: Sequence[str]) -> QuerySet[Style]:
    newest = [F("published_at").desc(nulls_last=True), F("id").desc()]
    if sort == "relevance" and tokens:
        rank = _rank(tokens)
        if rank is not None:
            expression, higher_is_better = rank
            qs = qs.annotate(search_rank=expression)
            ordered = (
                F("search_rank").desc(nulls_last=True) if higher_is_better else F("search_rank").asc(nulls_last=True)
            )
            return qs.order_by(ordered, F("popularity").desc(), *newest)
        return qs.order_by(F("popularity").desc(), *newest)
    if sort == "price_asc":
        return qs.order_by(F("price_from").asc(nulls_last=True), *newest)
    if sort == "price_desc":
        return qs.order_by(F("price_from").desc(nulls_last=True), *newest)
    if sort == "popular":
        return qs.order_by(F("popularity").desc(), *newest)
    return qs.order_by(*newest)


def browse(
    *,
    query: str = "",
    filters: BrowseFilters | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 24,
) -> BrowseResult:
    """Live styles matching a query and filters, one page of them, and facet counts.

    Queries: the category tree, one GROUP BY for the total and every facet whose own filter is not
    set, one per facet whose filter is set, one for the store facet, the page (category and
    collection joined) and its images (`style.listing_images`) — never more with a bigger page.
    """
    filters = _clean(filters or BrowseFilters())
    if sort not in SORTS:
        raise ValidationFailed("Unknown sort order", errors={"sort": [f"Choose one of {', '.join(SORTS)}."]})
    try:
        per_page = max(1, min(int(per_page), MAX_PER_PAGE))
        page = max(1, int(page))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("page and per_page must be whole numbers") from exc
    tokens = query_tokens(query)
    if sort == "relevance" and not tokens:
        sort = "newest"

    categories = _Categories()
    conditions = _conditions(filters, categories)
    base = Style.objects.filter(status=Style.Status.LIVE)
    if tokens:
        base = base.filter(_text_condition(tokens))

    def narrowed(*, without: str | None = None) -> QuerySet[Style]:
        qs = base
        for name, condition in conditions.items():
            if name != without:
                qs = qs.filter(condition)
        return qs

    full = narrowed()
    counted = [d for d in FACETS if d != "store"]
    shared = [d for d in counted if d not in conditions]
    # Facet counts are cached per catalog generation, keyed by exactly the conditions they depend
    # on: sort orders and pages share them, and e.g. the category facet of every plain category page
    # is one entry.
    gen = generation(CATALOG)

    def facet_cache(kind: str, without: str | None, build: Callable[[], _T]) -> _T:
        depends_on = tuple(sorted((k, str(v)) for k, v in conditions.items() if k != without))
        return cached(area=CATALOG, parts=("facets", kind, tuple(tokens), depends_on), build=build, gen=gen)

    counts, total = facet_cache("shared:" + ",".join(shared), None, lambda: _group_counts(full, shared))
    for dimension in counted:
        if dimension in conditions:
            counts.update(
                facet_cache(
                    dimension,
                    dimension,
                    lambda d=dimension: _group_counts(narrowed(without=d), [d])[0],  # type: ignore[misc]
                )
            )
    facets = {d: _facet_values(d, counts[d], filters, categories) for d in counted}
    store_rows = facet_cache("store", "store", lambda: _store_rows(narrowed(without="store")))
    facets["store"] = sorted(
        (FacetValue(code, name, name_en, n, code == filters.store) for code, name, name_en, n in store_rows),
        key=lambda v: (-v.count, v.label, v.value),
    )

    pages = max(1, math.ceil(total / per_page))
    page = min(page, pages)
    items: list[Style] = []
    if total:
        offset = (page - 1) * per_page
        images = MediaAsset.objects.filter(kind=MediaAsset.Kind.IMAGE).order_by("position", "id")
        items = list(
            _order(full, sort, tokens)
            .select_related("category", "collection")
            .prefetch_related(Prefetch("media", queryset=images, to_attr="listing_images"))[offset : offset + per_page]
        )
    return BrowseResult(
        items=items, total=total, facets=facets, page=page, pages=pages, per_page=per_page, sort=sort, tokens=tokens
    )
