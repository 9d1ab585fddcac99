"""Reveal needs a known purpose and a role allowed it; every attempt is logged; owners see the log."""

import logging

import pytest
from django.utils import translation

from auric import privacy
from auric.core.errors import PermissionDenied, ValidationFailed
from auric.privacy.models import RevealLog
from auric.privacy.vault import RevealRefused
from tests.factories import UserFactory
from tests.privacy.conftest import PERSON, person_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def address_token():
    return privacy.store("address", person_address())


def test_an_unknown_purpose_is_refused_and_logged(address_token, operator):
    with pytest.raises(ValidationFailed):
        privacy.reveal(address_token, "curiosity", actor=operator)
    log = RevealLog.objects.get()
    assert (log.outcome, log.purpose, log.actor_label) == ("refused", "curiosity", "op")


def test_an_operator_may_reveal_to_ship_a_parcel_and_it_is_logged(address_token, operator):
    value = privacy.reveal(address_token, "ship_parcel", actor=operator)
    assert value["street"] == PERSON["street"]
    log = RevealLog.objects.get()
    assert (log.purpose, log.actor_label, log.actor_role, log.kind, log.outcome) == (
        "ship_parcel",
        "op",
        "operator",
        "address",
        "revealed",
    )


def test_a_role_not_allowed_the_purpose_is_refused_logged_and_sees_nothing(address_token, clerk, caplog):
    with caplog.at_level(logging.WARNING, logger="auric.privacy"), pytest.raises(RevealRefused) as caught:
        privacy.reveal(address_token, "ship_parcel", actor=clerk)
    assert isinstance(caught.value, PermissionDenied) and caught.value.status == 403
    assert PERSON["street"] not in str(caught.value.problem())
    assert "may not reveal" in caplog.text
    assert RevealLog.objects.get().outcome == "refused"


def test_store_staff_reveal_for_a_pickup_only_through_the_orders_own_store_check(clerk):
    """The purpose alone is not enough: which order, and whose store, is checked first
    (tests/privacy/test_pickup_contact.py)."""
    token = privacy.store("phone", PERSON["phone"])
    with pytest.raises(RevealRefused):
        privacy.reveal(token, "hand_over_pickup", actor=clerk)
    assert RevealLog.objects.get().outcome == "refused"


def test_customer_service_handles_tickets_but_sends_no_notifications(agent):
    token = privacy.store("phone", PERSON["phone"])
    assert privacy.reveal(token, "handle_ticket", actor=agent) == PERSON["phone"]
    with pytest.raises(RevealRefused):
        privacy.reveal(token, "send_notification", actor=agent)


def test_a_shopper_without_a_role_is_refused_but_may_see_their_own_data_as_owner():
    shopper = UserFactory(username="nana")
    token = privacy.store("name", PERSON["name"])
    with pytest.raises(RevealRefused):
        privacy.reveal(token, "handle_ticket", actor=shopper)
    with pytest.raises(RevealRefused):
        privacy.reveal(token, "ship_parcel", actor=privacy.owner(shopper))
    assert privacy.reveal(token, "show_owner", actor=privacy.owner(shopper)) == PERSON["name"]


def test_system_jobs_may_send_notifications_and_ship(address_token):
    assert privacy.reveal(address_token, "send_notification", actor="system: sms")["phone"] == PERSON["phone"]
    assert privacy.reveal(address_token, "ship_parcel")["city"] == "上海市"
    assert list(RevealLog.objects.values_list("actor_label", flat=True).order_by("id")) == ["system: sms", "system"]


def test_the_owner_sees_who_accessed_their_data_and_why(address_token, operator, agent, clerk):
    phone = privacy.store("phone", PERSON["phone"])
    privacy.reveal(address_token, "ship_parcel", actor=operator)
    privacy.reveal(phone, "handle_ticket", actor=agent)
    with pytest.raises(RevealRefused):
        privacy.reveal(phone, "ship_parcel", actor=clerk)
    privacy.reveal(privacy.store("phone", "13900000000"), "handle_ticket", actor=agent)  # someone else's

    with translation.override("en"):
        rows = privacy.access_log_for([address_token, phone])

    assert [(r.actor, r.role, r.purpose, r.purpose_label, r.kind) for r in rows] == [
        ("cs", "customer service", "handle_ticket", "Handle a service ticket", "phone"),
        ("op", "operator", "ship_parcel", "Ship a parcel", "address"),
    ]
    assert [r.outcome for r in privacy.access_log_for([phone], include_refused=True)] == ["refused", "revealed"]
