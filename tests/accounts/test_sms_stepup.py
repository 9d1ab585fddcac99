"""Step-up with an SMS code: only for accounts with neither a passkey nor an authenticator app, never for
a payment (COMPLIANCE D2), the same grant as the other methods, and every refusal grants nothing."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import translation

from auric import privacy
from auric.accounts import passkeys, sms, sms_login, sms_stepup, stepup, totp
from auric.accounts.models import AuthChallenge, SmsCode, StepUpGrant, User
from auric.accounts.services import issue_api_token
from auric.core.money import Money
from auric.privacy import rights
from auric.privacy.models import RevealLog
from tests.accounts.authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
DELETE = "account_change"


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    cache.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def phone_only(db) -> User:
    """An account made by signing in with a phone and a code: no password, no second factor."""
    token, masked = privacy.store_masked("phone", PHONE)
    user = User(username="m0a1b2c3", phone_token=token, phone_masked=masked)
    user.set_unusable_password()
    user.save()
    return user


def binding(user: User) -> dict[str, str]:
    return rights.deletion_binding(user)


def last_code() -> str:
    return sms.outbox[-1].message.params[0]


def send(user: User, purpose: str = DELETE, bind: dict | None = None) -> sms_stepup.StepUpCodeSent:
    return sms_stepup.send_step_up_code(user=user, purpose=purpose, binding=bind or binding(user))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def time_passes(seconds: int) -> None:
    delta = timedelta(seconds=seconds)
    for row in SmsCode.objects.all():
        SmsCode.objects.filter(pk=row.pk).update(created_at=row.created_at - delta, expires_at=row.expires_at - delta)
    for row in AuthChallenge.objects.all():
        AuthChallenge.objects.filter(pk=row.pk).update(expires_at=row.expires_at - delta)
    cache.clear()


def enrol_totp(user: User) -> str:
    enrolment = totp.begin_totp_enrolment(user=user)
    totp.confirm_totp_enrolment(user=user, code=pyotp.TOTP(enrolment.secret).at(time.time() - 30))
    return enrolment.secret


def add_passkey(user: User) -> None:
    ceremony = passkeys.begin_registration(user=user)
    passkeys.complete_registration(
        user=user,
        challenge_id=ceremony.challenge_id,
        credential=SoftAuthenticator().create(ceremony.options),
        name="phone",
    )


# --- granted --------------------------------------------------------------------------------------


def test_a_code_sent_to_the_accounts_phone_grants_a_step_up_for_the_deletion(phone_only):
    sent = send(phone_only)

    grant = sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=sent.challenge_id, code=last_code())

    assert (grant.method, grant.purpose, grant.binding) == ("sms", DELETE, binding(phone_only))
    assert stepup.require_step_up(user=phone_only, purpose=DELETE, binding=binding(phone_only)) == grant
    assert rights.delete_account(user=phone_only).confirmed_by == "sms"


def test_an_sms_grant_has_a_valid_method_choice(phone_only):
    sent = send(phone_only)

    grant = sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=sent.challenge_id, code=last_code())

    grant.full_clean()
    assert grant.method == StepUpGrant.Method.SMS == stepup.SMS_METHOD
    assert grant.get_method_display() == "SMS code"


def test_the_message_goes_to_the_accounts_number_says_what_it_confirms_and_the_reveal_is_logged(phone_only):
    with translation.override("en"):
        sent = send(phone_only)

    [message] = sms.outbox
    assert message.phone == PHONE and message.message.template == "step_up_code"
    assert last_code() in message.message.text and "deleting your account" in message.message.text
    assert sent.phone_masked == phone_only.phone_masked and sent.expires_in == 300
    log = RevealLog.objects.get()
    assert (log.purpose, log.actor_label, log.outcome) == ("send_notification", "system: sms step-up", "revealed")


def test_the_grant_is_for_its_binding_only(phone_only):
    other = {"account": str(phone_only.pk), "change": "change_phone"}
    sent = send(phone_only, bind=other)
    sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=sent.challenge_id, code=last_code())

    with pytest.raises(stepup.StepUpRequired):
        stepup.require_step_up(user=phone_only, purpose=DELETE, binding=binding(phone_only))


def test_the_step_up_required_problem_offers_sms_to_an_account_without_a_second_factor(phone_only):
    with pytest.raises(stepup.StepUpRequired) as asked:
        rights.delete_account(user=phone_only)

    problem = asked.value.problem()
    assert problem["available"] == ["sms"] and phone_only.phone_masked in problem["detail"]
    assert problem["sms"]["send"] == {
        "method": "POST",
        "href": "/api/v1/auth/step-up/sms/send",
        "body": {"purpose": DELETE, "binding": binding(phone_only)},
    }
    assert problem["sms"]["complete"]["href"] == "/api/v1/auth/step-up/sms/complete"


# --- never for payments, never beside a second factor ------------------------------------------------


@pytest.mark.parametrize("purpose", ["payment", "order"])
def test_d2_an_sms_step_up_is_refused_for_a_payment_and_sends_nothing(phone_only, purpose):
    bind = stepup.payment_binding(order_number="AU1", amount=Money("150000", "CNY"), payee="sandbox")

    with pytest.raises(sms_stepup.SmsStepUpNotAllowed) as refused:
        send(phone_only, purpose=purpose, bind=bind)

    assert refused.value.status == 403 and refused.value.extra["reason"] == "purpose"
    assert sms.outbox == [] and not SmsCode.objects.exists() and not AuthChallenge.objects.exists()


def test_d2_a_payment_challenge_cannot_be_answered_with_an_sms_code(phone_only):
    """A payment challenge (begun for passkey/TOTP) answered with a code sent for something else."""
    bind = stepup.payment_binding(order_number="AU1", amount=Money("150000", "CNY"), payee="sandbox")
    payment = stepup.begin_step_up(user=phone_only, purpose="payment", binding=bind)
    send(phone_only)

    with pytest.raises(sms_stepup.SmsStepUpNotAllowed):
        sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=payment.challenge_id, code=last_code())

    assert not StepUpGrant.objects.exists()
    with pytest.raises(stepup.StepUpRequired) as asked:
        stepup.require_step_up(user=phone_only, purpose="payment", binding=bind)
    assert "sms" not in asked.value.problem() and asked.value.problem()["available"] == []


def test_d2_an_sms_grant_never_counts_for_a_payment(phone_only):
    """Even a grant row with the method sms for a payment binding (there is no way to make one) is ignored."""
    bind = stepup.payment_binding(order_number="AU1", amount=Money("150000", "CNY"), payee="sandbox")
    row = stepup.begin_step_up(user=phone_only, purpose="payment", binding=bind)
    stepup.grant_for(user=phone_only, row=AuthChallenge.objects.get(public_id=row.challenge_id), method="sms")

    with pytest.raises(stepup.StepUpRequired):
        stepup.require_step_up(user=phone_only, purpose="payment", binding=bind)


@pytest.mark.parametrize("second_factor", ["totp", "passkey"])
def test_an_account_with_a_second_factor_may_not_step_up_by_sms(phone_only, second_factor):
    enrol_totp(phone_only) if second_factor == "totp" else add_passkey(phone_only)

    with pytest.raises(sms_stepup.SmsStepUpNotAllowed) as refused:
        send(phone_only)

    assert refused.value.extra["reason"] == "second_factor"
    assert sms.outbox == [] and not SmsCode.objects.exists()


@pytest.mark.parametrize("second_factor", ["totp", "passkey"])
def test_a_second_factor_added_after_the_code_was_sent_refuses_it_and_voids_an_sms_grant(phone_only, second_factor):
    first = send(phone_only)
    grant = sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=first.challenge_id, code=last_code())
    time_passes(61)
    second = send(phone_only)

    enrol_totp(phone_only) if second_factor == "totp" else add_passkey(phone_only)

    with pytest.raises(sms_stepup.SmsStepUpNotAllowed):
        sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=second.challenge_id, code=last_code())
    assert list(StepUpGrant.objects.all()) == [grant]
    with pytest.raises(stepup.StepUpRequired):  # the earlier SMS grant no longer counts
        stepup.require_step_up(user=phone_only, purpose=DELETE, binding=binding(phone_only))


def test_an_account_without_a_phone_gets_no_code(db):
    user = User.objects.create_user(username="nophone")
    user.set_unusable_password()
    user.save()

    with pytest.raises(sms_stepup.SmsStepUpNotAllowed) as refused:
        send(user)

    assert refused.value.extra["reason"] == "no_phone" and sms.outbox == []


# --- wrong, expired, too many: refused, nothing granted --------------------------------------------


def test_a_wrong_code_is_refused_counts_an_attempt_and_grants_nothing(phone_only):
    sent = send(phone_only)

    with pytest.raises(sms_login.InvalidSmsCode) as refused:
        sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=sent.challenge_id, code=wrong(last_code()))

    assert refused.value.extra["attempts_left"] == 4
    assert not StepUpGrant.objects.exists()
    assert AuthChallenge.objects.get(public_id=sent.challenge_id).used_at is None
    with pytest.raises(stepup.StepUpRequired):
        rights.delete_account(user=phone_only)
    assert User.objects.get(pk=phone_only.pk).is_active


def test_an_expired_code_is_refused_and_grants_nothing(phone_only):
    sent = send(phone_only)
    code = last_code()
    time_passes(301)

    with pytest.raises(sms_login.InvalidSmsCode):
        sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=sent.challenge_id, code=code)

    assert not StepUpGrant.objects.exists()


@override_settings(AURIC_SMS_MAX_ATTEMPTS=3)
def test_after_too_many_wrong_codes_even_the_right_one_is_refused(phone_only):
    sent = send(phone_only)
    code = last_code()
    for _ in range(3):
        with pytest.raises(sms_login.InvalidSmsCode):
            sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=sent.challenge_id, code=wrong(code))

    with pytest.raises(sms_login.InvalidSmsCode) as refused:
        sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=sent.challenge_id, code=code)

    assert refused.value.extra["attempts_left"] == 0
    assert SmsCode.objects.get().state == SmsCode.State.EXHAUSTED
    assert not StepUpGrant.objects.exists()


def test_a_code_works_once_and_only_with_its_own_challenge(phone_only):
    first = send(phone_only)
    old_code = last_code()
    time_passes(61)
    second = send(phone_only)

    with pytest.raises(sms_login.InvalidSmsCode):  # replaced by the newer code
        sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=first.challenge_id, code=old_code)
    with pytest.raises(sms_login.InvalidSmsCode):  # the newest code, but for the other challenge
        sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=first.challenge_id, code=last_code())
    sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=second.challenge_id, code=last_code())
    with pytest.raises(sms_login.InvalidSmsCode):  # used
        sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=second.challenge_id, code=last_code())

    assert StepUpGrant.objects.count() == 1


def test_sign_in_codes_and_step_up_codes_never_stand_in_for_each_other(phone_only):
    sms_login.send_sign_in_code(phone=PHONE)
    sign_in_code = last_code()
    time_passes(61)
    sent = send(phone_only)
    step_up_code = last_code()

    with pytest.raises(sms_login.InvalidSmsCode):
        sms_stepup.complete_step_up_by_sms(user=phone_only, challenge_id=sent.challenge_id, code=sign_in_code)
    with pytest.raises(sms_login.InvalidSmsCode):
        sms_login.verify_sign_in_code(phone=PHONE, code=step_up_code)
    assert not StepUpGrant.objects.exists()


def test_another_accounts_challenge_is_unknown(phone_only):
    sent = send(phone_only)
    other = User.objects.create_user(username="lin")

    with pytest.raises(sms_login.InvalidSmsCode):
        sms_stepup.complete_step_up_by_sms(user=other, challenge_id=sent.challenge_id, code=last_code())

    assert not StepUpGrant.objects.exists()


def test_codes_are_throttled_like_sign_in_codes(phone_only):
    send(phone_only)

    with pytest.raises(sms_login.SmsThrottled) as throttled:
        send(phone_only)

    assert throttled.value.status == 429 and len(sms.outbox) == 1


def test_a_gateway_failure_voids_the_code_and_its_challenge(phone_only, monkeypatch):
    def refuse(phone, message):
        raise sms.SmsError("down")

    monkeypatch.setattr(sms, "send", refuse)
    with pytest.raises(sms_login.SmsUnavailable):
        send(phone_only)

    assert SmsCode.objects.get().state == SmsCode.State.FAILED
    assert AuthChallenge.objects.get().used_at is not None


# --- the API ------------------------------------------------------------------------------------------


@pytest.fixture
def api(phone_only) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user=phone_only, name='app').secret}")


def test_the_api_steps_up_by_sms_and_then_deletes_the_account(api, phone_only):
    asked = api.post("/api/v1/account/delete", {}, content_type="application/json")
    how = asked.json()["sms"]

    sent = api.post(how["send"]["href"], how["send"]["body"], content_type="application/json")
    done = api.post(
        how["complete"]["href"],
        {"challenge_id": sent.json()["challenge_id"], "code": last_code()},
        content_type="application/json",
    )
    deleted = api.post("/api/v1/account/delete", {}, content_type="application/json")

    assert asked.status_code == 403 and asked.json()["type"] == "/problems/step_up_required"
    assert sent.status_code == 202 and sent.json()["phone"] == phone_only.phone_masked
    assert done.status_code == 201 and done.json()["method"] == "sms"
    assert deleted.status_code == 201
    assert not User.objects.get(pk=phone_only.pk).is_active


def test_the_api_refuses_an_sms_step_up_for_a_payment_with_a_403_problem(api):
    body = {"purpose": "payment", "binding": {"order_number": "AU1", "amount": "150000", "currency": "CNY"}}

    response = api.post("/api/v1/auth/step-up/sms/send", body, content_type="application/json")

    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/sms_step_up_not_allowed" and response.json()["reason"] == "purpose"
    assert sms.outbox == []


def test_the_api_answers_a_wrong_code_with_a_400_problem_and_a_second_send_with_429(api, phone_only):
    body = {"purpose": DELETE, "binding": binding(phone_only)}
    sent = api.post("/api/v1/auth/step-up/sms/send", body, content_type="application/json").json()

    refused = api.post(
        "/api/v1/auth/step-up/sms/complete",
        {"challenge_id": sent["challenge_id"], "code": wrong(last_code())},
        content_type="application/json",
    )
    again = api.post("/api/v1/auth/step-up/sms/send", body, content_type="application/json")

    assert refused.status_code == 400 and refused.json()["type"] == "/problems/invalid_sms_code"
    assert again.status_code == 429 and "Retry-After" in again
    assert not StepUpGrant.objects.exists()


def test_the_api_needs_a_signed_in_account(db):
    response = Client().post(
        "/api/v1/auth/step-up/sms/send", {"purpose": DELETE, "binding": {}}, content_type="application/json"
    )

    assert response.status_code == 401 and sms.outbox == []
