"""Test factories (factory_boy) for the core rows. They write rows directly; tests of services
call the services instead."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.test import Client
from django.utils import timezone

from auric.accounts.models import User
from auric.catalog.models import Category, Certificate, Collection, Piece, Stone, Style, Tag, Variant
from auric.inventory.models import Location, PieceStatus, PieceStock
from auric.pricing.models import MetalPrice


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = "手镯"
    name_en = "Bangles"
    slug = factory.Sequence(lambda n: f"category-{n}")


class CollectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Collection
        django_get_or_create = ("slug",)

    name = "传承系列"
    name_en = "Heritage"
    slug = factory.Sequence(lambda n: f"collection-{n}")


class ThemeTagFactory(factory.django.DjangoModelFactory):
    """A theme tag; craft tags are seeded by migration 0003 (look them up by code)."""

    class Meta:
        model = Tag
        django_get_or_create = ("code",)

    kind = Tag.Kind.THEME
    code = factory.Sequence(lambda n: f"theme-{n}")
    name = "婚嫁"
    name_en = "Wedding"


class StyleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Style

    code = factory.Sequence(lambda n: f"AU-{n:05d}")
    slug = factory.Sequence(lambda n: f"style-{n}")
    title = "足金古法手镯"
    title_en = "Ancient-method gold bangle"
    category = factory.SubFactory(CategoryFactory)
    pricing_mode = Style.PricingMode.BY_WEIGHT
    labour_fee = Decimal("20.00")
    labour_basis = Style.LabourBasis.PER_GRAM
    status = Style.Status.LIVE
    published_at = factory.LazyFunction(timezone.now)
    metal = "gold"
    fineness = 990


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    style = factory.SubFactory(StyleFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    metal = "gold"
    fineness = 990


class PieceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Piece

    variant = factory.SubFactory(VariantFactory)
    style = factory.LazyAttribute(lambda o: o.variant.style)
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    tag_code = factory.Sequence(lambda n: f"TAG{n:08d}")
    weight_g = Decimal("30.125")
    cost = Decimal("15000.00")


class StoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stone

    piece = factory.SubFactory(PieceFactory)
    is_main = True
    kind = "diamond"
    carat = Decimal("0.50")
    colour = "F"
    clarity = "VS1"
    cut = "EX"


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    piece = factory.SubFactory(PieceFactory)
    lab = "GIA"
    report_number = factory.Sequence(lambda n: f"22{n:08d}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate())


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"loc-{n}")
    name = factory.Sequence(lambda n: f"门店{n}")
    name_en = factory.Sequence(lambda n: f"Store {n}")
    kind = Location.Kind.STORE
    city = "上海"
    city_en = "Shanghai"
    latitude = Decimal("31.230416")
    longitude = Decimal("121.473701")


class PieceStockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PieceStock

    piece = factory.SubFactory(PieceFactory)
    location = factory.SubFactory(LocationFactory)
    status = PieceStatus.AVAILABLE


class MetalPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetalPrice

    metal = "gold"
    fineness = 990
    on_date = factory.LazyFunction(lambda: timezone.localdate())
    price_per_gram = Decimal("780.00")


def logged_in(user: User) -> Client:
    """A test client signed in as `user` (a session, as a browser has)."""
    client = Client()
    client.force_login(user)
    return client
