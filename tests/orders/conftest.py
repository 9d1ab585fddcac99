"""Order tests reuse the checkout fixtures (a stocked gold piece, a store, a shopper)."""

from tests.checkout.conftest import (  # noqa: F401
    beads,
    cart_of,
    fixed_piece,
    gold_piece,
    gold_price,
    other_store,
    ship,
    shopper,
    store,
)
