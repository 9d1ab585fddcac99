"""A deleted account (`accounts.AccountDeleted`): the risk tables forget its clients — device
sightings go, decisions lose IP network, region, device hash, user agent and the sentences naming
them, and the staff notes on its review cases are erased — while scores, outcomes, reasons and who
decided a review stay for the audit. Redelivery changes nothing."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from auric.core.models import OutboxEvent
from auric.orders.models import Order
from auric.orders.services import cancel_order
from auric.orders.states import State
from auric.privacy import rights
from auric.risk import events as risk_events
from auric.risk import services
from auric.risk.context import device_hash, ip_network
from auric.risk.models import Decision, DeviceSighting, ReviewCase, Subject
from tests.factories import UserFactory
from tests.risk.conftest import SHANGHAI_IP, client_at, new_thresholds

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
NANA_DEVICE = "nana-phone-0123456789abcdef"
NANA_AGENT = "Mozilla/5.0 (NanaPhone 13; like Gecko)"


def as_text(cell: Any) -> str:
    """A cell as searchable text: JSON decoded (SQLite keeps it \\u-escaped), others as they are."""
    if isinstance(cell, str) and cell[:1] in "[{":
        try:
            cell = json.loads(cell)
        except ValueError:
            return cell
    return cell if isinstance(cell, str) else json.dumps(cell, ensure_ascii=False, default=str)


def risk_texts() -> list[tuple[str, str]]:
    """(table, text) of every cell of the risk app's tables."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table.startswith("risk_"):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our table names)
                found += [(table, as_text(cell)) for row in cursor.fetchall() for cell in row]
    return found


def traces_of(values: list[str]) -> list[tuple[str, str]]:
    return [(table, value) for table, text in risk_texts() for value in values if value in text]


def sign_in(username: str, device: str = NANA_DEVICE) -> None:
    client = Client(REMOTE_ADDR=SHANGHAI_IP, HTTP_USER_AGENT=NANA_AGENT, headers={"X-Device-Id": device})
    assert client.post("/account/login/", {"username": username, "password": PASSWORD}).status_code == 302


def delete(user: Any, capture: Any) -> None:
    """The real deletion, with the outbox delivered after commit as in a request."""
    with capture(execute=True):
        rights.delete_account(user=user, password=PASSWORD)


@pytest.fixture
def nana(db) -> Any:
    return UserFactory(username="nana")


@pytest.fixture
def nanas_history(nana, place, gold_piece, store) -> Order:
    """Two sign-ins and a delivered order from Nana's phone in Shanghai; returns the order."""
    sign_in("nana")
    sign_in("nana")  # the second compares its region with the first: the sentence names it
    order = place(nana, gold_piece, client=client_at(device=NANA_DEVICE, agent=NANA_AGENT))
    Order.objects.filter(pk=order.pk).update(state=State.COMPLETED)  # nothing in flight
    return order


def test_after_deletion_no_risk_row_holds_the_accounts_ip_device_or_user_agent(
    nana, nanas_history, django_capture_on_commit_callbacks
):
    # given decisions and sightings that hold Nana's client, and where her order went
    ships_to = nanas_history.address_masked.replace("****", "").strip()
    hers = [SHANGHAI_IP, ip_network(SHANGHAI_IP), "中国 上海 上海市", NANA_DEVICE, device_hash(NANA_DEVICE), NANA_AGENT]
    assert {value for _, value in traces_of([*hers, ships_to])} == {*hers[1:], ships_to} - {NANA_DEVICE}

    # when she deletes her account
    delete(nana, django_capture_on_commit_callbacks)

    # then no row of the risk tables holds any of it, and her sightings are gone
    assert traces_of([*hers, ships_to]) == []
    assert not DeviceSighting.objects.filter(user=nana).exists()
    assert OutboxEvent.objects.get(name="accounts.AccountDeleted").dispatched_at is not None


def test_decisions_keep_score_outcome_signals_and_reasons_for_the_audit(
    nana, nanas_history, django_capture_on_commit_callbacks
):
    def audit() -> list[tuple]:
        return [
            (d.subject, d.order_id, d.rule_set_id, d.score, d.outcome, len(d.reasons),
             [(s["signal"], s["value"], s["threshold"], s["weight"], s["fired"], s["points"]) for s in d.signals])
            for d in Decision.objects.order_by("pk")
        ]  # fmt: skip

    before = audit()

    delete(nana, django_capture_on_commit_callbacks)

    assert audit() == before and [d[0] for d in before] == [Subject.LOGIN, Subject.LOGIN, Subject.ORDER]
    decision = Decision.objects.get(order=nanas_history)
    assert decision.client == services.ERASED_CLIENT
    region = next(s for s in decision.signals if s["signal"] == "ip_region_mismatch")
    assert region["detail"] == "client details erased with the account"
    device = next(s for s in decision.signals if s["signal"] == "new_device")
    assert device["detail"] == "known device"  # no client data in it: kept as it was


def test_a_redelivered_event_changes_nothing(nana, nanas_history, django_capture_on_commit_callbacks):
    delete(nana, django_capture_on_commit_callbacks)
    event = OutboxEvent.objects.get(name="accounts.AccountDeleted")
    rows = list(Decision.objects.order_by("pk").values("client", "signals", "reasons"))

    # when the outbox delivers the event again (at least once), twice
    risk_events.erase_client_data_of_deleted_account(event)
    again = services.erase_account_client_data(user_id=nana.pk)

    assert again == services.ErasedClientData(0, 0, 0, 0)
    assert list(Decision.objects.order_by("pk").values("client", "signals", "reasons")) == rows


def test_other_accounts_on_the_same_device_keep_their_data(nana, nanas_history, django_capture_on_commit_callbacks):
    # given her flatmate signed in on the same phone
    UserFactory(username="mei")
    sign_in("mei")

    delete(nana, django_capture_on_commit_callbacks)

    mei = Decision.objects.get(user__username="mei")
    assert mei.client["device"] == device_hash(NANA_DEVICE) and mei.client["user_agent"] == NANA_AGENT
    assert DeviceSighting.objects.filter(device=device_hash(NANA_DEVICE)).count() == 1


def test_an_open_review_of_an_order_that_ended_is_closed(nana, place, gold_piece, django_capture_on_commit_callbacks):
    # given a held order, cancelled before its OrderCancelled event reached the review queue
    new_thresholds(5, 10, 150)
    order = place(nana, gold_piece, client=client_at(device=NANA_DEVICE))
    cancel_order(order=order, actor=nana, reason="changed my mind")
    assert ReviewCase.objects.get(order=order).state == ReviewCase.State.OPEN

    delete(nana, django_capture_on_commit_callbacks)

    case = ReviewCase.objects.get(order=order)
    assert case.state == ReviewCase.State.CLOSED and "account was deleted" in case.note
    assert case.decision.client == services.ERASED_CLIENT


def test_an_open_review_of_an_order_in_flight_stays_open_for_staff(nana, place, gold_piece, caplog):
    # given a held unpaid order (the deletion itself refuses while it is in flight)
    new_thresholds(5, 10, 150)
    order = place(nana, gold_piece, client=client_at(device=NANA_DEVICE))
    with pytest.raises(rights.OrdersInFlight):
        rights.delete_account(user=nana, password=PASSWORD)

    # when the erasure runs anyway (an event from elsewhere)
    with caplog.at_level(logging.WARNING, logger="auric.risk"):
        erased = services.erase_account_client_data(user_id=nana.pk)

    # then the client data goes, the review stays for staff to decide, and it is logged
    assert erased.reviews_left_open == 1 and erased.reviews_closed == 0
    case = ReviewCase.objects.get(order=order)
    assert case.state == ReviewCase.State.OPEN and case.decision.client == services.ERASED_CLIENT
    assert "left open" in caplog.text


# --- staff notes on review cases ------------------------------------------------------------------

NOTE_ABOUT_NANA = "Called 欧阳娜娜 back on 13912340987: she confirmed the order."


def test_staff_notes_on_the_accounts_review_cases_are_erased_and_who_decided_stays(
    nana, place, gold_piece, piece_at, django_capture_on_commit_callbacks
):
    # given two held orders of Nana's: one approved (and completed since), one rejected — each with
    # a staff note naming her
    new_thresholds(5, 10, 150)
    boss = UserFactory(username="boss")
    approved = place(nana, gold_piece, client=client_at(device=NANA_DEVICE))
    services.approve_review(case=ReviewCase.objects.get(order=approved), actor=boss, note=NOTE_ABOUT_NANA)
    Order.objects.filter(pk=approved.pk).update(state=State.COMPLETED)
    rejected = place(nana, piece_at("800.00"), client=client_at(device=NANA_DEVICE))
    services.reject_review(case=ReviewCase.objects.get(order=rejected), actor=boss, note=NOTE_ABOUT_NANA)
    assert traces_of(["欧阳娜娜", "13912340987"])

    # when she deletes her account
    delete(nana, django_capture_on_commit_callbacks)

    # then the notes say only that they were erased; the decisions, who made them and when, stay
    cases = ReviewCase.objects.order_by("pk")
    assert [(c.order_id, c.state, c.note, c.decided_by) for c in cases] == [
        (approved.pk, ReviewCase.State.APPROVED, services.ERASED_NOTE, boss),
        (rejected.pk, ReviewCase.State.REJECTED, services.ERASED_NOTE, boss),
    ]
    assert all(c.decided_at is not None for c in cases)
    assert traces_of(["欧阳娜娜", "13912340987"]) == []
    # and a redelivery finds nothing more to erase
    assert services.erase_account_client_data(user_id=nana.pk).notes_erased == 0


def test_other_accounts_notes_and_the_systems_closing_notes_are_kept(
    nana, place, gold_piece, piece_at, django_capture_on_commit_callbacks
):
    # given Mei's approved case with a note, and Nana's case closed by the system when her order ended
    new_thresholds(5, 10, 150)
    mei = UserFactory(username="mei")
    meis = place(mei, gold_piece, client=client_at(device="mei-phone-0123456789abcdef"))
    services.approve_review(case=ReviewCase.objects.get(order=meis), actor=UserFactory(username="boss"), note="ok")
    nanas = place(nana, piece_at("800.00"), client=client_at(device=NANA_DEVICE))
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=nanas, actor=nana, reason="changed my mind")
    closed_note = ReviewCase.objects.get(order=nanas).note
    assert closed_note

    delete(nana, django_capture_on_commit_callbacks)

    assert ReviewCase.objects.get(order=meis).note == "ok"
    assert ReviewCase.objects.get(order=nanas).note == closed_note
