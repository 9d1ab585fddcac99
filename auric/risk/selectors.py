"""What the risk engine measures: one observation per signal, read from the tables of the apps it
watches (orders, payments, accounts) and its own (decisions, device sightings). Read-only.

Addresses are compared by `Order.address_fingerprint` (a keyed digest), never by their text; the IP
region is compared with the order's masked address, which shows province and city anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Max

from auric.accounts.models import PasskeyCredential
from auric.orders.models import Order
from auric.orders.states import State
from auric.payments.models import Payment
from auric.risk import geo
from auric.risk.context import ClientContext
from auric.risk.models import Decision, DeviceSighting, Subject
from auric.risk.scoring import Observation, RuleTerms

UNKNOWN_VALUE = None
# Rows read per shared query (an account's recent orders, the accounts on a device): far above any
# rule's threshold.
MAX_ROWS = 500
_PAID = (
    State.PAID,
    State.PROCESSING,
    State.SHIPPED,
    State.READY_FOR_PICKUP,
    State.DELIVERED,
    State.PICKED_UP,
    State.COMPLETED,
)


def _since(now: datetime, rule: RuleTerms) -> datetime:
    return now - timedelta(days=rule.window_days)


def _days(rule: RuleTerms) -> str:
    return f"{rule.window_days} day{'s' if rule.window_days != 1 else ''}"


def _user(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- shared by orders and sign-ins ------------------------------------------------------------


def account_age(user: Any, now: datetime) -> Observation:
    if _user(user) is None:
        return Observation(Decimal(0), "guest, no account")
    days = max((now - user.date_joined).days, 0)
    return Observation(Decimal(days), f"account {days} days old")


class DeviceSightings:
    """The accounts seen on the client's device, read once per screening (the new-device and
    shared-device signals and the sighting recorded afterwards all need them)."""

    def __init__(self, client: ClientContext | None) -> None:
        self.device = client.device if client is not None else ""
        self._rows: list[tuple[int, datetime]] | None = None

    def rows(self) -> list[tuple[int, datetime]]:
        """(user id, last seen) per account seen on this device, most recent first (capped)."""
        if self._rows is None:
            self._rows = (
                list(
                    DeviceSighting.objects.filter(device=self.device)
                    .order_by("-last_seen")
                    .values_list("user_id", "last_seen")[:MAX_ROWS]
                )
                if self.device
                else []
            )
        return self._rows

    def knows(self, user: Any) -> bool:
        return _user(user) is not None and any(user_id == user.pk for user_id, _ in self.rows())


def new_device(user: Any, client: ClientContext | None, sightings: DeviceSightings | None = None) -> Observation:
    device = client.device if client is not None else ""
    if not device:
        return Observation(Decimal(1), "no device id sent")
    if _user(user) is None:
        return Observation(Decimal(1), "guest: no device history")
    if (sightings or DeviceSightings(client)).knows(user):
        return Observation(Decimal(0), "known device")
    return Observation(Decimal(1), "first time on this device")


def shared_device(
    user: Any, client: ClientContext | None, now: datetime, rule: RuleTerms, sightings: DeviceSightings | None = None
) -> Observation:
    device = client.device if client is not None else ""
    if not device:
        return Observation(UNKNOWN_VALUE, "no device id sent")
    since, me = _since(now, rule), getattr(_user(user), "pk", None)
    rows = (sightings or DeviceSightings(client)).rows()
    others = len({user_id for user_id, seen in rows if seen >= since and user_id != me})
    accounts = others + (1 if me is not None else 0)
    return Observation(Decimal(accounts), f"{accounts} accounts on this device in {_days(rule)}")


# --- orders -----------------------------------------------------------------------------------


class PastOrder(NamedTuple):
    pk: int
    placed_at: datetime
    fingerprint: str
    state: str
    currency: str
    total: Decimal
    paid_at: datetime | None


class RecentOrders:
    """The account's most recent orders up to this one (at most MAX_ROWS), oldest first, read once per
    screening: the address, velocity and value signals all look at them. When the account has more,
    a window reaching past the oldest one read is asked of the database instead."""

    def __init__(self, order: Order) -> None:
        self.order = order
        self._rows: list[PastOrder] | None = None
        self.complete = True  # every order of the account is in rows()

    def rows(self) -> list[PastOrder]:
        if self._rows is None:
            if self.order.user_id is None:
                return []
            newest_first = list(
                Order.objects.filter(user_id=self.order.user_id, placed_at__lte=self.order.placed_at)
                .order_by("-placed_at", "-id")
                .values_list("pk", "placed_at", "address_fingerprint", "state", "currency", "total", "paid_at")[
                    :MAX_ROWS
                ]
            )
            self.complete = len(newest_first) < MAX_ROWS
            self._rows = [PastOrder(*row) for row in reversed(newest_first)]
        return self._rows

    def covers(self, since: datetime) -> bool:
        """Whether rows() holds every order of the account placed since `since`."""
        rows = self.rows()
        return self.complete or rows[0].placed_at < since

    def since(self, since: datetime) -> list[PastOrder]:
        """The account's orders placed since `since` up to this one, oldest first."""
        if self.covers(since) or self.order.user_id is None:
            return [row for row in self.rows() if row.placed_at >= since]
        return [
            PastOrder(*row)
            for row in Order.objects.filter(
                user_id=self.order.user_id, placed_at__gte=since, placed_at__lte=self.order.placed_at
            )
            .order_by("placed_at", "id")
            .values_list("pk", "placed_at", "address_fingerprint", "state", "currency", "total", "paid_at")
        ]

    def fingerprint_before(self, since: datetime) -> str | None:
        """The address of the account's last shipped order before `since`."""
        earlier = [row.fingerprint for row in self.rows() if row.placed_at < since and row.fingerprint]
        if earlier or self.complete or self.order.user_id is None:
            return earlier[-1] if earlier else None
        return (
            Order.objects.filter(user_id=self.order.user_id, placed_at__lt=since)
            .exclude(address_fingerprint="")
            .order_by("-placed_at", "-id")
            .values_list("address_fingerprint", flat=True)
            .first()
        )

    def largest_paid(self, since: datetime) -> Decimal | None:
        """The largest paid total in this order's currency since `since`, this order left out."""
        order = self.order
        if order.user_id is None:
            return None
        # Unpaid orders expire within the hour, so an order paid since `since` was placed at most a
        # day before it.
        if self.covers(since - timedelta(days=1)):
            paid = [
                row.total
                for row in self.rows()
                if row.state in _PAID
                and row.currency == order.currency
                and row.paid_at is not None
                and row.paid_at >= since
                and row.pk != order.pk
            ]
            return max(paid, default=None)
        return (
            Order.objects.filter(user_id=order.user_id, state__in=_PAID, currency=order.currency, paid_at__gte=since)
            .exclude(pk=order.pk)
            .aggregate(largest=Max("total"))["largest"]
        )


def address_changes(order: Order, rule: RuleTerms, recent: RecentOrders | None = None) -> Observation:
    if order.user_id is None or not order.address_fingerprint:
        return Observation(UNKNOWN_VALUE, "guest or not shipped")
    recent = recent or RecentOrders(order)
    since = _since(order.placed_at, rule)
    previous = recent.fingerprint_before(since)
    changes = 0
    for row in recent.since(since):
        if not row.fingerprint:
            continue
        if previous is not None and row.fingerprint != previous:
            changes += 1
        previous = row.fingerprint
    return Observation(Decimal(changes), f"{changes} address changes in {_days(rule)}")


def distinct_addresses(order: Order, rule: RuleTerms, recent: RecentOrders | None = None) -> Observation:
    if order.user_id is None or not order.address_fingerprint:
        return Observation(UNKNOWN_VALUE, "guest or not shipped")
    recent = recent or RecentOrders(order)
    count = len({row.fingerprint for row in recent.since(_since(order.placed_at, rule)) if row.fingerprint})
    return Observation(Decimal(count), f"{count} different addresses in {_days(rule)}")


def ip_region_mismatch(order: Order, client: ClientContext | None) -> Observation:
    if order.delivery_method != Order.Delivery.SHIP or not order.address_masked:
        return Observation(UNKNOWN_VALUE, "not shipped")
    region = client.region if client is not None else geo.UNKNOWN
    if not region.known:
        return Observation(UNKNOWN_VALUE, "IP region unknown")
    place = geo.short_name(region.province) if region.country == "中国" and region.province else region.country
    ships_to = order.address_masked.replace("****", "").strip()
    if place and place in order.address_masked:
        return Observation(Decimal(0), f"IP in {region}, ships to {ships_to}")
    return Observation(Decimal(1), f"IP in {region}, ships to {ships_to}")


def order_velocity(order: Order, rule: RuleTerms, recent: RecentOrders | None = None) -> Observation:
    if order.user_id is None:
        return Observation(UNKNOWN_VALUE, "guest")
    count = len((recent or RecentOrders(order)).since(_since(order.placed_at, rule)))
    return Observation(Decimal(count), f"{count} orders in {_days(rule)}")


def value_vs_history(order: Order, rule: RuleTerms, recent: RecentOrders | None = None) -> Observation:
    baseline = Decimal(str(settings.AURIC_RISK_VALUE_BASELINE))
    largest = (recent or RecentOrders(order)).largest_paid(_since(order.placed_at, rule))
    reference = max(largest or Decimal(0), baseline)
    ratio = (order.total / reference).quantize(Decimal("0.01"))
    history = f"largest paid {largest:.2f} {order.currency}" if largest else "no paid orders"
    return Observation(ratio, f"{order.total} {order.currency} is {ratio}× the reference ({history})")


def failed_payments(order: Order, rule: RuleTerms) -> Observation:
    if order.user_id is None:
        return Observation(UNKNOWN_VALUE, "guest")
    count = Payment.objects.filter(
        order__user_id=order.user_id, state=Payment.State.FAILED, created_at__gte=_since(order.placed_at, rule)
    ).count()
    return Observation(Decimal(count), f"{count} failed payments in {_days(rule)}")


def new_passkey(order: Order, rule: RuleTerms) -> Observation:
    if order.user_id is None:
        return Observation(UNKNOWN_VALUE, "guest")
    added = (
        PasskeyCredential.objects.filter(user_id=order.user_id, created_at__gte=_since(order.placed_at, rule))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if added is None:
        return Observation(Decimal(0), f"no passkey added in {_days(rule)}")
    minutes = int((order.placed_at - added).total_seconds() // 60)
    return Observation(order.total, f"passkey added {minutes} min before a {order.total} {order.currency} order")


@dataclass
class OrderReads:
    """Reads shared between the signals of one order screening."""

    recent: RecentOrders
    sightings: DeviceSightings

    @classmethod
    def of(cls, order: Order, client: ClientContext | None) -> OrderReads:
        return cls(RecentOrders(order), DeviceSightings(client))


def observe_order(
    rule: RuleTerms, *, order: Order, client: ClientContext | None, now: datetime, reads: OrderReads | None = None
) -> Observation:
    code = rule.signal
    reads = reads or OrderReads.of(order, client)
    if code == "address_changes":
        return address_changes(order, rule, reads.recent)
    if code == "distinct_addresses":
        return distinct_addresses(order, rule, reads.recent)
    if code == "account_age":
        return account_age(order.user, order.placed_at)
    if code == "new_device":
        return new_device(order.user, client, reads.sightings)
    if code == "shared_device":
        return shared_device(order.user, client, now, rule, reads.sightings)
    if code == "ip_region_mismatch":
        return ip_region_mismatch(order, client)
    if code == "order_velocity":
        return order_velocity(order, rule, reads.recent)
    if code == "value_vs_history":
        return value_vs_history(order, rule, reads.recent)
    if code == "failed_payments":
        return failed_payments(order, rule)
    if code == "new_passkey":
        return new_passkey(order, rule)
    return Observation(UNKNOWN_VALUE, "not measured for orders")


# --- sign-ins ---------------------------------------------------------------------------------


def login_region_new(user: Any, client: ClientContext | None, now: datetime, rule: RuleTerms) -> Observation:
    region = client.region if client is not None else geo.UNKNOWN
    if not region.known:
        return Observation(UNKNOWN_VALUE, "IP region unknown")
    earlier = set(
        Decision.objects.filter(subject=Subject.LOGIN, user=user, decided_at__gte=_since(now, rule))
        .exclude(client__ip_region="")
        .values_list("client__ip_region", flat=True)
    )
    if not earlier:
        return Observation(UNKNOWN_VALUE, "no earlier sign-in to compare")
    if str(region) in earlier:
        return Observation(Decimal(0), f"from {region}, as before")
    return Observation(Decimal(1), f"from {region}; before only {', '.join(sorted(earlier))}")


def observe_login(rule: RuleTerms, *, user: Any, client: ClientContext | None, now: datetime) -> Observation:
    code = rule.signal
    if code == "account_age":
        return account_age(user, now)
    if code == "new_device":
        return new_device(user, client)
    if code == "shared_device":
        return shared_device(user, client, now, rule)
    if code == "login_region_new":
        return login_region_new(user, client, now, rule)
    return Observation(UNKNOWN_VALUE, "not measured for sign-ins")


def open_review_count() -> int:
    from auric.risk.models import ReviewCase

    return ReviewCase.objects.filter(state=ReviewCase.State.OPEN).count()
