"""Stations use the API and the back office: start by scanning a tag, enter blind readings on a
tablet form, see the queue and the pass rates; nobody outside the station sees its inspections."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from auric.accounts.services import issue_api_token
from auric.inventory.models import PieceStatus, PieceStock
from auric.quality.models import Gate, Inspection, Reading, SamplingPlan
from tests.factories import LocationFactory, UserFactory
from tests.quality.conftest import GOOD_INSTRUMENT, GOOD_PERSON, q

pytestmark = pytest.mark.django_db


def _api(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user=user, name='station').secret}"}


def _post(user, url: str, body: dict[str, Any]):
    return Client().post(url, body, content_type="application/json", **_api(user))


def test_a_station_starts_an_inspection_by_tag_and_sends_independent_readings(
    received_ring, station, first_inspector, second_inspector
):
    started = _post(
        first_inspector,
        "/api/v1/quality/inspections",
        {"piece": received_ring.tag_code, "gate": "inbound", "station": station.code},
    )
    assert started.status_code == 201, started.content
    inspection_id = started.json()["id"]
    assert started.json()["awaiting"] == ["instrument", "person"]

    url = f"/api/v1/quality/inspections/{inspection_id}/readings"
    first = _post(first_inspector, url, {"role": "instrument", "instrument_id": "XRF-07", "values": GOOD_INSTRUMENT})
    assert first.status_code == 201, first.content
    assert first.json()["readings"][0]["values"]["weight_g"] == {"value": "3.515", "unit": "g"}

    # The second inspector sees that a reading exists, not what it says.
    seen = Client().get(f"/api/v1/quality/inspections/{inspection_id}", **_api(second_inspector)).json()
    assert (seen["readings"], seen["hidden_readings"], seen["awaiting"]) == ([], 1, ["person"])

    second = _post(second_inspector, url, {"role": "person", "values": GOOD_PERSON})
    assert second.status_code == 201
    assert second.json()["state"] == "passed"
    assert PieceStock.objects.get(piece=received_ring).status == PieceStatus.AVAILABLE


@pytest.mark.parametrize(
    "body, status",
    [
        (
            {"role": "instrument", "instrument_id": "XRF-07", "values": {**GOOD_INSTRUMENT, "weight": q("3.5", "lb")}},
            422,
        ),
        ({"role": "instrument", "instrument_id": "XRF-07", "values": {**GOOD_INSTRUMENT, "weight": 3.512}}, 422),
        ({"role": "instrument", "values": GOOD_INSTRUMENT}, 422),
        ({"role": "judge", "values": GOOD_INSTRUMENT}, 422),
        ({"role": "senior", "values": GOOD_PERSON}, 403),
    ],
)
def test_bad_readings_are_problems_and_change_nothing(received_ring, station, first_inspector, body, status):
    inspection = Inspection.objects.create(piece=received_ring, gate=Gate.INBOUND, station=station)
    response = _post(first_inspector, f"/api/v1/quality/inspections/{inspection.pk}/readings", body)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert not Reading.objects.exists()


def test_inspections_are_hidden_from_shoppers_and_other_stations(received_ring, station, first_inspector):
    inspection = Inspection.objects.create(piece=received_ring, gate=Gate.INBOUND, station=station)
    elsewhere = LocationFactory(code="wh-bj", kind="warehouse")
    outsider = UserFactory(username="qc-elsewhere", is_staff=True)
    outsider.groups.add(*first_inspector.groups.all())
    elsewhere.staff.add(outsider)
    shopper = UserFactory(username="shopper")
    for user in (outsider, shopper):
        assert Client().get(f"/api/v1/quality/inspections/{inspection.pk}", **_api(user)).status_code == 403
        assert Client().get(f"/api/v1/quality/stations/{station.code}/queue", **_api(user)).status_code == 403
        reading = _post(
            user,
            f"/api/v1/quality/inspections/{inspection.pk}/readings",
            {"role": "instrument", "instrument_id": "X", "values": GOOD_INSTRUMENT},
        )
        assert reading.status_code == 403
    assert not Reading.objects.exists()
    queue = Client().get(f"/api/v1/quality/stations/{station.code}/queue", **_api(first_inspector)).json()
    assert [row["id"] for row in queue] == [inspection.pk]


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_back_office_queue_opens_a_scanned_tags_inspection_and_the_form_records_a_reading(
    received_ring, station, first_inspector, second_inspector
):
    client = _admin(first_inspector)
    started = client.post(
        reverse("admin:quality_inspection_queue"),
        {"tag": received_ring.tag_code, "gate": "inbound", "station": station.pk},
    )
    inspection = Inspection.objects.get(piece=received_ring)
    assert started.status_code == 302 and started["Location"].endswith(f"/{inspection.pk}/change/")
    # Scanning the tag again finds the open inspection.
    scanned = client.get(reverse("admin:quality_inspection_queue"), {"tag": received_ring.tag_code})
    assert scanned["Location"] == started["Location"]
    page = client.get(started["Location"])
    assert page.status_code == 200 and b'id="reading-form"' in page.content

    form = {
        "role": "instrument",
        "instrument_id": "XRF-07",
        "weight": "3515",
        "weight_unit": "mg",
        "fineness": "751.2",
        "fineness_unit": "‰",
        "carat": "0.31",
        "carat_unit": "ct",
        "colour": "F",
        "clarity": "VS1",
        "stone_count": "1",
        "defect_0_kind": "scratch",
        "defect_0_severity": "minor",
    }
    client.post(reverse("admin:quality_inspection_reading", args=[inspection.pk]), form)
    reading = Reading.objects.get(inspection=inspection)
    assert (str(reading.weight_g), reading.defects[0]["kind"]) == ("3.515", "scratch")

    # The second inspector's page hides the first reading and offers only the person's reading.
    second = _admin(second_inspector).get(reverse("admin:quality_inspection_change", args=[inspection.pk]))
    assert b"XRF-07" not in second.content and b'id="hidden-readings"' in second.content
    assert b'value="person"' in second.content and b'value="instrument"' not in second.content


def test_pass_rates_per_inspector_and_station(received_ring, station, first_inspector, second_inspector):
    from auric.quality import services

    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    services.record_reading(
        inspection=inspection, role="instrument", inspector=first_inspector, values=GOOD_INSTRUMENT, instrument_id="X"
    )
    services.record_reading(inspection=inspection, role="person", inspector=second_inspector, values=GOOD_PERSON)
    page = _admin(first_inspector).get(reverse("admin:quality_inspection_stats"))
    assert page.status_code == 200
    assert page.context["by_inspector"][0].label == "qc-li" and page.context["by_inspector"][0].passed == 1
    assert b'id="rates-by-station"' in page.content


def test_the_daily_command_draws_due_spot_checks(station):
    from auric.inventory import services as inventory
    from tests.factories import PieceFactory

    piece = PieceFactory()
    inventory.receive_piece(piece=piece, location=station, awaiting_inspection=False)
    SamplingPlan.objects.create(location=station, sample_size=3, every_days=7)
    out = io.StringIO()
    call_command("draw_spot_checks", stdout=out)
    assert "1 of 1 pieces drawn" in out.getvalue()
    assert Inspection.objects.get(piece=piece).gate == Gate.STORAGE


def test_the_order_page_shows_each_pieces_outbound_recheck_and_refuses_to_ship_before_it(
    station, first_inspector, second_inspector
):
    from auric.orders.states import State
    from auric.quality import services
    from tests.quality.orders import paid_order_for

    order, piece = paid_order_for(station)
    admin = _admin(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = admin.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert f'data-outbound="{piece.pk}"'.encode() in page.content and b"?tag=" in page.content
    shipped = admin.post(
        reverse("admin:orders_order_ship", args=[order.pk]), {"carrier": "SF", "tracking_number": "SF1"}, follow=True
    )
    assert "outbound re-check" in shipped.content.decode()
    order.refresh_from_db()
    assert order.state in (State.PAID, State.PROCESSING)

    inspection = services.open_inspection(piece=piece, gate=Gate.OUTBOUND, station=station)
    services.record_reading(
        inspection=inspection,
        role="instrument",
        inspector=first_inspector,
        values={"weight": q("30.125", "g"), "fineness": q("999.2", "‰")},
        instrument_id="XRF-07",
    )
    services.record_reading(
        inspection=inspection, role="person", inspector=second_inspector, values={"fineness": q("999.1", "‰")}
    )
    admin.post(reverse("admin:orders_order_ship", args=[order.pk]), {"carrier": "SF", "tracking_number": "SF1"})
    order.refresh_from_db()
    assert order.state == State.SHIPPED


def test_head_office_sees_pass_rates_per_supplier(ring, station, first_inspector, second_inspector, settings):
    from auric.inventory import services as inventory
    from auric.quality import services
    from tests.quality.supply import supplier

    settings.AURIC_QC_INBOUND_GATE = True
    supplier("sup-gd", schemes=("business_licence", "kimberley"))
    inventory.receive_piece(piece=ring, location=station, supplier="sup-gd")
    inspection = services.open_inspection(piece=ring, gate=Gate.INBOUND, station=station)
    services.record_reading(
        inspection=inspection, role="instrument", inspector=first_inspector, values=GOOD_INSTRUMENT, instrument_id="X"
    )
    services.record_reading(inspection=inspection, role="person", inspector=second_inspector, values=GOOD_PERSON)
    boss = UserFactory(username="qc-head", is_staff=True, is_superuser=True)
    page = _admin(boss).get(reverse("admin:quality_inspection_stats"))
    [row] = page.context["by_supplier"]
    assert (row.label, row.decided, row.passed) == ("供应商 sup-gd", 1, 1)
    # A station's inspector sees their stations, not the suppliers' figures.
    assert _admin(first_inspector).get(reverse("admin:quality_inspection_stats")).context["by_supplier"] == []
