"""Risk fixtures: the checkout's stocked pieces and shopper, plus helpers to place an order the way
a checkout request does (client context current, outbox delivered in-process after commit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from auric.checkout.shipping import DeliveryChoice
from auric.orders.models import Order
from auric.orders.services import new_order_number, place_order
from auric.orders.states import State
from auric.risk import context, services
from auric.risk.context import ClientContext
from auric.risk.models import RuleSet
from tests.checkout.conftest import (  # noqa: F401
    ADDRESS,
    cart_of,
    fixed_piece,
    gold_piece,
    gold_price,
    ship,
    shopper,
    stocked_piece,
    store,
)
from tests.factories import UserFactory

SHANGHAI_IP = "202.96.209.133"  # ip2region: 中国 上海 上海市
TIANJIN_IP = "60.30.1.1"  # ip2region: 中国 天津 天津市
HOME_DEVICE = "home-device-0123456789abcdef"


def address(street: str, **parts: str) -> dict[str, str]:
    return {**ADDRESS, "street": street, **parts}


def client_at(ip: str = SHANGHAI_IP, device: str = HOME_DEVICE, agent: str = "Mozilla/5.0 (iPhone)") -> ClientContext:
    return ClientContext(ip=ip, user_agent=agent, device_id=device)


@pytest.fixture
def place(cart_of, django_capture_on_commit_callbacks) -> Callable[..., Order]:  # noqa: F811
    """Place an order from a client, delivering the outbox after commit as a request would."""

    def make(user: Any, *pieces: Any, client: ClientContext | None = None, street: str = "南京东路 100 号") -> Order:
        with context.using(client or client_at()), django_capture_on_commit_callbacks(execute=True):
            order = place_order(cart=cart_of(user, *pieces), user=user, delivery=DeliveryChoice.ship(address(street)))
        order.refresh_from_db()
        return order

    return make


@pytest.fixture
def piece_at(store) -> Callable[[str], Any]:  # noqa: F811
    def make(price: str) -> Any:
        return stocked_piece(store, fixed_price=price)

    return make


def past_paid_order(user: Any, *, total: str, days_ago: int, fingerprint: str = "") -> Order:
    """A paid order in the shopper's history (rows written directly: history, not the subject)."""
    at = timezone.now() - timedelta(days=days_ago)
    return Order.objects.create(
        number=new_order_number(),
        user=user,
        state=State.COMPLETED,
        subtotal=Decimal(total),
        total=Decimal(total),
        delivery_method=Order.Delivery.SHIP,
        address_masked="上海市 上海市 黄浦区 ****",
        address_fingerprint=fingerprint,
        placed_at=at,
        pay_by=at + timedelta(minutes=30),
        paid_at=at + timedelta(minutes=5),
    )


@pytest.fixture
def regular(db) -> Any:
    """A customer of long standing."""
    return UserFactory(username="regular", date_joined=timezone.now() - timedelta(days=400))


def new_thresholds(step_up_at: int, hold_at: int, block_at: int) -> RuleSet:
    """Publish a version with the active rules and other outcome thresholds."""
    current = RuleSet.objects.get(is_active=True)
    rules = [services.RuleSpec(r.signal, r.weight, r.threshold, r.window_days) for r in current.rules.all()]
    return services.publish_rule_set(rules=rules, step_up_at=step_up_at, hold_at=hold_at, block_at=block_at)
