import pytest

from tests.factories import MetalPriceFactory, PieceStockFactory


@pytest.mark.django_db
def test_factories_build_a_stocked_gold_piece():
    stock = PieceStockFactory()
    price = MetalPriceFactory()
    assert stock.piece.style == stock.piece.variant.style
    assert (price.metal, price.fineness) == (stock.piece.variant.metal, stock.piece.variant.fineness)
