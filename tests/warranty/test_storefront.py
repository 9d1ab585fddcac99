"""My warranties in the storefront: cards with free services left, booking, cancelling, weights."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auric.warranty.models import ServiceRequest
from tests.warranty.support import book, perform

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_lists_cards_entitlements_and_bookings_with_weights(ring_card, bangle_card, shopper):
    perform(book(shopper, ring_card), weight_in="5.002", weight_out="5.001")

    page = _client(shopper).get(reverse("storefront:warranties"))

    html = page.content.decode()
    assert page.status_code == 200
    assert ring_card.number in html and bangle_card.number in html
    assert "5.002 g" in html and "5.001 g" in html
    assert reverse("provenance:piece", args=[ring_card.piece.tag_code]) in html
    assert "<script>" not in html  # CSP: no inline scripts


def test_booking_from_the_form(ring_card, shopper, store):
    response = _client(shopper).post(
        reverse("storefront:warranty_book"),
        {
            "card": ring_card.number,
            "kind": "resize",
            "channel": "mail_in",
            "store": str(store.pk),
            "date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        },
    )

    assert response.status_code == 302
    booking = ServiceRequest.objects.get()
    assert (booking.kind, booking.channel, booking.chargeable) == ("resize", "mail_in", False)


def test_a_past_date_is_refused_with_a_message_and_books_nothing(ring_card, shopper, store):
    response = _client(shopper).post(
        reverse("storefront:warranty_book"),
        {
            "card": ring_card.number,
            "kind": "cleaning",
            "channel": "store",
            "store": str(store.pk),
            "date": "2001-01-01",
        },
        follow=True,
    )

    assert "date" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_another_shoppers_card_and_booking_are_404(ring_card, shopper, other_shopper, store):
    booking = book(shopper, ring_card)
    client = _client(other_shopper)

    assert client.post(reverse("storefront:warranty_booking_cancel", args=[booking.reference])).status_code == 404
    response = client.post(
        reverse("storefront:warranty_book"),
        {"card": ring_card.number, "kind": "cleaning", "channel": "store", "store": str(store.pk), "date": ""},
    )
    assert response.status_code in {302, 404}
    assert ServiceRequest.objects.count() == 1
    assert ring_card.number not in client.get(reverse("storefront:warranties")).content.decode()


def test_cancelling_from_the_page(ring_card, shopper):
    booking = book(shopper, ring_card)

    _client(shopper).post(reverse("storefront:warranty_booking_cancel", args=[booking.reference]))

    booking.refresh_from_db()
    assert booking.state == "cancelled"


def test_the_chinese_page(ring_card, shopper):
    client = _client(shopper)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("storefront:warranties"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的质保" in html and "预约服务" in html
