"""`refund_payment(line_amounts=…, key=…)`: the per-line refunded amounts are written in the same
transaction as the order's refund; a key makes a refund happen once however often it is asked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.core.errors import ValidationFailed
from auric.core.money import Money
from auric.orders.models import OrderLine
from auric.orders.states import State
from auric.payments import services
from auric.payments.models import Refund
from auric.payments.webhooks import deliver_sandbox_callback
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(payment):
    """A paid 12800.00 order of two lines: a ring (12000.00) and a chain (800.00)."""
    order = payment.order
    for title, amount in (("ring", "12000.00"), ("chain", "800.00")):
        OrderLine.objects.create(
            order=order, variant=VariantFactory(), title=title, unit_price=Decimal(amount), line_total=Decimal(amount)
        )
    deliver_sandbox_callback(payment=payment, status="succeeded")
    order.refresh_from_db()
    assert order.state == State.PAID
    return order


def lines(order) -> dict[str, Decimal]:
    return dict(order.lines.values_list("title", "refunded_amount"))


def cny(amount: str) -> Money:
    return Money(Decimal(amount), "CNY")


def test_line_amounts_are_recorded_on_the_lines_with_the_refund(paid):
    ring = paid.lines.get(title="ring")

    refund = services.refund_payment(
        order=paid, amount=cny("12000.00"), reason="return", line_amounts={ring.pk: cny("12000.00")}
    )

    paid.refresh_from_db()
    assert refund.state == Refund.State.SUCCEEDED and refund.line_amounts == {str(ring.pk): "12000.00"}
    assert paid.refunded_total == Decimal("12000.00")
    assert lines(paid) == {"ring": Decimal("12000.00"), "chain": Decimal("0.00")}


def test_line_amounts_that_do_not_add_up_are_refused_before_the_provider_is_asked(paid):
    ring = paid.lines.get(title="ring")

    with pytest.raises(ValidationFailed):
        services.refund_payment(order=paid, amount=cny("500.00"), reason="x", line_amounts={ring.pk: cny("400.00")})

    assert not Refund.objects.exists()
    assert lines(paid) == {"ring": Decimal("0.00"), "chain": Decimal("0.00")}


def test_a_line_amount_above_what_the_line_was_paid_is_refused_before_the_provider_is_asked(paid):
    chain = paid.lines.get(title="chain")

    with pytest.raises(services.RefundRefused, match="exceed"):
        services.refund_payment(order=paid, amount=cny("900.00"), reason="x", line_amounts={chain.pk: cny("900.00")})

    assert not Refund.objects.exists()  # refused before the provider was asked
    paid.refresh_from_db()
    assert paid.refunded_total == Decimal("0.00")
    assert lines(paid) == {"ring": Decimal("0.00"), "chain": Decimal("0.00")}


def test_the_same_key_refunds_once(paid):
    chain = paid.lines.get(title="chain")
    ask = {"order": paid, "amount": cny("800.00"), "reason": "return", "key": "return:1"}

    first = services.refund_payment(**ask, line_amounts={chain.pk: cny("800.00")})
    second = services.refund_payment(**ask, line_amounts={chain.pk: cny("800.00")})

    paid.refresh_from_db()
    assert first.pk == second.pk and Refund.objects.count() == 1
    assert paid.refunded_total == Decimal("800.00") and lines(paid)["chain"] == Decimal("800.00")


def test_the_same_key_for_a_different_refund_is_refused(paid):
    services.refund_payment(order=paid, amount=cny("800.00"), reason="return", key="return:1")

    with pytest.raises(services.RefundRefused):
        services.refund_payment(order=paid, amount=cny("100.00"), reason="return", key="return:1")

    paid.refresh_from_db()
    assert paid.refunded_total == Decimal("800.00") and Refund.objects.count() == 1


def test_a_refund_without_line_amounts_leaves_the_lines_alone(paid):
    services.refund_payment(order=paid, amount=cny("100.00"), reason="goodwill")

    paid.refresh_from_db()
    assert paid.refunded_total == Decimal("100.00")
    assert lines(paid) == {"ring": Decimal("0.00"), "chain": Decimal("0.00")}
