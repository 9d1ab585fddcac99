"""Delete my account (COMPLIANCE D3): nothing personal left in either database, orders kept for tax,
confirmation by password (counted by the lockout) or step-up, refusal while an order is in flight,
and a deletion interrupted between the two databases completes when run again."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pyotp
import pytest
from django.db import connections
from django.test import Client, override_settings

from auric import privacy
from auric.accounts import lockout, stepup, totp
from auric.accounts.models import DeletionReceipt, StepUpGrant, User
from auric.checkout import services as checkout
from auric.checkout.shipping import DeliveryChoice
from auric.core.models import OutboxEvent
from auric.orders.models import Order, OrderTransition, ReturnRequest
from auric.orders.services import hold_order, move_order, place_order, release_hold
from auric.orders.states import State
from auric.privacy import consents, rights
from auric.privacy.vault import ValueErased
from tests.checkout.conftest import stocked_piece
from tests.privacy.conftest import PERSON, person_address

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # a test password
COMPANY_TAX_ID = "91310000MA1FL8XQ30"


@pytest.fixture
def member(db) -> User:
    return User.objects.create_user(username="nana", password=PASSWORD, email=PERSON["email"], first_name="娜娜")


@pytest.fixture
def browser(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def order_of(user: User, piece, *, state: str = State.COMPLETED, invoice: dict | None = None) -> Order:
    cart = checkout.get_cart(user=user, create=True)
    checkout.add_piece(cart=cart, piece=piece)
    invoice = invoice if invoice is not None else {"kind": "personal", "title": PERSON["name"]}
    order = place_order(cart=cart, user=user, delivery=DeliveryChoice.ship(person_address()), invoice=invoice)
    if state == State.CANCELLED:
        return move_order(order=order, to=State.CANCELLED, actor=user, note="changed my mind")
    Order.objects.filter(pk=order.pk).update(state=state)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def delivered_order(member, gold_piece) -> Order:
    order = order_of(
        member,
        gold_piece,
        invoice={"kind": "personal", "title": PERSON["name"], "phone": PERSON["phone"], "email": PERSON["email"]},
    )
    return order


def texts_in(alias: str) -> Iterator[tuple[str, str]]:
    """Every text cell of every table of a database, JSON decoded (SQLite keeps it \\u-escaped)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our table names)
            for row in cursor.fetchall():
                for cell in row:
                    if isinstance(cell, dict | list):
                        yield table, json.dumps(cell, ensure_ascii=False)
                    elif isinstance(cell, str):
                        try:
                            decoded = json.loads(cell) if cell[:1] in "[{" else None
                        except ValueError:
                            decoded = None
                        yield table, cell if decoded is None else json.dumps(decoded, ensure_ascii=False)


def traces_of(values: list[str]) -> list[tuple[str, str, str]]:
    return [
        (alias, table, value)
        for alias in ("default", "vault")
        for table, text in texts_in(alias)
        for value in values
        if value in text
    ]


# --- nothing personal is left ----------------------------------------------------------------------


def test_d3_after_deletion_no_table_of_either_database_holds_my_personal_data(
    member, delivered_order, gold_price, store
):
    """Given an account with a phone, a delivered order, a cancelled one and an export (which logs
    reads under the username), when it is deleted, then no plaintext, masked form or username is left."""
    member.phone_token, member.phone_masked = privacy.store_masked("phone", "13700001111")
    member.save()
    cancelled = order_of(member, stocked_piece(store), state=State.CANCELLED)
    rights.export_data(user=member)
    mine = [PERSON["name"], PERSON["phone"], PERSON["street"], PERSON["detail"], PERSON["email"], "13700001111"]
    masked = [delivered_order.phone_masked, delivered_order.recipient_masked, member.phone_masked]
    assert traces_of(mine + masked + ["nana", "娜娜"])  # the scan finds them before

    rights.delete_account(user=member, password=PASSWORD)

    assert traces_of(mine + masked + ["娜娜"]) == []
    assert [t for t in traces_of(["nana"]) if "deleted" not in t[2]] == []
    assert privacy.find("phone", PERSON["phone"]) == [] and privacy.find("phone", "13700001111") == []
    cancelled_by = OrderTransition.objects.get(order=cancelled, to_state=State.CANCELLED).actor_label
    assert cancelled_by.startswith("deleted-")


def test_d3_what_staff_typed_about_my_orders_goes_with_the_account(
    member, gold_piece, store, django_capture_on_commit_callbacks
):
    """Notes and reasons are free text: staff may write the shopper's name or number into them."""
    from auric.payments.models import Payment, Refund

    typed = f"{PERSON['name']}来电说换地址"
    held = order_of(member, gold_piece, state=State.PENDING_PAYMENT)
    with django_capture_on_commit_callbacks(execute=True):
        hold_order(order=held, reason=typed)
    cancelled = order_of(member, stocked_piece(store), state=State.PENDING_PAYMENT)
    release_hold(order=held, note=typed)
    move_order(order=cancelled, to=State.CANCELLED, note=typed)
    finished = order_of(member, stocked_piece(store))
    ReturnRequest.objects.create(
        order=finished, user=member, amount=finished.total, state=ReturnRequest.State.REJECTED, note=typed
    )
    payment = Payment.objects.create(order=finished, provider="sandbox", amount=finished.total, currency="CNY")
    Refund.objects.create(payment=payment, amount=finished.total, currency="CNY", reason=typed)
    move_order(order=held, to=State.CANCELLED, note="expired")
    assert traces_of([typed])  # in the order, its timeline, the return, the refund and the outbox

    with django_capture_on_commit_callbacks(execute=True):
        rights.delete_account(user=member, password=PASSWORD)

    assert traces_of([typed, PERSON["name"]]) == []
    kept = Order.objects.get(pk=cancelled.pk)
    assert kept.state == State.CANCELLED and kept.transitions.get(to_state=State.CANCELLED).note == "erased"
    assert Refund.objects.get(payment=payment).amount == finished.total


def test_d3_orders_keep_number_lines_amounts_and_dates_for_tax(member, delivered_order):
    rights.delete_account(user=member, password=PASSWORD)

    kept = Order.objects.get(pk=delivered_order.pk)
    assert (kept.number, kept.total, kept.subtotal, kept.placed_at) == (
        delivered_order.number,
        delivered_order.total,
        delivered_order.subtotal,
        delivered_order.placed_at,
    )
    assert list(kept.lines.values_list("title", "unit_price")) == list(
        delivered_order.lines.values_list("title", "unit_price")
    )
    assert kept.user_id == member.pk and kept.invoice == {"kind": "personal", "title": "erased"}
    with pytest.raises(ValueErased):
        privacy.reveal(kept.address_token, "issue_invoice", actor="system: tax audit")


def test_d3_a_company_invoice_keeps_the_companys_tax_id_for_the_tax_record(member, gold_piece):
    invoice = {"kind": "company", "title": "上海金缘贸易有限公司", "tax_id": COMPANY_TAX_ID}
    order = order_of(member, gold_piece, invoice=invoice)

    receipt = rights.delete_account(user=member, password=PASSWORD)

    kept = Order.objects.get(pk=order.pk)
    assert kept.invoice["title"] == "上海金缘贸易有限公司"
    assert privacy.reveal(kept.invoice["tax_id_token"], "issue_invoice", actor="system: tax") == COMPANY_TAX_ID
    assert receipt.details["retained_for_tax"] == [f"order {order.number}.invoice.tax_id"]
    assert kept.address_masked == "erased"


# --- the account ends ---------------------------------------------------------------------------


def test_d3_login_no_longer_works_and_every_signed_in_device_is_signed_out(member, delivered_order):
    phone = Client()
    phone.force_login(member)
    assert phone.get("/account/privacy/").status_code == 200

    rights.delete_account(user=member, password=PASSWORD)

    assert phone.get("/account/privacy/").status_code == 302
    assert not Client().login(username="nana", password=PASSWORD)
    closed = User.objects.get(pk=member.pk)
    assert not closed.is_active and not closed.has_usable_password() and closed.first_name == ""


def test_d3_the_receipt_and_the_event_record_the_deletion_without_personal_data(member, delivered_order):
    receipt = rights.delete_account(user=member, password=PASSWORD)

    event = OutboxEvent.objects.get(name="accounts.AccountDeleted")
    assert event.payload == {
        "user_id": member.pk,
        "reference": receipt.reference,
        "at": receipt.requested_at.isoformat(),
    }
    assert receipt.orders_anonymised == 1 and receipt.erased_values == {"address": 1, "phone": 1, "recipient": 1}
    assert receipt.confirmed_by == "password"


def test_d3_granted_consents_end_with_a_system_withdrawal_and_their_history_stays(member):
    consents.grant(member, "marketing", consents.current_text("marketing").version)

    rights.delete_account(user=member, password=PASSWORD)

    assert [(h["granted"], h["channel"]) for h in consents.history(member)] == [(False, "system"), (True, "web")]


# --- confirmation -------------------------------------------------------------------------------


def test_d3_wrong_passwords_count_towards_the_sign_in_lockout_and_change_nothing(member, delivered_order):
    with override_settings(AURIC_LOGIN_MAX_FAILURES=2):
        for _ in range(2):
            with pytest.raises(rights.WrongPassword):
                rights.delete_account(user=member, password="guess")

        with pytest.raises(lockout.LoginLocked):  # locked now, even with the right password
            rights.delete_account(user=member, password=PASSWORD)

    assert User.objects.get(pk=member.pk).is_active
    assert privacy.reveal(delivered_order.address_token, "show_owner", actor=privacy.owner(member))
    assert not DeletionReceipt.objects.exists()


def test_d3_an_account_without_a_password_is_deleted_after_a_step_up(member, delivered_order):
    secret = _enrol_totp(member)
    member.set_unusable_password()
    member.save()

    with pytest.raises(stepup.StepUpRequired) as asked:
        rights.delete_account(user=member)
    challenge = stepup.begin_step_up(user=member, purpose="account_change", binding=asked.value.extra["binding"])
    stepup.complete_step_up(
        user=member, challenge_id=challenge.challenge_id, totp_code=pyotp.TOTP(secret).at(time.time())
    )
    receipt = rights.delete_account(user=member)

    assert receipt.confirmed_by == "step_up"
    assert not StepUpGrant.objects.filter(user=member).exists()


def test_d3_a_step_up_for_another_change_does_not_delete_the_account(member):
    secret = _enrol_totp(member)
    challenge = stepup.begin_step_up(
        user=member, purpose="account_change", binding={"account": member.pk, "change": "change_phone"}
    )
    stepup.complete_step_up(
        user=member, challenge_id=challenge.challenge_id, totp_code=pyotp.TOTP(secret).at(time.time())
    )

    with pytest.raises(stepup.StepUpRequired):
        rights.delete_account(user=member, password=PASSWORD)

    assert User.objects.get(pk=member.pk).is_active


# --- in flight ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.PAID, State.PROCESSING, State.READY_FOR_PICKUP, State.PENDING_PAYMENT])
def test_d3_an_order_paid_but_not_yet_delivered_refuses_deletion_and_changes_nothing(member, gold_piece, state):
    order = order_of(member, gold_piece, state=state)

    with pytest.raises(rights.OrdersInFlight) as refused:
        rights.delete_account(user=member, password=PASSWORD)

    assert refused.value.extra["orders"] == [order.number]
    assert privacy.reveal(order.address_token, "show_owner", actor=privacy.owner(member))["street"] == PERSON["street"]
    assert User.objects.get(pk=member.pk).is_active and not DeletionReceipt.objects.exists()


def test_d3_an_open_return_refuses_deletion_through_the_api_with_a_409_problem(member, delivered_order):
    ReturnRequest.objects.create(order=delivered_order, user=member, amount=delivered_order.total)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {_token(member)}")

    response = api.post("/api/v1/account/delete", {"password": PASSWORD}, content_type="application/json")

    assert response.status_code == 409
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["returns"] == [delivered_order.number] and "return" in response.json()["detail"]
    assert User.objects.get(pk=member.pk).is_active


def test_d3_finished_returns_and_cancelled_orders_do_not_stop_deletion(member, delivered_order, store):
    ReturnRequest.objects.create(
        order=delivered_order, user=member, amount=delivered_order.total, state=ReturnRequest.State.REJECTED
    )
    order_of(member, stocked_piece(store), state=State.CANCELLED)

    receipt = rights.delete_account(user=member, password=PASSWORD)

    assert receipt.orders_anonymised == 2


# --- two databases: interrupted and resumed -----------------------------------------------------


def test_d3_a_deletion_interrupted_after_the_vault_leaves_nothing_readable_and_completes_when_run_again(
    member, delivered_order, monkeypatch
):
    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(rights, "anonymise_orders", crash)
    with pytest.raises(RuntimeError):
        rights.delete_account(user=member, password=PASSWORD)

    with pytest.raises(ValueErased):  # the vault went first: nothing personal is readable
        privacy.reveal(delivered_order.phone_token, "show_owner", actor=privacy.owner(member))
    assert User.objects.get(pk=member.pk).is_active and not DeletionReceipt.objects.exists()

    monkeypatch.undo()
    receipt = rights.delete_account(user=User.objects.get(pk=member.pk), password=PASSWORD)

    assert Order.objects.get(pk=delivered_order.pk).phone_masked == "erased"
    assert receipt.erased_values == {"address": 1, "phone": 1, "recipient": 1}
    assert not User.objects.get(pk=member.pk).is_active


def test_d3_an_order_placed_while_the_vault_is_erased_stops_the_deletion_and_keeps_its_address(
    member, delivered_order, store, monkeypatch
):
    """Given a checkout that completes between the vault step and the account lock, the commerce
    step refuses: the new order's address stays readable so it can be shipped."""
    placed: list[Order] = []
    erase_owner_label = rights._forget_owner_label

    def checkout_meanwhile(tokens):
        erase_owner_label(tokens)
        placed.append(order_of(member, stocked_piece(store), state=State.PAID))

    monkeypatch.setattr(rights, "_forget_owner_label", checkout_meanwhile)

    with pytest.raises(rights.OrdersInFlight):
        rights.delete_account(user=member, password=PASSWORD)

    [new_order] = placed
    assert (
        privacy.reveal(new_order.address_token, "ship_parcel", actor="system: warehouse")["street"] == PERSON["street"]
    )
    assert User.objects.get(pk=member.pk).is_active and not DeletionReceipt.objects.exists()


# --- pages --------------------------------------------------------------------------------------


def test_d3_the_confirmation_page_explains_and_asks_for_the_password(browser):
    page = browser.get("/account/privacy/delete/").content.decode()

    assert 'data-testid="delete-form"' in page and 'name="password"' in page
    assert "csrfmiddlewaretoken" in page


def test_d3_the_confirmation_page_lists_the_orders_in_flight_and_offers_no_form(browser, member, gold_piece):
    order = order_of(member, gold_piece, state=State.SHIPPED)

    page = browser.get("/account/privacy/delete/").content.decode()
    refused = browser.post("/account/privacy/delete/", {"password": PASSWORD})

    assert 'data-testid="in-flight"' in page and order.number in page and 'data-testid="delete-form"' not in page
    assert refused.status_code == 409 and order.number in refused.content.decode()
    assert User.objects.get(pk=member.pk).is_active


def test_d3_an_account_without_a_password_gets_the_step_up_on_the_page_then_the_button(browser, member):
    secret = _enrol_totp(member)
    member.set_unusable_password()
    member.save()
    browser.force_login(member)  # the password hash changed

    asked = browser.get("/account/privacy/delete/").content.decode()
    browser.post("/account/privacy/delete/", {"totp_code": pyotp.TOTP(secret).at(time.time())})
    confirm = browser.get("/account/privacy/delete/").content.decode()
    done = browser.post("/account/privacy/delete/", {})

    assert "data-step-up" in asked and 'name="password"' not in asked
    assert 'data-testid="delete-form"' in confirm and 'name="password"' not in confirm
    assert DeletionReceipt.objects.get(user=member).reference in done.content.decode()


def test_d3_the_page_refuses_a_post_without_the_csrf_token(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    response = browser.post("/account/privacy/delete/", {"password": PASSWORD})

    assert response.status_code == 403
    assert User.objects.get(pk=member.pk).is_active


def test_d3_deleting_through_the_api_in_the_browser_ends_that_session(member, browser):
    browser.get("/account/privacy/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value

    response = browser.post(
        "/api/v1/account/delete", {"password": PASSWORD}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 201
    assert browser.get("/api/v1/account/consents").status_code == 401


def _enrol_totp(user: User) -> str:
    enrolment = totp.begin_totp_enrolment(user=user)
    # confirm with the previous step's code so the current step's code stays usable in the test
    totp.confirm_totp_enrolment(user=user, code=pyotp.TOTP(enrolment.secret).at(time.time() - 30))
    return enrolment.secret


def _token(user: User) -> str:
    from auric.accounts.services import issue_api_token

    return issue_api_token(user=user, name="test").secret
