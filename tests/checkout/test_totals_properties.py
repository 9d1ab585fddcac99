"""Price arithmetic, property-tested: total = subtotal − discount + shipping, never negative, 2 dp."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from auric.checkout.totals import CouponTerms, coupon_discount, order_totals, spread

money = st.decimals(
    min_value=Decimal("0.00"), max_value=Decimal("1000000"), places=2, allow_nan=False, allow_infinity=False
)
terms = st.one_of(
    st.none(),
    st.builds(
        CouponTerms,
        kind=st.just("percent"),
        percent_off=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2),
        min_spend=money,
        max_discount=st.one_of(st.none(), money),
    ),
    st.builds(CouponTerms, kind=st.sampled_from(["fixed", "threshold"]), amount_off=money, min_spend=money),
)


@given(lines=st.lists(money, min_size=1, max_size=8), coupon=terms, shipping=money)
def test_total_is_subtotal_minus_discount_plus_shipping_never_negative_in_fen(lines, coupon, shipping):
    subtotal = sum(lines, Decimal(0))
    totals = order_totals(lines, coupon_discount(subtotal, coupon), shipping)
    assert totals.total == totals.subtotal - totals.discount + totals.shipping
    assert totals.total >= 0 and 0 <= totals.discount <= totals.subtotal
    for amount in (totals.total, totals.subtotal, totals.discount, totals.shipping):
        assert amount == amount.quantize(Decimal("0.01"))


@given(lines=st.lists(money, min_size=1, max_size=8), discount=money)
def test_the_discount_spread_over_lines_adds_up_exactly_and_no_line_goes_negative(lines, discount):
    discount = min(discount, sum(lines, Decimal(0)))
    shares = spread(discount, lines)
    assert sum(shares, Decimal(0)) == (discount if sum(lines) > 0 else 0)
    assert all(share >= 0 for share in shares)


def test_percentage_discounts_round_half_up_to_the_fen():
    assert coupon_discount(Decimal("0.05"), CouponTerms(kind="percent", percent_off=Decimal("10"))) == Decimal("0.01")


@given(lines=st.lists(money, min_size=1, max_size=8), discount=money)
def test_no_line_gets_more_discount_than_its_own_total(lines, discount):
    discount = min(discount, sum(lines, Decimal(0)))
    assert all(share <= line for share, line in zip(spread(discount, lines), lines, strict=True))


def test_many_equal_lines_share_a_few_fen_without_going_negative():
    shares = spread(Decimal("0.03"), [Decimal("1.00")] * 6)
    assert sum(shares) == Decimal("0.03") and min(shares) == 0
