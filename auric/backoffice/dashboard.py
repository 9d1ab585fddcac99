"""The back-office home page: catalog size, stock value by location, today's metal prices, the
90-day 足金 price line and the state of the event outbox.

`UNFOLD["DASHBOARD_CALLBACK"]` points at `dashboard_callback`. It lives above the apps it reads
(the core never imports them). Charts use the
Chart.js that ships inside django-unfold's static files (no CDN); their data is JSON in the page.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from auric.core.models import OutboxEvent

PRICE_DAYS = 90
GOLD_MARK = ("gold", 990)  # 足金 under GB 11887


def _chart(labels: list[str], datasets: list[dict[str, Any]]) -> str:
    return json.dumps({"labels": labels, "datasets": datasets}, ensure_ascii=False)


def catalog_size() -> dict[str, int]:
    from auric.catalog.models import Piece, Style

    counts = Style.objects.aggregate(
        live=Count("pk", filter=Q(status=Style.Status.LIVE)),
        draft=Count("pk", filter=Q(status=Style.Status.DRAFT)),
        delisted=Count("pk", filter=Q(status=Style.Status.DELISTED)),
    )
    return {**counts, "pieces": Piece.objects.count()}


def stock_value(request: HttpRequest) -> dict[str, Any]:
    from auric.accounts.roles import is_store_scoped, store_location_ids
    from auric.inventory.selectors import stock_value_by_location

    rows = stock_value_by_location()
    if is_store_scoped(request.user):
        mine = store_location_ids(request.user)
        rows = [row for row in rows if row.location.pk in mine]
    total = sum((row.cost for row in rows), Decimal("0"))
    chart = _chart(
        [row.location.name for row in rows],
        [
            {
                "label": _("Cost of stock on hand (CNY)"),
                # Chart values are for drawing only; the table shows the exact amounts.
                "data": [float(row.cost) for row in rows],
                "backgroundColor": "var(--color-primary-600)",
            }
        ],
    )
    return {"rows": rows, "total": total, "chart": chart}


def metal_prices() -> dict[str, Any]:
    from auric.catalog import vocab
    from auric.pricing.selectors import price_history, today_prices

    today = timezone.localdate()
    metal, fineness = GOLD_MARK
    history = price_history(metal=metal, fineness=fineness, days=PRICE_DAYS, today=today)
    chart = _chart(
        [point.on_date.isoformat() for point in history],
        [
            {
                "label": _("%(mark)s price per gram (CNY)") % {"mark": vocab.fineness_mark(metal, fineness).mark},
                "data": [float(point.price_per_gram.amount) for point in history],
                "borderColor": "var(--color-primary-600)",
                "backgroundColor": "var(--color-primary-600)",
                "tension": 0.2,
            }
        ],
    )
    return {
        "today": today_prices(on_date=today),
        "history_points": len(history),
        "history_from": today - timedelta(days=PRICE_DAYS - 1),
        "chart": chart,
    }


def outbox_state() -> dict[str, int]:
    return OutboxEvent.objects.aggregate(
        pending=Count("pk", filter=Q(dispatched_at__isnull=True, gave_up_at__isnull=True)),
        retrying=Count("pk", filter=Q(dispatched_at__isnull=True, gave_up_at__isnull=True, attempts__gt=0)),
        failed=Count("pk", filter=Q(dispatched_at__isnull=True, gave_up_at__isnull=False)),
    )


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    user = request.user
    context["dashboard"] = {
        "catalog": catalog_size() if user.has_perm("catalog.view_style") else None,
        "stock": stock_value(request) if user.has_perm("inventory.view_piecestock") else None,
        "prices": metal_prices() if user.has_perm("pricing.view_metalprice") else None,
        "outbox": outbox_state() if user.has_perm("core.view_outboxevent") else None,
    }
    return context
