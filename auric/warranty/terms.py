"""Which terms a piece gets, the documented default terms, and calendar arithmetic for card years.

The defaults are written by the data migration 0002_default_terms (calling `seed_default_terms`),
so every installation starts with them; operators change them in the back office. Changing terms
never touches cards already issued: a card keeps the snapshot it was issued with.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from auric.warranty.states import Period, ServiceKind

# (category slug, name, English name, duration in months, entitlements as
#  (kind, allowance or None for unlimited, period, months or None for the duration, lifetime, metal))
DEFAULT_TERMS: tuple[tuple[str, str, str, int, tuple[tuple[str, int | None, str, int | None, bool, str], ...]], ...] = (
    (
        "",
        "标准质保",
        "Standard warranty",
        24,
        (
            (ServiceKind.CLEANING, 2, Period.PER_YEAR, None, False, ""),
            (ServiceKind.REPAIR, None, Period.TOTAL, 12, False, ""),
            (ServiceKind.RE_POLISH, 1, Period.PER_YEAR, None, False, ""),
            (ServiceKind.CERTIFICATE_RECHECK, 1, Period.TOTAL, None, False, ""),
            (ServiceKind.RE_PLATING, 1, Period.PER_YEAR, None, True, "silver"),
        ),
    ),
    (
        "rings",
        "戒指质保",
        "Ring warranty",
        24,
        (
            (ServiceKind.CLEANING, 2, Period.PER_YEAR, None, False, ""),
            (ServiceKind.REPAIR, None, Period.TOTAL, 12, False, ""),
            (ServiceKind.RESIZE, 1, Period.TOTAL, None, False, ""),
            (ServiceKind.RE_POLISH, 1, Period.PER_YEAR, None, False, ""),
            (ServiceKind.CERTIFICATE_RECHECK, 1, Period.TOTAL, None, False, ""),
            (ServiceKind.RE_PLATING, 1, Period.PER_YEAR, None, True, "silver"),
        ),
    ),
)


def seed_default_terms(terms_model: Any, entitlement_model: Any) -> int:
    """Write the default terms where none exist for their category; returns how many were written.
    Takes the models as arguments so the data migration can pass its historical ones."""
    written = 0
    for slug, name, name_en, months, entitlements in DEFAULT_TERMS:
        terms, created = terms_model.objects.get_or_create(
            category_slug=slug, defaults={"name": name, "name_en": name_en, "duration_months": months}
        )
        if not created:
            continue
        written += 1
        for kind, allowance, period, entitlement_months, lifetime, metal in entitlements:
            entitlement_model.objects.create(
                terms=terms,
                kind=str(kind),
                allowance=allowance,
                period=str(period),
                months=entitlement_months,
                lifetime=lifetime,
                metal=metal,
            )
    return written


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def card_year(starts_at: datetime, moment: datetime) -> int:
    """Which card year `moment` falls in: 0 from the start to its first anniversary, and so on."""
    years = max(0, moment.year - starts_at.year)
    while years > 0 and add_months(starts_at, 12 * years) > moment:
        years -= 1
    return years
