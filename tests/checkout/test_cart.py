"""The cart: pieces once, quantity goods, live availability and price, guest merge at login."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auric.checkout import services as checkout
from auric.checkout.selectors import cart_summary
from auric.core.errors import Conflict, ValidationFailed
from auric.inventory.services import reserve_piece
from tests.checkout.conftest import stocked_piece

pytestmark = pytest.mark.django_db


def test_a_unique_piece_is_in_the_cart_once_however_often_it_is_added(shopper, gold_piece):
    cart = checkout.get_cart(user=shopper)
    checkout.add_piece(cart=cart, piece=gold_piece)
    checkout.add_piece(cart=cart, piece=gold_piece)
    assert cart.lines.count() == 1 and cart.lines.get().quantity == 1


def test_quantity_goods_add_up_and_serialized_variants_need_a_piece(shopper, beads, gold_piece):
    cart = checkout.get_cart(user=shopper)
    checkout.add_variant(cart=cart, variant=beads, quantity=2)
    checkout.add_variant(cart=cart, variant=beads, quantity=1)
    assert cart.lines.get(variant=beads).quantity == 3
    with pytest.raises(ValidationFailed):
        checkout.add_variant(cart=cart, variant=gold_piece.variant, quantity=1)


def test_a_piece_that_is_not_available_cannot_be_added(shopper, gold_piece):
    reserve_piece(piece=gold_piece, reference="someone-else")
    with pytest.raises(Conflict):
        checkout.add_piece(cart=checkout.get_cart(user=shopper), piece=gold_piece)


def test_a_piece_reserved_meanwhile_is_flagged_not_dropped(shopper, gold_piece, fixed_piece, cart_of):
    cart = cart_of(shopper, gold_piece, fixed_piece)
    reserve_piece(piece=gold_piece, reference="another-order")
    summary = cart_summary(cart)
    flagged = {v.line.piece_id: v for v in summary.lines}
    assert len(summary.lines) == 2 and summary.has_problems
    assert flagged[gold_piece.pk].status == "reserved" and not flagged[gold_piece.pk].available
    assert flagged[fixed_piece.pk].available and summary.subtotal == Decimal("300.00")


def test_cart_summary_shows_live_prices_in_a_fixed_number_of_queries(shopper, store, gold_price, beads):
    cart = checkout.get_cart(user=shopper)
    checkout.add_piece(cart=cart, piece=stocked_piece(store))
    checkout.add_variant(cart=cart, variant=beads, quantity=2)
    with CaptureQueriesContext(connection) as small:
        cart_summary(cart)
    for _ in range(5):
        checkout.add_piece(cart=cart, piece=stocked_piece(store))
    with CaptureQueriesContext(connection) as large:
        summary = cart_summary(cart)
    assert len(large) == len(small) <= 3
    assert summary.subtotal == Decimal("8000.00") * 6 + Decimal("100.00")


def test_a_guest_cart_merges_into_the_account_at_login(shopper, gold_piece, fixed_piece, beads):
    mine = checkout.get_cart(user=shopper)
    checkout.add_piece(cart=mine, piece=fixed_piece)
    checkout.add_variant(cart=mine, variant=beads, quantity=1)
    guest = checkout.get_cart(session_key="guest-key")
    checkout.add_piece(cart=guest, piece=gold_piece)
    checkout.add_piece(cart=guest, piece=fixed_piece)
    checkout.add_variant(cart=guest, variant=beads, quantity=2)

    merged = checkout.merge_guest_cart(session_key="guest-key", user=shopper)

    assert merged.pk == mine.pk
    assert set(merged.lines.exclude(piece=None).values_list("piece_id", flat=True)) == {gold_piece.pk, fixed_piece.pk}
    assert merged.lines.get(piece=None).quantity == 3
    assert checkout.get_cart(session_key="guest-key", create=False) is None


def test_logging_in_merges_the_guest_cart_kept_in_the_session(shopper, gold_piece, rf):
    from django.contrib.auth.signals import user_logged_in
    from django.contrib.sessions.backends.db import SessionStore

    from auric.checkout.events import SESSION_CART_KEY

    checkout.add_piece(cart=checkout.get_cart(session_key="k-guest"), piece=gold_piece)
    request = rf.get("/")
    request.session = SessionStore()
    request.session[SESSION_CART_KEY] = "k-guest"

    user_logged_in.send(sender=type(shopper), request=request, user=shopper)

    assert checkout.get_cart(user=shopper).lines.get().piece_id == gold_piece.pk
    assert SESSION_CART_KEY not in request.session
