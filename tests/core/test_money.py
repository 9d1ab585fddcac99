from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auric.core.money import CurrencyMismatch, Money, babel_locale, minor_unit


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(1.1)  # type: ignore[arg-type]


def test_money_refuses_unknown_currency_and_non_numbers():
    with pytest.raises(ValueError):
        Money(Decimal("1"), "XYZ1")
    with pytest.raises(ValueError):
        Money("abc")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(Decimal("NaN"))


def test_adding_different_currencies_is_an_error():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal("1"), "CNY") + Money(Decimal("1"), "USD")


def test_quantized_rounds_half_up_to_the_minor_unit():
    assert Money(Decimal("10.005")).quantized().amount == Decimal("10.01")
    assert Money(Decimal("10.004")).quantized().amount == Decimal("10.00")
    assert Money(Decimal("100.5"), "JPY").quantized().amount == Decimal("101")
    assert minor_unit("CNY") == Decimal("0.01")


def test_format_follows_locale():
    amount = Money(Decimal("12345.6"))
    assert amount.format("zh_Hans_CN") == "¥12,345.60"
    assert amount.format("en_US") == "CN¥12,345.60"
    assert babel_locale("zh-hans") == "zh_Hans_CN"
    assert babel_locale("en") == "en_US"


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
)
def test_addition_is_exact_and_quantizing_moves_at_most_half_a_cent(a, b):
    total = Money(a) + Money(b)
    assert total.amount == a + b
    assert abs(total.quantized().amount - total.amount) <= Decimal("0.005")
