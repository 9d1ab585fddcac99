"""How a deletion is confirmed (COMPLIANCE D3, as a password change is): the current password, plus a
step-up bound to the deletion when the account has a passkey or an authenticator app; an account
without a password steps up alone — by SMS code when it has no second factor either."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client

from auric import privacy
from auric.accounts import passkeys, sms, stepup, totp
from auric.accounts.models import DeletionReceipt, User
from auric.accounts.services import issue_api_token
from auric.privacy import rights
from tests.accounts.authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # a test password
PHONE = "13800138000"
DELETE_PAGE = "/account/privacy/delete/"


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    cache.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def member(db) -> User:
    return User.objects.create_user(username="nana", password=PASSWORD)


@pytest.fixture
def phone_only(db) -> User:
    token, masked = privacy.store_masked("phone", PHONE)
    user = User(username="m0a1b2c3", phone_token=token, phone_masked=masked)
    user.set_unusable_password()
    user.save()
    return user


def enrol_totp(user: User) -> str:
    enrolment = totp.begin_totp_enrolment(user=user)
    totp.confirm_totp_enrolment(user=user, code=pyotp.TOTP(enrolment.secret).at(time.time() - 30))
    return enrolment.secret


def step_up_with_totp(user: User, secret: str, binding: dict | None = None) -> None:
    stepup.step_up_with_totp(
        user=user,
        purpose=rights.DELETE_PURPOSE,
        binding=binding or rights.deletion_binding(user),
        code=pyotp.TOTP(secret).at(time.time()),
    )


def still_open(user: User) -> bool:
    return User.objects.get(pk=user.pk).is_active and not DeletionReceipt.objects.exists()


# --- the rule -------------------------------------------------------------------------------------


def test_d3_without_a_second_factor_the_password_alone_confirms(member):
    assert rights.confirmation_needed(member) == rights.Confirmation.PASSWORD

    receipt = rights.delete_account(user=member, password=PASSWORD)

    assert receipt.confirmed_by == "password" and "step_up_method" not in receipt.details


def test_d3_the_password_is_required_and_an_empty_one_is_not_a_wrong_guess(member, settings):
    settings.AURIC_LOGIN_MAX_FAILURES = 1

    with pytest.raises(rights.PasswordRequired) as refused:
        rights.delete_account(user=member)

    assert refused.value.errors == {"password": ["required"]}
    assert rights.delete_account(user=member, password=PASSWORD)  # not locked by the empty try


def test_d3_with_totp_the_password_alone_is_not_enough(member):
    enrol_totp(member)

    with pytest.raises(stepup.StepUpRequired) as asked:
        rights.delete_account(user=member, password=PASSWORD)

    problem = asked.value.problem()
    assert problem["purpose"] == "account_change" and problem["binding"] == rights.deletion_binding(member)
    assert problem["available"] == ["totp"] and "sms" not in problem
    assert still_open(member)


def test_d3_with_totp_the_step_up_alone_is_not_enough(member):
    step_up_with_totp(member, enrol_totp(member))

    with pytest.raises(rights.PasswordRequired):
        rights.delete_account(user=member)
    with pytest.raises(rights.WrongPassword):
        rights.delete_account(user=member, password="not mine")

    assert still_open(member)


def test_d3_with_totp_the_password_and_a_step_up_for_the_deletion_confirm(member):
    step_up_with_totp(member, enrol_totp(member))

    receipt = rights.delete_account(user=member, password=PASSWORD)

    assert receipt.confirmed_by == "pw+step_up" and receipt.details["step_up_method"] == "totp"


def test_d3_with_a_passkey_the_password_and_a_passkey_step_up_confirm(member):
    authenticator = SoftAuthenticator()
    ceremony = passkeys.begin_registration(user=member)
    passkeys.complete_registration(
        user=member, challenge_id=ceremony.challenge_id, credential=authenticator.create(ceremony.options), name="k"
    )
    with pytest.raises(stepup.StepUpRequired):
        rights.delete_account(user=member, password=PASSWORD)

    challenge = stepup.begin_step_up(
        user=member, purpose=rights.DELETE_PURPOSE, binding=rights.deletion_binding(member)
    )
    stepup.complete_step_up(
        user=member, challenge_id=challenge.challenge_id, assertion=authenticator.get(challenge.options)
    )
    receipt = rights.delete_account(user=member, password=PASSWORD)

    assert receipt.confirmed_by == "pw+step_up" and receipt.details["step_up_method"] == "passkey"


def test_d3_with_a_second_factor_an_sms_code_cannot_replace_it(member):
    """A phone on an account with TOTP: SMS is not offered, and the deletion still needs TOTP."""
    enrol_totp(member)
    member.phone_token, member.phone_masked = privacy.store_masked("phone", PHONE)
    member.save()

    with pytest.raises(stepup.StepUpRequired) as asked:
        rights.delete_account(user=member, password=PASSWORD)

    assert asked.value.problem()["available"] == ["totp"] and "sms" not in asked.value.problem()


def test_d3_without_a_password_a_second_factor_step_up_alone_confirms(member):
    secret = enrol_totp(member)
    member.set_unusable_password()
    member.save()
    step_up_with_totp(member, secret)

    receipt = rights.delete_account(user=member)

    assert receipt.confirmed_by == "step_up"


def test_d3_an_sms_only_account_confirms_with_a_code_sent_to_its_phone(phone_only):
    from auric.accounts import sms_stepup

    assert rights.confirmation_needed(phone_only) == rights.Confirmation.SMS
    sent = sms_stepup.send_step_up_code(
        user=phone_only, purpose=rights.DELETE_PURPOSE, binding=rights.deletion_binding(phone_only)
    )
    sms_stepup.complete_step_up_by_sms(
        user=phone_only, challenge_id=sent.challenge_id, code=sms.outbox[-1].message.params[0]
    )

    receipt = rights.delete_account(user=phone_only)

    assert receipt.confirmed_by == "sms" and receipt.details["step_up_method"] == "sms"
    assert privacy.find("phone", PHONE) == []


def test_d3_an_account_with_no_password_no_second_factor_and_no_phone_is_told_to_set_one_up(db):
    user = User.objects.create_user(username="bare")
    user.set_unusable_password()
    user.save()

    with pytest.raises(stepup.StepUpRequired) as asked:
        rights.delete_account(user=user)

    assert rights.confirmation_needed(user) == rights.Confirmation.NONE
    assert asked.value.problem()["available"] == []


# --- the API ----------------------------------------------------------------------------------------


def test_d3_the_api_says_what_is_missing(member):
    secret = enrol_totp(member)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user=member, name='t').secret}")

    def delete(body: dict):
        return api.post("/api/v1/account/delete", body, content_type="application/json")

    no_password = delete({})
    no_step_up = delete({"password": PASSWORD})
    step_up_with_totp(member, secret)
    done = delete({"password": PASSWORD})

    assert no_password.status_code == 400 and no_password.json()["type"] == "/problems/password_required"
    assert no_step_up.status_code == 403 and no_step_up.json()["type"] == "/problems/step_up_required"
    assert no_step_up.json()["begin"]["body"] == {
        "purpose": "account_change",
        "binding": rights.deletion_binding(member),
    }
    assert done.status_code == 201


# --- the page -----------------------------------------------------------------------------------------


def test_d3_the_page_asks_an_account_with_totp_for_the_step_up_then_the_password(member):
    secret = enrol_totp(member)
    browser = Client()
    browser.force_login(member)

    asked = browser.get(DELETE_PAGE).content.decode()
    refused = browser.post(DELETE_PAGE, {"password": PASSWORD})
    open_after_refusal = still_open(member)
    browser.post(DELETE_PAGE, {"totp_code": pyotp.TOTP(secret).at(time.time())})
    confirm = browser.get(DELETE_PAGE).content.decode()
    no_password = browser.post(DELETE_PAGE, {})
    done = browser.post(DELETE_PAGE, {"password": PASSWORD})

    assert "data-step-up" in asked and 'name="password"' not in asked
    assert refused.status_code == 403 and open_after_refusal
    assert 'data-testid="delete-form"' in confirm and 'name="password"' in confirm
    assert no_password.status_code == 400
    assert DeletionReceipt.objects.get(user=member).reference in done.content.decode()


def test_d3_the_page_lets_an_sms_only_account_confirm_with_a_texted_code(phone_only):
    browser = Client()
    browser.force_login(phone_only)

    asked = browser.get(DELETE_PAGE).content.decode()
    browser.post(DELETE_PAGE, {"send_sms_code": "1"})
    code_form = browser.get(DELETE_PAGE).content.decode()
    code = sms.outbox[-1].message.params[0]
    browser.post(DELETE_PAGE, {"sms_code": f"{(int(code) + 1) % 10**6:06d}"})  # a wrong one first
    after_wrong = browser.get(DELETE_PAGE).content.decode()
    browser.post(DELETE_PAGE, {"sms_code": code})
    confirm = browser.get(DELETE_PAGE).content.decode()
    done = browser.post(DELETE_PAGE, {})

    assert 'data-testid="sms-send-form"' in asked and 'name="sms_code"' not in asked
    assert 'name="totp_code"' not in asked and 'name="password"' not in asked
    assert 'name="sms_code"' in code_form and phone_only.phone_masked in code_form
    assert 'data-testid="delete-form"' not in after_wrong
    assert 'data-testid="delete-form"' in confirm and 'name="password"' not in confirm
    assert DeletionReceipt.objects.get(user=phone_only).confirmed_by == "sms"
    assert DeletionReceipt.objects.get(user=phone_only).reference in done.content.decode()
