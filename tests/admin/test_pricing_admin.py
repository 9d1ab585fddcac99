"""Metal prices entered in the back office go through the pricing service (audit, reprice)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from auric.core.models import AuditEntry
from auric.pricing.models import MetalPrice


@pytest.mark.django_db
def test_adding_a_metal_price_in_the_admin_records_an_audit_entry(operator_client, operator):
    today = timezone.localdate()

    response = operator_client.post(
        reverse("admin:pricing_metalprice_add"),
        {
            "metal": "gold",
            "fineness": "990",
            "on_date": today.isoformat(),
            "price_per_gram": "781.20",
            "currency": "CNY",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    price = MetalPrice.objects.get(metal="gold", fineness=990, on_date=today)
    assert price.price_per_gram == Decimal("781.20")
    assert price.entered_by == operator
    assert AuditEntry.objects.filter(object_type="pricing.metalprice", object_id=str(price.pk), actor=operator).exists()


@pytest.mark.django_db
def test_a_metal_price_the_service_refuses_is_shown_on_the_form_and_not_saved(operator_client):
    response = operator_client.post(
        reverse("admin:pricing_metalprice_add"),
        {
            "metal": "gold",
            "fineness": "777",  # not a GB 11887 mark
            "on_date": timezone.localdate().isoformat(),
            "price_per_gram": "780",
            "currency": "CNY",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not MetalPrice.objects.exists()
    assert not AuditEntry.objects.exists()
