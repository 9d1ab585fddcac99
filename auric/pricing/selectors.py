"""Read queries for pricing pages, charts and the API; each takes a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from auric.catalog import vocab
from auric.catalog.models import Style
from auric.core.errors import ValidationFailed
from auric.core.money import Money
from auric.pricing.models import MetalPrice, PriceChange
from auric.pricing.services import latest_metal_prices

MAX_HISTORY_DAYS = 3660
MAX_CHANGES = 200
_MARK_ORDER = {(m.metal.value, m.permille): i for i, m in enumerate(vocab.FINENESS_MARKS)}


@dataclass(frozen=True)
class PricePoint:
    on_date: date
    price_per_gram: Money


@dataclass(frozen=True)
class TodayPrice:
    """The price in force today for one mark; `is_today` is False when it was set on an earlier day."""

    mark: vocab.FinenessMark
    price_per_gram: Money
    on_date: date
    is_today: bool
    source: str


def price_history(
    *, metal: str, fineness: int, days: int = 30, currency: str = "CNY", today: date | None = None
) -> list[PricePoint]:
    """Daily prices of one mark over the last `days` days (oldest first), for a chart. One query."""
    if not 1 <= days <= MAX_HISTORY_DAYS:
        raise ValidationFailed(errors={"days": [f"Must be between 1 and {MAX_HISTORY_DAYS}"]})
    today = today or timezone.localdate()
    rows = (
        MetalPrice.objects.filter(
            metal=metal,
            fineness=fineness,
            currency=currency,
            on_date__gt=today - timedelta(days=days),
            on_date__lte=today,
        )
        .order_by("on_date")
        .values_list("on_date", "price_per_gram")
    )
    return [PricePoint(on_date=day, price_per_gram=Money(price, currency)) for day, price in rows]


def today_prices(*, currency: str = "CNY", on_date: date | None = None) -> list[TodayPrice]:
    """The latest price on or before today for every mark that has one, in GB 11887 order."""
    day = on_date or timezone.localdate()
    result = []
    for (metal, fineness, row_currency), row in latest_metal_prices(on_date=day).items():
        if row_currency != currency or (metal, fineness) not in _MARK_ORDER:
            continue
        result.append(
            TodayPrice(
                mark=vocab.fineness_mark(metal, fineness),
                price_per_gram=Money(row.price_per_gram, currency),
                on_date=row.on_date,
                is_today=row.on_date == day,
                source=row.source,
            )
        )
    return sorted(result, key=lambda item: _MARK_ORDER[(item.mark.metal.value, item.mark.permille)])


def price_changes_for_style(*, style: Style, limit: int = 20) -> list[PriceChange]:
    """The public price-change log of a style, newest first. One query."""
    limit = max(1, min(limit, MAX_CHANGES))
    return list(PriceChange.objects.filter(style=style).order_by("-at", "-id")[:limit])
