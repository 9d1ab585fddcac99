"""Sign in with a phone number and an SMS code: expiry, attempts, throttling, single use, no enumeration,
and no phone number or code in the commerce database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from auric import privacy
from auric.accounts import sms, sms_login
from auric.accounts.models import SmsCode, User
from tests.accounts.commerce_dump import in_commerce_db

pytestmark = pytest.mark.django_db

KNOWN = "13800138000"
UNKNOWN = "13900139000"


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def phone_user(db) -> User:
    """A shopper whose sign-in phone is KNOWN (in the vault, a token on the account)."""
    token, masked = privacy.store_masked("phone", KNOWN)
    return User.objects.create_user(username="mei", password="pw-unused-here", phone_token=token, phone_masked=masked)


def last_code() -> str:
    return sms.outbox[-1].message.params[0]


def time_passes(seconds: int) -> None:
    """Move every stored code back in time (and forget the short resend lock, a cache entry)."""
    delta = timedelta(seconds=seconds)
    for row in SmsCode.objects.all():
        SmsCode.objects.filter(pk=row.pk).update(created_at=row.created_at - delta, expires_at=row.expires_at - delta)
    cache.clear()


def send(client: Client, phone: str, ip: str = "203.0.113.7"):
    return client.post("/api/v1/auth/sms/send", {"phone": phone}, content_type="application/json", REMOTE_ADDR=ip)


def verify(client: Client, phone: str, code: str, **extra):
    return client.post(
        "/api/v1/auth/sms/verify", {"phone": phone, "code": code, **extra}, content_type="application/json"
    )


# --- sending ------------------------------------------------------------------------------------


def test_a_known_and_an_unknown_number_get_the_same_answer_and_both_a_code(client, phone_user):
    known = send(client, KNOWN, ip="203.0.113.1")
    unknown = send(client, UNKNOWN, ip="203.0.113.2")

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert known.json()["expires_in"] == 300 and known.json()["resend_after"] == 60
    assert [m.phone for m in sms.outbox] == [KNOWN, UNKNOWN]
    assert all(len(m.message.params[0]) == 6 and m.message.params[0].isdigit() for m in sms.outbox)


def test_the_message_carries_the_code_and_the_template_parameters():
    sms_login.send_sign_in_code(phone="+86 138 0013 8000")

    sent = sms.outbox[-1]
    assert sent.phone == KNOWN  # +86 and spaces normalised away
    assert sent.message.template == "sign_in_code"
    assert sent.message.params == (last_code(), "5")
    assert last_code() in sent.message.text


@pytest.mark.parametrize("phone", ["12345", "23800138000", "+44 7700 900123", "1380013800a", "138001380001"])
def test_a_number_that_is_not_a_mainland_mobile_is_422_and_nothing_is_sent(client, phone):
    response = send(client, phone)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "phone" in response.json()["errors"]
    assert sms.outbox == [] and not SmsCode.objects.exists()


def test_a_second_code_within_60_seconds_is_429_with_retry_after(client):
    assert send(client, KNOWN).status_code == 202

    again = send(client, KNOWN)

    assert again.status_code == 429
    assert again["Content-Type"] == "application/problem+json"
    problem = again.json()
    assert problem["type"] == "/problems/sms_throttled" and problem["scope"] == "phone"
    assert 1 <= int(again["Retry-After"]) <= 60 and problem["retry_after"] == int(again["Retry-After"])
    assert len(sms.outbox) == 1


def test_after_60_seconds_a_new_code_is_sent_and_replaces_the_old_one(client, monkeypatch):
    codes = iter([111111, 222222])
    monkeypatch.setattr(sms_login.secrets, "randbelow", lambda _: next(codes))
    send(client, KNOWN)
    time_passes(61)

    assert send(client, KNOWN).status_code == 202

    assert verify(client, KNOWN, "111111").status_code == 400
    assert verify(client, KNOWN, "222222").status_code == 201
    assert SmsCode.objects.filter(state=SmsCode.State.REPLACED).count() == 1


def test_codes_per_number_and_hour_are_limited(client, settings):
    settings.AURIC_SMS_RESEND_SECONDS = 0
    settings.AURIC_SMS_MAX_PER_HOUR_PER_PHONE = 3
    statuses = [send(client, KNOWN, ip=f"203.0.113.{i}").status_code for i in range(4)]

    assert statuses == [202, 202, 202, 429]
    refused = send(client, KNOWN, ip="203.0.113.99")
    assert refused.json()["scope"] == "phone" and 3500 <= int(refused["Retry-After"]) <= 3600
    assert len(sms.outbox) == 3


def test_codes_per_client_ip_and_hour_are_limited(client, settings):
    settings.AURIC_SMS_MAX_PER_HOUR_PER_IP = 2
    numbers = ["13800000001", "13800000002", "13800000003"]

    statuses = [send(client, n, ip="198.51.100.5").status_code for n in numbers]

    assert statuses == [202, 202, 429]
    assert send(client, numbers[2], ip="198.51.100.5").json()["scope"] == "ip"
    assert send(client, numbers[2], ip="198.51.100.6").status_code == 202  # another client is not held back


def test_the_hourly_limit_frees_up_an_hour_after_the_oldest_code(client, settings):
    settings.AURIC_SMS_MAX_PER_HOUR_PER_PHONE = 1
    send(client, KNOWN)
    assert send(client, KNOWN).status_code == 429

    time_passes(3601)

    assert send(client, KNOWN).status_code == 202


class RefusingGateway:
    @classmethod
    def from_settings(cls):
        return cls()

    def send(self, phone, message):
        raise sms.SmsError("gateway says no")


def test_a_gateway_failure_is_503_and_leaves_no_usable_code(client, settings):
    settings.AURIC_SMS_BACKEND = f"{__name__}.RefusingGateway"

    response = send(client, KNOWN)

    assert response.status_code == 503 and response.json()["type"] == "/problems/sms_unavailable"
    assert SmsCode.objects.get().state == SmsCode.State.FAILED


# --- verifying ----------------------------------------------------------------------------------


def test_a_known_number_signs_in_to_its_account(client, phone_user):
    send(client, KNOWN)

    response = verify(client, KNOWN, last_code())

    assert response.status_code == 201
    assert response.json() == {
        "id": phone_user.pk,
        "username": "mei",
        "created": False,
        "token": None,
        "token_type": None,
    }
    assert client.session["_auth_user_id"] == str(phone_user.pk)


def test_an_unknown_number_gets_a_shopper_account_on_its_first_verified_sign_in(client):
    send(client, UNKNOWN)

    response = verify(client, UNKNOWN, last_code())

    assert response.status_code == 201 and response.json()["created"] is True
    user = User.objects.get(pk=response.json()["id"])
    assert user.phone_masked == "139****9000"
    assert not user.has_usable_password() and not user.is_staff
    assert privacy.find("phone", UNKNOWN) == [user.phone_token]
    # a second sign-in finds the same account
    time_passes(61)
    send(client, UNKNOWN)
    assert verify(client, UNKNOWN, last_code()).json() == {**response.json(), "created": False}


def test_with_sign_up_off_an_unknown_number_is_refused_after_a_right_code(client, settings):
    settings.AURIC_SMS_SIGNUP = False
    send(client, UNKNOWN)

    response = verify(client, UNKNOWN, last_code())

    assert response.status_code == 403 and response.json()["type"] == "/problems/phone_not_registered"
    assert not User.objects.exists()


def test_a_bearer_token_is_issued_when_asked_and_works(client, phone_user):
    send(client, KNOWN)

    signed_in = verify(Client(), KNOWN, last_code(), issue_token=True, token_name="my phone")
    token = signed_in.json()["token"]
    me = Client().get("/api/v1/account/identity", headers={"Authorization": f"Bearer {token}"})

    assert signed_in.status_code == 201 and signed_in.json()["token_type"] == "Bearer"
    assert me.status_code == 200 and me.json() == {
        "verified": False,
        "name_masked": None,
        "id_number_masked": None,
        "verified_at": None,
    }
    assert phone_user.api_tokens.get().name == "my phone"


def test_a_code_works_only_once(client, phone_user):
    send(client, KNOWN)
    code = last_code()
    assert verify(client, KNOWN, code).status_code == 201

    replay = verify(Client(), KNOWN, code)

    assert replay.status_code == 400 and replay.json()["type"] == "/problems/invalid_sms_code"


def test_a_code_expires_after_five_minutes(client, phone_user):
    send(client, KNOWN)
    code = last_code()
    row = SmsCode.objects.get()
    assert row.expires_at - row.created_at == timedelta(seconds=300)

    time_passes(301)

    assert verify(client, KNOWN, code).status_code == 400


def test_a_code_still_works_just_before_it_expires(client, phone_user):
    send(client, KNOWN)
    time_passes(290)

    assert verify(client, KNOWN, last_code()).status_code == 201


def test_five_wrong_attempts_void_the_code(client, phone_user):
    send(client, KNOWN)
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    left = [verify(client, KNOWN, wrong).json()["attempts_left"] for _ in range(5)]
    after = verify(client, KNOWN, code)

    assert left == [4, 3, 2, 1, 0]
    assert after.status_code == 400 and after.json()["attempts_left"] == 0
    assert SmsCode.objects.get().state == SmsCode.State.EXHAUSTED
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_for_a_known_and_an_unknown_number_reads_the_same(client, phone_user):
    send(client, KNOWN, ip="203.0.113.1")
    send(client, UNKNOWN, ip="203.0.113.2")
    known_code, unknown_code = (m.message.params[0] for m in sms.outbox)

    known = verify(client, KNOWN, f"{(int(known_code) + 1) % 1_000_000:06d}")
    unknown = verify(client, UNKNOWN, f"{(int(unknown_code) + 1) % 1_000_000:06d}")

    assert known.status_code == unknown.status_code == 400
    assert known.json() == unknown.json()


def test_a_code_for_one_number_does_not_sign_in_another(client, phone_user):
    send(client, UNKNOWN)

    assert verify(client, KNOWN, last_code()).status_code == 400


def test_an_inactive_account_is_not_signed_in(client, phone_user):
    User.objects.filter(pk=phone_user.pk).update(is_active=False)
    send(client, KNOWN)

    response = verify(client, KNOWN, last_code())

    assert response.status_code == 403 and response.json()["type"] == "/problems/account_inactive"
    assert "_auth_user_id" not in client.session


# --- no plaintext in the commerce database -------------------------------------------------------


def test_neither_the_phone_nor_the_code_is_in_the_commerce_database(client):
    send(client, UNKNOWN)
    code = last_code()
    pending = in_commerce_db(code)
    verify(client, UNKNOWN, code)

    assert User.objects.get().phone_token.startswith("pv_")
    assert not in_commerce_db(UNKNOWN) and not in_commerce_db("+86" + UNKNOWN)
    assert not pending  # the code was never stored as such, not even while it was valid
    assert not in_commerce_db("203.0.113.7")  # nor the client's IP


def test_purge_deletes_old_codes_only(client):
    send(client, KNOWN)
    time_passes(2 * 86400)
    send(client, UNKNOWN)

    deleted = sms_login.purge_sms_codes()

    assert deleted == 1 and SmsCode.objects.count() == 1
