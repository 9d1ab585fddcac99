"""Fixtures for the API tests: a small shop (styles, pieces, stock, prices), users and tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from auric.accounts.models import ApiToken, User
from auric.accounts.services import issue_api_token, revoke_api_token
from auric.catalog.models import Category, Certificate, Collection, Piece, Stone, Style, Tag
from auric.catalog.search import index_styles
from auric.inventory.availability import refresh_style_availability
from auric.inventory.models import Location, PieceStatus
from auric.pricing.models import MetalPrice, PriceChange
from auric.pricing.services import price_pieces
from tests.factories import (
    CategoryFactory,
    LocationFactory,
    PieceFactory,
    PieceStockFactory,
    StyleFactory,
    UserFactory,
    VariantFactory,
)


@pytest.fixture(autouse=True)
def keep_test_connection() -> Iterator[None]:
    """Django closes "old" connections at the start and end of every request. In-process requests
    (the test client, schemathesis' WSGI calls) would then close the test's own connection on
    PostgreSQL, losing its transaction; keep it open for the test's duration."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def client() -> Client:
    return Client()


@dataclass
class Shop:
    gold: Category
    bangles: Category
    heritage: Collection
    bangle: Style
    ring: Style
    draft: Style
    store: Location
    warehouse: Location
    bangle_pieces: list[Piece]
    sold_piece: Piece
    ring_piece: Piece


@pytest.fixture
def shop(db: None) -> Shop:
    """Two live styles (a by-weight 足金 bangle, a fixed-price 18K diamond ring) and a draft."""
    today = timezone.localdate()
    MetalPrice.objects.create(metal="gold", fineness=990, on_date=today - timedelta(days=1), price_per_gram="770.00")
    MetalPrice.objects.create(metal="gold", fineness=990, on_date=today, price_per_gram="780.00")
    MetalPrice.objects.create(metal="gold", fineness=750, on_date=today, price_per_gram="600.00")
    MetalPrice.objects.create(metal="platinum", fineness=950, on_date=today, price_per_gram="250.00")

    gold = CategoryFactory(slug="gold", name="黄金", name_en="Gold")
    bangles = CategoryFactory(slug="bangles", name="手镯", name_en="Bangles", parent=gold)
    rings = CategoryFactory(slug="rings", name="戒指", name_en="Rings")
    heritage = Collection.objects.create(name="传承", name_en="Heritage", slug="heritage", edition_size=99)

    store = LocationFactory(
        code="sh-nanjing-road",
        name="南京路店",
        name_en="Nanjing Road",
        opening_hours="10:00–22:00",
        address="上海市黄浦区南京东路1号",
    )
    warehouse = LocationFactory(
        code="wh-online", name="电商仓", name_en="Online warehouse", kind=Location.Kind.WAREHOUSE, sells_online=True
    )

    bangle = StyleFactory(
        code="AU-BANGLE",
        slug="gufa-bangle",
        title="足金古法手镯",
        title_en="Ancient-method gold bangle",
        category=bangles,
        collection=heritage,
        list_price=Decimal("99999.00"),
    )
    bangle.tags.add(Tag.objects.get(code="gufa"))
    bangle_variant = VariantFactory(style=bangle, sku="AU-BANGLE-56", size="56")
    bangle_pieces = [
        PieceFactory(variant=bangle_variant, serial_number="SN-BANGLE-1", weight_g=Decimal("30.125")),
        PieceFactory(variant=bangle_variant, serial_number="SN-BANGLE-2", weight_g=Decimal("32.500")),
    ]
    sold_piece = PieceFactory(variant=bangle_variant, serial_number="SN-BANGLE-SOLD", weight_g=Decimal("31.000"))
    PieceStockFactory(piece=bangle_pieces[0], location=store)
    PieceStockFactory(piece=bangle_pieces[1], location=warehouse)
    PieceStockFactory(piece=sold_piece, location=store, status=PieceStatus.SOLD)

    ring = StyleFactory(
        code="AU-RING",
        slug="diamond-ring",
        title="18K金钻石戒指",
        title_en="18K gold diamond ring",
        category=rings,
        pricing_mode=Style.PricingMode.FIXED,
        fixed_price=Decimal("12800.00"),
        metal="gold",
        fineness=750,
        gem="diamond",
        carat_max=Decimal("0.52"),
        cert_lab="GIA",
    )
    ring_variant = VariantFactory(style=ring, sku="AU-RING-12", fineness=750, size="12")
    ring_piece = PieceFactory(variant=ring_variant, serial_number="SN-RING-1", weight_g=Decimal("3.200"))
    Stone.objects.create(
        piece=ring_piece,
        kind="diamond",
        carat=Decimal("0.52"),
        colour="G",
        clarity="VS1",
        cut="EX",
        polish="EX",
        symmetry="VG",
        fluorescence="N",
    )
    Certificate.objects.create(
        piece=ring_piece, lab="GIA", report_number="2141234567", issued_on=date(2025, 3, 1), grades={"colour": "G"}
    )
    PieceStockFactory(piece=ring_piece, location=warehouse)

    draft = StyleFactory(code="AU-DRAFT", slug="secret-draft", title="足金吊坠", status=Style.Status.DRAFT)
    VariantFactory(style=draft, sku="AU-DRAFT-1")

    price_pieces(piece_ids=[p.pk for p in (*bangle_pieces, sold_piece, ring_piece)])
    style_ids = [bangle.pk, ring.pk, draft.pk]
    refresh_style_availability(style_ids=style_ids)
    index_styles(style_ids=style_ids)
    PriceChange.objects.create(
        style=bangle, old_amount=Decimal("23100.00"), new_amount=Decimal("23500.00"), reason="metal_price"
    )
    for style in (bangle, ring, draft):
        style.refresh_from_db()
    return Shop(
        gold=gold,
        bangles=bangles,
        heritage=heritage,
        bangle=bangle,
        ring=ring,
        draft=draft,
        store=store,
        warehouse=warehouse,
        bangle_pieces=bangle_pieces,
        sold_piece=sold_piece,
        ring_piece=ring_piece,
    )


@dataclass
class Caller:
    user: User
    secret: str
    token: ApiToken

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


def _caller(username: str, *, permissions: tuple[str, ...] = ()) -> Caller:
    user = UserFactory(username=username, is_staff=True)
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    issued = issue_api_token(user=user, name=f"{username} script")
    return Caller(user=User.objects.get(pk=user.pk), secret=issued.secret, token=issued.token)


@pytest.fixture
def price_editor(db: None) -> Caller:
    return _caller("price-editor", permissions=("pricing.add_metalprice",))


@pytest.fixture
def bystander(db: None) -> Caller:
    """Authenticated, but without any pricing permission."""
    return _caller("bystander")


@pytest.fixture
def revoked(db: None) -> Caller:
    caller = _caller("former-editor", permissions=("pricing.add_metalprice",))
    revoke_api_token(token=caller.token)
    return caller
