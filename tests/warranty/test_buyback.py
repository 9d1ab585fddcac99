"""Gold buyback (回购) and trade-in (以旧换新): a quote is the day's metal price at the measured
fineness's mark × the measured weight, minus the published fee, from a passed buyback inspection,
valid for a stated time; accepting it takes the piece back into stock with its history continued,
exactly once, and pays out (buyback) or credits a new order (trade-in)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from auric.checkout.models import Coupon
from auric.checkout.services import CouponInvalid
from auric.core.errors import PermissionDenied, ValidationFailed
from auric.inventory.models import PieceStatus, PieceStock
from auric.orders.services import place_order
from auric.provenance.models import Ownership
from auric.quality.models import Gate
from auric.warranty import buyback, fees
from auric.warranty.models import BuybackFee, BuybackQuote, Payout, WarrantyCard
from tests.checkout.conftest import stocked_piece
from tests.warranty.support import log_text, logged
from tests.warranty.trade import inspected

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fee_schedule(db):
    # Transactional tests empty every table afterwards, the schedule the data migration wrote too.
    fees.seed_default_fees(BuybackFee)


@pytest.fixture
def ring(ring_card):
    return ring_card.piece


def quote_for(ring, store, shopper, counter, inspectors, *, kind="buyback", **readings):
    inspection = inspected(ring, store, inspectors, **readings)
    return buyback.make_quote(
        piece=ring, kind=kind, store=store, customer=shopper, inspection=inspection, actor=counter
    )


# --- the quote ---------------------------------------------------------------------------------------


def test_a_quote_is_the_days_price_at_the_measured_mark_times_the_weight_minus_the_fee(
    ring, store, shopper, counter, inspectors, gold_price
):
    # Given a 足金 ring measured at 5.003 g and 999.4‰ (dual-verified), gold 990 at 780.00/g today
    # When the counter quotes a buyback
    quote = quote_for(ring, store, shopper, counter, inspectors)

    # Then 5.003 × 780.00 = 3902.34, fee 15.00/g × 5.003 = 75.045 → 75.05, the customer gets 3827.29
    assert (quote.mark, quote.price_per_gram, quote.metal_value) == (990, Decimal("780.00"), Decimal("3902.34"))
    assert (quote.fee, quote.amount, quote.currency) == (Decimal("75.05"), Decimal("3827.29"), "CNY")
    assert [line["label"] for line in quote.lines] == ["measured", "price", "metal_value", "fee", "amount"]
    assert quote.lines[-1]["text"] == "3,902.34 − 75.05 = 3,827.29 CNY"
    # valid for the stated 30 minutes
    assert timedelta(minutes=29) < quote.expires_at - timezone.now() <= timedelta(minutes=30)


def test_a_trade_in_costs_less_than_a_buyback(ring, store, shopper, counter, inspectors, gold_price):
    quote = quote_for(ring, store, shopper, counter, inspectors, kind="trade_in")

    assert (quote.fee, quote.amount) == (Decimal("25.02"), Decimal("3877.32"))  # 5.00/g × 5.003 g


def test_a_mark_without_its_own_price_is_priced_by_its_pure_metal_content():
    # 751.2‰ reaches the 18K mark (a minimum), not 足金; 989.9‰ only reaches 22K
    assert fees.mark_for("gold", Decimal("751.2")) == 750
    assert fees.mark_for("gold", Decimal("989.9")) == 916
    assert fees.mark_for("gold", Decimal("370")) is None
    price = fees.price_at_mark(750, {990: (Decimal("780.00"), timezone.localdate())})
    assert price is not None and price.per_gram == Decimal("590.91")  # 780.00 × 750 / 990, half-up
    valued = fees.value(
        metal="gold",
        weight_g=Decimal("3.512"),
        fineness_permille=Decimal("751.2"),
        mark=750,
        price=price,
        fee=fees.Fee(basis="percent", rate=Decimal("8.00")),
        currency="CNY",
    )
    # 3.512 × 590.91 = 2075.27592 → 2075.28; 8 % → 166.0224 → 166.02; 1909.26 to pay
    assert (valued.metal_value, valued.fee, valued.amount) == (
        Decimal("2075.28"),
        Decimal("166.02"),
        Decimal("1909.26"),
    )
    assert [line["label"] for line in valued.lines][2] == "price_at_mark"


def test_no_quote_without_a_decided_passed_buyback_inspection(ring, store, shopper, counter, inspectors, gold_price):
    from auric.quality import services as quality

    # An inspection still open …
    open_one = quality.open_inspection(piece=ring, gate=Gate.BUYBACK, station=store, actor=inspectors[0])
    with pytest.raises(buyback.QuoteRefused, match="passed buyback inspection"):
        buyback.make_quote(
            piece=ring, kind="buyback", store=store, customer=shopper, inspection=open_one, actor=counter
        )
    open_one.delete()
    # … or failed (5.300 g, not the 5.000 g the piece declares) gives no quote
    failed = inspected(ring, store, inspectors, weight="5.300")
    assert failed.state == "failed"
    with pytest.raises(buyback.QuoteRefused):
        buyback.make_quote(piece=ring, kind="buyback", store=store, customer=shopper, inspection=failed, actor=counter)
    assert not BuybackQuote.objects.exists()


def test_no_quote_without_the_days_metal_price(ring, store, shopper, counter, inspectors):
    with pytest.raises(buyback.QuoteRefused, match="price"):
        quote_for(ring, store, shopper, counter, inspectors)
    assert not BuybackQuote.objects.exists()


def test_no_quote_for_someone_who_does_not_hold_the_piece(ring, store, other_shopper, counter, inspectors, gold_price):
    with pytest.raises(buyback.NotTheHolder):
        quote_for(ring, store, other_shopper, counter, inspectors)
    assert not BuybackQuote.objects.exists()


def test_only_counter_staff_quote(ring, store, shopper, inspectors, gold_price, other_shopper):
    with pytest.raises(PermissionDenied):
        quote_for(ring, store, shopper, other_shopper, inspectors)


# --- accepting ---------------------------------------------------------------------------------------


def test_accepting_a_buyback_takes_the_piece_back_and_owes_the_payout(
    ring, ring_card, store, shopper, counter, inspectors, gold_price, django_capture_on_commit_callbacks
):
    quote = quote_for(ring, store, shopper, counter, inspectors)

    with django_capture_on_commit_callbacks(execute=True):
        accepted = buyback.accept_quote(
            reference=quote.reference, customer=shopper, payout_method="alipay", payout_reference=""
        )

    assert accepted.state == "accepted"
    payout = Payout.objects.get(quote=quote)
    assert (payout.amount, payout.method, payout.state, payout.payee) == (Decimal("3827.29"), "alipay", "owed", shopper)
    stock = PieceStock.objects.get(piece=ring)
    assert (stock.status, stock.location_id) == (PieceStatus.AVAILABLE, store.pk)  # gates off in tests
    assert not Ownership.objects.filter(piece__piece=ring, until__isnull=True).exists()
    ring_card.refresh_from_db()
    assert (ring_card.status, ring_card.cancel_reason) == ("cancelled", "bought_back")
    # the history continues, signed by the store, with no personal data
    [statement] = logged("piece.bought_back")
    assert statement["party"] == f"store.{store.code}"
    assert statement["data"] == {
        "location": f"store.{store.code}",
        "kind": "buyback",
        "weight_g": "5.003",
        "fineness_permille": "999.4",
        "mark": 990,
    }
    assert [s["data"]["reason"] for s in logged("ownership.transferred")][-1] == "bought_back"
    assert logged("inventory.received")
    assert shopper.username not in log_text() and str(shopper.email or "@@") not in log_text()


def test_with_the_inbound_gate_on_a_bought_back_piece_waits_for_its_inspection(
    ring, store, shopper, counter, inspectors, gold_price, settings
):
    settings.AURIC_QC_INBOUND_GATE = True
    quote = quote_for(ring, store, shopper, counter, inspectors)

    buyback.accept_quote(reference=quote.reference, customer=shopper, payout_method="cash")

    assert PieceStock.objects.get(piece=ring).status == PieceStatus.INSPECTING


def test_an_expired_quote_is_refused_and_nothing_changes(ring, store, shopper, counter, inspectors, gold_price):
    quote = quote_for(ring, store, shopper, counter, inspectors)
    BuybackQuote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(buyback.QuoteExpired):
        buyback.accept_quote(reference=quote.reference, customer=shopper, payout_method="alipay")

    quote.refresh_from_db()
    assert quote.state == "open"
    assert PieceStock.objects.get(piece=ring).status == PieceStatus.SOLD
    assert not Payout.objects.exists()
    assert WarrantyCard.objects.get(piece=ring).status == "active"


def test_a_quote_accepted_twice_is_refused(ring, store, shopper, counter, inspectors, gold_price):
    quote = quote_for(ring, store, shopper, counter, inspectors)
    buyback.accept_quote(reference=quote.reference, customer=shopper, payout_method="alipay")

    with pytest.raises(buyback.QuoteAlreadyAccepted):
        buyback.accept_quote(reference=quote.reference, customer=shopper, payout_method="alipay")
    assert Payout.objects.count() == 1


def test_another_customer_cannot_accept_the_quote(ring, store, shopper, other_shopper, counter, inspectors, gold_price):
    quote = quote_for(ring, store, shopper, counter, inspectors)

    with pytest.raises(buyback.QuoteNotFound):
        buyback.accept_quote(reference=quote.reference, customer=other_shopper, payout_method="alipay")
    assert BuybackQuote.objects.get(pk=quote.pk).state == "open"


@pytest.mark.parametrize(
    ("method", "reference", "field"),
    [
        ("", "", "payout_method"),
        ("paypal", "", "payout_method"),
        ("bank_transfer", "6222 0212 3456 7890", "payout_reference"),
    ],
)
def test_a_bad_payout_is_refused_and_nothing_changes(
    ring, store, shopper, counter, inspectors, gold_price, method, reference, field
):
    quote = quote_for(ring, store, shopper, counter, inspectors)

    with pytest.raises(ValidationFailed) as error:
        buyback.accept_quote(
            reference=quote.reference, customer=shopper, payout_method=method, payout_reference=reference
        )

    assert field in error.value.errors
    assert BuybackQuote.objects.get(pk=quote.pk).state == "open"
    assert PieceStock.objects.get(piece=ring).status == PieceStatus.SOLD


@pytest.mark.django_db(transaction=True)
def test_a_quote_accepted_concurrently_is_accepted_once(ring, store, shopper, counter, inspectors, gold_price):
    quote = quote_for(ring, store, shopper, counter, inspectors)
    outcomes: list[str] = []
    barrier = threading.Barrier(3)

    def attempt() -> None:
        try:
            barrier.wait()
            buyback.accept_quote(reference=quote.reference, customer=shopper, payout_method="alipay")
            outcomes.append("accepted")
        except buyback.QuoteAlreadyAccepted as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted", *["buyback_quote_already_accepted"] * 2]
    assert Payout.objects.filter(quote=quote).count() == 1


# --- trade-in credit ---------------------------------------------------------------------------------


def test_a_trade_in_credit_is_single_use_bound_to_the_customer_and_credited_against_a_new_order(
    ring, store, shopper, other_shopper, counter, inspectors, gold_price, cart_of, ship
):
    quote = quote_for(ring, store, shopper, counter, inspectors, kind="trade_in")
    accepted = buyback.accept_quote(reference=quote.reference, customer=shopper)
    credit = Coupon.objects.get(pk=accepted.credit_id)
    assert (credit.amount_off, credit.usage_limit, credit.bound_to) == (Decimal("3877.32"), 1, shopper)
    assert credit.ends_at > timezone.now() + timedelta(days=89)
    assert not Payout.objects.exists()

    # Nobody else can use it
    with pytest.raises(CouponInvalid):
        place_order(
            cart=cart_of(other_shopper, stocked_piece(store, fixed_price="5000.00")),
            user=other_shopper,
            delivery=ship,
            coupon_code=credit.code,
        )
    # The customer's new order is credited with it …
    order = place_order(
        cart=cart_of(shopper, stocked_piece(store, fixed_price="5000.00")),
        user=shopper,
        delivery=ship,
        coupon_code=credit.code,
    )
    assert order.discount_total == Decimal("3877.32")
    # … once
    with pytest.raises(Exception) as again:
        place_order(
            cart=cart_of(shopper, stocked_piece(store, fixed_price="5000.00")),
            user=shopper,
            delivery=ship,
            coupon_code=credit.code,
        )
    assert getattr(again.value, "code", "") in {"coupon_exhausted", "coupon_invalid"}
