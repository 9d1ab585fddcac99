"""The sandbox refunds like a real channel: one merchant refund number is one refund."""

import pytest

from auric.core.money import Money
from auric.payments.providers import sandbox

pytestmark = pytest.mark.django_db


def test_asking_again_with_the_same_refund_number_answers_with_the_same_refund(payment):
    channel = sandbox.SandboxProvider()
    amount = Money("100.00", "CNY")

    first = channel.refund(payment, amount, refund_id="auric-refund-1")
    again = channel.refund(payment, amount, refund_id="auric-refund-1")
    other = channel.refund(payment, amount, refund_id="auric-refund-2")

    assert first.succeeded and first.provider_reference == again.provider_reference
    assert other.provider_reference != first.provider_reference
