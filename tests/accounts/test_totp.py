"""TOTP second factor: enrolment with an otpauth URI and QR, ±1 step, single-use codes."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from auric.accounts import totp
from auric.accounts.models import TotpDevice
from auric.core.errors import Conflict

pytestmark = pytest.mark.django_db


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def test_enrolment_shows_the_secret_as_an_otpauth_uri_and_an_svg_qr_code(shopper):
    enrolment = totp.begin_totp_enrolment(user=shopper)

    assert enrolment.otpauth_uri.startswith("otpauth://totp/")
    assert f"secret={enrolment.secret}" in enrolment.otpauth_uri
    assert "issuer=Auric" in enrolment.otpauth_uri
    assert enrolment.qr_svg.lstrip().startswith("<svg")
    assert not enrolment.device.is_confirmed


def test_enrolment_is_confirmed_with_a_current_code(shopper):
    enrolment = totp.begin_totp_enrolment(user=shopper)

    device = totp.confirm_totp_enrolment(user=shopper, code=pyotp.TOTP(enrolment.secret).now())

    assert device.is_confirmed
    assert totp.has_totp(shopper)


def test_a_wrong_code_does_not_confirm_the_enrolment(shopper):
    totp.begin_totp_enrolment(user=shopper)

    with pytest.raises(totp.InvalidTotpCode):
        totp.confirm_totp_enrolment(user=shopper, code="000000x")

    assert not TotpDevice.objects.get(user=shopper).is_confirmed


def test_a_second_enrolment_is_refused_while_an_app_is_active(shopper, totp_secret):
    with pytest.raises(Conflict):
        totp.begin_totp_enrolment(user=shopper)

    assert totp._secret(TotpDevice.objects.get(user=shopper)) == totp_secret


def test_the_current_code_and_one_step_either_side_are_accepted(shopper, totp_secret):
    now = time.time() + 600  # later than the confirmation step
    generator = pyotp.TOTP(totp_secret)

    assert totp.verify_totp(user=shopper, code=generator.at(now - 30), at=at(now))
    assert totp.verify_totp(user=shopper, code=generator.at(now), at=at(now))
    assert totp.verify_totp(user=shopper, code=generator.at(now + 30), at=at(now))


def test_an_expired_code_two_steps_old_is_refused(shopper, totp_secret):
    now = time.time() + 600

    assert not totp.verify_totp(user=shopper, code=pyotp.TOTP(totp_secret).at(now - 60), at=at(now))


def test_a_code_is_single_use_a_replay_in_the_same_step_is_refused(shopper, totp_secret):
    now = time.time() + 600
    code = pyotp.TOTP(totp_secret).at(now)

    first = totp.verify_totp(user=shopper, code=code, at=at(now))
    replay = totp.verify_totp(user=shopper, code=code, at=at(now + 1))

    assert (first, replay) == (True, False)


def test_an_older_code_is_refused_after_a_newer_one_was_used(shopper, totp_secret):
    now = time.time() + 600
    generator = pyotp.TOTP(totp_secret)
    assert totp.verify_totp(user=shopper, code=generator.at(now), at=at(now))

    assert not totp.verify_totp(user=shopper, code=generator.at(now - 30), at=at(now))


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "１２３４５６", "12\x0034"])
def test_malformed_codes_are_refused(shopper, totp_secret, code):
    assert not totp.verify_totp(user=shopper, code=code)


def test_a_user_without_a_confirmed_app_has_no_valid_code(shopper):
    enrolment = totp.begin_totp_enrolment(user=shopper)

    assert not totp.verify_totp(user=shopper, code=pyotp.TOTP(enrolment.secret).now())


def test_enrolment_through_the_api(api, shopper):
    started = api.post("/api/v1/auth/totp/enrol")
    secret = parse_qs(urlsplit(started.json()["otpauth_uri"]).query)["secret"][0]

    confirmed = api.post(
        "/api/v1/auth/totp/confirm", {"code": pyotp.TOTP(secret).now()}, content_type="application/json"
    )

    assert started.status_code == 201
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/")
    assert confirmed.status_code == 201 and confirmed.json() == {"confirmed": True}


def test_a_wrong_code_through_the_api_is_a_400_problem(api, shopper):
    api.post("/api/v1/auth/totp/enrol")

    response = api.post("/api/v1/auth/totp/confirm", {"code": "000000"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["type"] == "/problems/invalid_totp_code"
