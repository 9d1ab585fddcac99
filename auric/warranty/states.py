"""The vocabularies of the warranty app and the service request's state machine (one table).

Drawn in docs/warranty.md:

    booked ──intake──▶ received ──start──▶ in_work ──return──▶ returned
       │
       └──cancel──▶ cancelled
"""

from __future__ import annotations

from django.db import models


class ServiceKind(models.TextChoices):
    """What a service does; the same words name the entitlements that make it free."""

    CLEANING = "cleaning", "清洗 Cleaning"
    REPAIR = "repair", "维修 Repair of a manufacturing defect"
    RESIZE = "resize", "改圈 Resizing"
    RE_POLISH = "re_polish", "抛光 Re-polishing"
    RE_PLATING = "re_plating", "电镀 Re-plating"
    CERTIFICATE_RECHECK = "certificate_recheck", "证书复检 Certificate re-check"


class Period(models.TextChoices):
    PER_YEAR = "per_year", "每年 Per card year"
    TOTAL = "total", "合计 In total"


class Channel(models.TextChoices):
    STORE = "store", "到店 In store"
    MAIL_IN = "mail_in", "邮寄 Mail-in"


class CardStatus(models.TextChoices):
    ACTIVE = "active", "有效 Active"
    CANCELLED = "cancelled", "已作废 Cancelled"
    # Never stored: a card whose last entitlement ended is shown expired (`WarrantyCard.status_on`).
    EXPIRED = "expired", "已到期 Expired"


class ServiceState(models.TextChoices):
    BOOKED = "booked", "已预约 Booked"
    RECEIVED = "received", "已收件 Received"
    IN_WORK = "in_work", "服务中 In work"
    RETURNED = "returned", "已交还 Returned"
    CANCELLED = "cancelled", "已取消 Cancelled"


TRANSITIONS: dict[str, frozenset[str]] = {
    ServiceState.BOOKED: frozenset({ServiceState.RECEIVED, ServiceState.CANCELLED}),
    ServiceState.RECEIVED: frozenset({ServiceState.IN_WORK}),
    ServiceState.IN_WORK: frozenset({ServiceState.RETURNED}),
    ServiceState.RETURNED: frozenset(),
    ServiceState.CANCELLED: frozenset(),
}
OPEN_STATES = frozenset({ServiceState.BOOKED, ServiceState.RECEIVED, ServiceState.IN_WORK})


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, frozenset())
