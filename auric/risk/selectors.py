"""What the risk engine measures: one observation per signal, read from the tables of the apps it
watches (orders, payments, accounts) and its own (decisions, device sightings). Read-only.

Addresses are compared by `Order.address_fingerprint` (a keyed digest), never by their text; the IP
region is compared with the order's masked address, which shows province and city anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

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


def new_device(user: Any, client: ClientContext | None) -> Observation:
    device = client.device if client is not None else ""
    if not device:
        return Observation(Decimal(1), "no device id sent")
    if _user(user) is None:
        return Observation(Decimal(1), "guest: no device history")
    if DeviceSighting.objects.filter(user=user, device=device).exists():
        return Observation(Decimal(0), "known device")
    return Observation(Decimal(1), "first time on this device")


def shared_device(user: Any, client: ClientContext | None, now: datetime, rule: RuleTerms) -> Observation:
    device = client.device if client is not None else ""
    if not device:
        return Observation(UNKNOWN_VALUE, "no device id sent")
    others = (
        DeviceSighting.objects.filter(device=device, last_seen__gte=_since(now, rule))
        .exclude(user=_user(user))
        .values("user")
        .distinct()
        .count()
    )
    accounts = others + (1 if _user(user) is not None else 0)
    return Observation(Decimal(accounts), f"{accounts} accounts on this device in {_days(rule)}")


# --- orders -----------------------------------------------------------------------------------


def _fingerprints(user: Any, since: datetime, order: Order) -> list[str]:
    return list(
        Order.objects.filter(user=user, placed_at__gte=since, placed_at__lte=order.placed_at)
        .exclude(address_fingerprint="")
        .order_by("placed_at", "id")
        .values_list("address_fingerprint", flat=True)
    )


def address_changes(order: Order, rule: RuleTerms) -> Observation:
    if order.user_id is None or not order.address_fingerprint:
        return Observation(UNKNOWN_VALUE, "guest or not shipped")
    since = _since(order.placed_at, rule)
    previous = (
        Order.objects.filter(user_id=order.user_id, placed_at__lt=since)
        .exclude(address_fingerprint="")
        .order_by("-placed_at", "-id")
        .values_list("address_fingerprint", flat=True)
        .first()
    )
    changes = 0
    for fingerprint in _fingerprints(order.user_id, since, order):
        if previous is not None and fingerprint != previous:
            changes += 1
        previous = fingerprint
    return Observation(Decimal(changes), f"{changes} address changes in {_days(rule)}")


def distinct_addresses(order: Order, rule: RuleTerms) -> Observation:
    if order.user_id is None or not order.address_fingerprint:
        return Observation(UNKNOWN_VALUE, "guest or not shipped")
    count = len(set(_fingerprints(order.user_id, _since(order.placed_at, rule), order)))
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


def order_velocity(order: Order, rule: RuleTerms) -> Observation:
    if order.user_id is None:
        return Observation(UNKNOWN_VALUE, "guest")
    count = Order.objects.filter(
        user_id=order.user_id, placed_at__gte=_since(order.placed_at, rule), placed_at__lte=order.placed_at
    ).count()
    return Observation(Decimal(count), f"{count} orders in {_days(rule)}")


def value_vs_history(order: Order, rule: RuleTerms) -> Observation:
    baseline = Decimal(str(settings.AURIC_RISK_VALUE_BASELINE))
    largest = None
    if order.user_id is not None:
        largest = (
            Order.objects.filter(
                user_id=order.user_id,
                state__in=_PAID,
                currency=order.currency,
                paid_at__gte=_since(order.placed_at, rule),
            )
            .exclude(pk=order.pk)
            .aggregate(largest=Max("total"))["largest"]
        )
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


def observe_order(rule: RuleTerms, *, order: Order, client: ClientContext | None, now: datetime) -> Observation:
    code = rule.signal
    if code == "address_changes":
        return address_changes(order, rule)
    if code == "distinct_addresses":
        return distinct_addresses(order, rule)
    if code == "account_age":
        return account_age(order.user, order.placed_at)
    if code == "new_device":
        return new_device(order.user, client)
    if code == "shared_device":
        return shared_device(order.user, client, now, rule)
    if code == "ip_region_mismatch":
        return ip_region_mismatch(order, client)
    if code == "order_velocity":
        return order_velocity(order, rule)
    if code == "value_vs_history":
        return value_vs_history(order, rule)
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
