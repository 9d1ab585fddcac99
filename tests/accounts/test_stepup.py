"""Step-up authentication bound to one exact operation (COMPLIANCE D2)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pyotp
import pytest
from django.test import override_settings
from django.utils import timezone

from auric.accounts import passkeys, stepup
from auric.accounts.models import AuthChallenge, StepUpGrant
from auric.core.errors import ValidationFailed
from auric.core.money import Money
from tests.accounts.authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db

ORDER = stepup.payment_binding(order_number="AU-2026-000123", amount=Money(Decimal("128000.00")), payee="auric-shop")


def step_up_with_passkey(user, authenticator, binding=ORDER, **get_kwargs):
    challenge = stepup.begin_step_up(user=user, purpose="payment", binding=binding)
    return stepup.complete_step_up(
        user=user, challenge_id=challenge.challenge_id, assertion=authenticator.get(challenge.options, **get_kwargs)
    )


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time())


# --- threshold ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "needed"),
    [("99999.99", False), ("100000", True), ("100000.00", True), ("150000.00", True), ("0", False)],
)
def test_totals_at_or_above_the_threshold_need_step_up(amount, needed):
    assert stepup.needs_step_up(Money(Decimal(amount), "CNY")) is needed


@override_settings(AURIC_STEP_UP_THRESHOLD="5000.00")
def test_the_threshold_is_configurable():
    assert stepup.needs_step_up(Money(Decimal("5000"), "CNY"))


def test_an_amount_in_another_currency_needs_step_up_to_fail_safe():
    assert stepup.needs_step_up(Money(Decimal("10"), "USD"))


# --- require_step_up ------------------------------------------------------------------------


def test_without_a_grant_the_operation_is_refused_with_a_403_saying_how(shopper):
    with pytest.raises(stepup.StepUpRequired) as refused:
        stepup.require_step_up(user=shopper, purpose="payment", binding=ORDER)

    body = refused.value.problem()
    assert refused.value.status == 403
    assert body["type"] == "/problems/step_up_required"
    assert body["methods"] == ["passkey", "totp"]
    assert body["begin"]["href"] == "/api/v1/auth/step-up/begin"
    assert body["begin"]["body"] == {"purpose": "payment", "binding": ORDER}
    assert body["complete"]["href"] == "/api/v1/auth/step-up/complete"


def test_a_passkey_step_up_grants_the_operation_for_its_exact_binding(shopper, passkey, authenticator):
    grant = step_up_with_passkey(shopper, authenticator)

    assert stepup.require_step_up(user=shopper, purpose="payment", binding=ORDER) == grant
    assert grant.method == "passkey" and grant.credential == passkey
    assert grant.binding == {
        "amount": "128000",
        "currency": "CNY",
        "order_number": "AU-2026-000123",
        "payee": "auric-shop",
    }


def test_the_same_amount_written_differently_is_the_same_binding(shopper, passkey, authenticator):
    step_up_with_passkey(shopper, authenticator)
    same = {**ORDER, "amount": Decimal("128000.000")}

    assert stepup.require_step_up(user=shopper, purpose="payment", binding=same)


@pytest.mark.parametrize(
    "changed",
    [{"amount": "128000.01"}, {"currency": "USD"}, {"order_number": "AU-2026-000124"}, {"payee": "someone-else"}],
)
def test_a_grant_does_not_count_once_the_order_changed(shopper, passkey, authenticator, changed):
    step_up_with_passkey(shopper, authenticator)

    with pytest.raises(stepup.StepUpRequired):
        stepup.require_step_up(user=shopper, purpose="payment", binding={**ORDER, **changed})


def test_a_grant_is_for_one_purpose_only(shopper, passkey, authenticator):
    step_up_with_passkey(shopper, authenticator)

    with pytest.raises(stepup.StepUpRequired):
        stepup.require_step_up(user=shopper, purpose="change_password", binding=ORDER)


def test_a_grant_is_for_its_user_only(shopper, other_shopper, passkey, authenticator):
    step_up_with_passkey(shopper, authenticator)

    with pytest.raises(stepup.StepUpRequired):
        stepup.require_step_up(user=other_shopper, purpose="payment", binding=ORDER)


def test_a_grant_goes_stale_after_the_configured_minutes(shopper, passkey, authenticator):
    grant = step_up_with_passkey(shopper, authenticator)
    StepUpGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(stepup.StepUpRequired):
        stepup.require_step_up(user=shopper, purpose="payment", binding=ORDER)


# --- begin / complete -----------------------------------------------------------------------


def test_the_challenge_asks_for_user_verification_and_lives_at_most_five_minutes(shopper, passkey):
    challenge = stepup.begin_step_up(user=shopper, purpose="payment", binding=ORDER)

    assert challenge.options["userVerification"] == "required"
    assert [c["id"] for c in challenge.options["allowCredentials"]] == [passkey.credential_id]
    assert challenge.expires_at - timezone.now() <= timedelta(minutes=5)


def test_D2_step_up_requires_user_verification(shopper, passkey, authenticator):
    challenge = stepup.begin_step_up(user=shopper, purpose="payment", binding=ORDER)
    presence_only = authenticator.get(challenge.options, user_verified=False)  # touched, not verified

    with pytest.raises(stepup.StepUpFailed, match="verif"):
        stepup.complete_step_up(user=shopper, challenge_id=challenge.challenge_id, assertion=presence_only)

    assert not StepUpGrant.objects.exists()
    passkey.refresh_from_db()
    assert passkey.sign_count == 0


def test_D2_step_up_passes_require_user_verification_to_the_webauthn_library(
    shopper, passkey, authenticator, monkeypatch
):
    seen = {}
    real = passkeys.verify_authentication_response

    def spy(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(passkeys, "verify_authentication_response", spy)

    step_up_with_passkey(shopper, authenticator)

    assert seen["require_user_verification"] is True


def test_D2_totp_is_always_offered_as_the_alternative(shopper, passkey):
    challenge = stepup.begin_step_up(user=shopper, purpose="payment", binding=ORDER)
    with pytest.raises(stepup.StepUpRequired) as refused:
        stepup.require_step_up(user=shopper, purpose="payment", binding=ORDER)

    assert "totp" in challenge.methods  # even for a shopper with a passkey and no app yet
    assert "totp" in refused.value.problem()["methods"]


def test_D2_a_totp_code_completes_the_step_up(shopper, totp_secret):
    challenge = stepup.begin_step_up(user=shopper, purpose="payment", binding=ORDER)

    grant = stepup.complete_step_up(
        user=shopper, challenge_id=challenge.challenge_id, totp_code=current_code(totp_secret)
    )

    assert grant.method == "totp"
    assert stepup.require_step_up(user=shopper, purpose="payment", binding=ORDER) == grant


def test_a_wrong_totp_code_grants_nothing(shopper, totp_secret):
    challenge = stepup.begin_step_up(user=shopper, purpose="payment", binding=ORDER)

    with pytest.raises(stepup.StepUpFailed):
        stepup.complete_step_up(user=shopper, challenge_id=challenge.challenge_id, totp_code="000000")

    assert not StepUpGrant.objects.exists()


def test_a_step_up_challenge_is_single_use(shopper, passkey, authenticator):
    challenge = stepup.begin_step_up(user=shopper, purpose="payment", binding=ORDER)
    stepup.complete_step_up(
        user=shopper, challenge_id=challenge.challenge_id, assertion=authenticator.get(challenge.options)
    )

    with pytest.raises(passkeys.InvalidChallenge):
        stepup.complete_step_up(
            user=shopper, challenge_id=challenge.challenge_id, assertion=authenticator.get(challenge.options)
        )

    assert StepUpGrant.objects.count() == 1


def test_an_expired_step_up_challenge_is_refused(shopper, passkey, authenticator):
    challenge = stepup.begin_step_up(user=shopper, purpose="payment", binding=ORDER)
    AuthChallenge.objects.filter(public_id=challenge.challenge_id).update(expires_at=timezone.now())

    with pytest.raises(passkeys.InvalidChallenge):
        stepup.complete_step_up(
            user=shopper, challenge_id=challenge.challenge_id, assertion=authenticator.get(challenge.options)
        )


def test_another_users_passkey_cannot_step_up_for_me(shopper, other_shopper, passkey, authenticator):
    theirs = SoftAuthenticator()
    ceremony = passkeys.begin_registration(user=other_shopper)
    passkeys.complete_registration(
        user=other_shopper, challenge_id=ceremony.challenge_id, credential=theirs.create(ceremony.options)
    )
    challenge = stepup.begin_step_up(user=shopper, purpose="payment", binding=ORDER)

    with pytest.raises(stepup.StepUpFailed, match="not registered"):
        stepup.complete_step_up(
            user=shopper,
            challenge_id=challenge.challenge_id,
            assertion=theirs.get({"challenge": challenge.options["challenge"]}),
        )


def test_a_bad_signature_grants_nothing(shopper, passkey, authenticator):
    with pytest.raises(stepup.StepUpFailed, match="signature"):
        step_up_with_passkey(shopper, authenticator, corrupt_signature=True)

    assert not StepUpGrant.objects.exists()


@pytest.mark.parametrize("purpose", ["", "pay", "PAYMENT", None])
def test_an_unknown_purpose_is_invalid_input(shopper, purpose):
    with pytest.raises(ValidationFailed):
        stepup.begin_step_up(user=shopper, purpose=purpose, binding=ORDER)


@pytest.mark.parametrize(
    "binding", [{"amount": 1.5}, {"x" * 41: "1"}, {str(i): "v" for i in range(13)}, {"a": "v" * 201}, {"a": "\x00"}]
)
def test_a_bad_binding_is_invalid_input(shopper, binding):
    with pytest.raises(ValidationFailed):
        stepup.begin_step_up(user=shopper, purpose="payment", binding=binding)


def test_both_or_neither_answer_is_invalid_input(shopper, passkey):
    challenge = stepup.begin_step_up(user=shopper, purpose="payment", binding=ORDER)

    with pytest.raises(ValidationFailed):
        stepup.complete_step_up(user=shopper, challenge_id=challenge.challenge_id)


# --- API ------------------------------------------------------------------------------------


def test_step_up_through_the_api_with_a_passkey(api, shopper, passkey, authenticator):
    begun = api.post(
        "/api/v1/auth/step-up/begin", {"purpose": "payment", "binding": ORDER}, content_type="application/json"
    )
    body = begun.json()

    completed = api.post(
        "/api/v1/auth/step-up/complete",
        {"challenge_id": body["challenge_id"], "assertion": authenticator.get(body["publicKey"])},
        content_type="application/json",
    )

    assert begun.status_code == 201
    assert body["methods"] == ["passkey", "totp"] and body["available"] == ["passkey"]
    assert body["publicKey"]["userVerification"] == "required"
    assert completed.status_code == 201 and completed.json()["binding"] == ORDER
    assert stepup.require_step_up(user=shopper, purpose="payment", binding=ORDER)


def test_step_up_through_the_api_with_a_totp_code(api, shopper, totp_secret):
    begun = api.post(
        "/api/v1/auth/step-up/begin", {"purpose": "payment", "binding": ORDER}, content_type="application/json"
    ).json()

    completed = api.post(
        "/api/v1/auth/step-up/complete",
        {"challenge_id": begun["challenge_id"], "totp_code": current_code(totp_secret)},
        content_type="application/json",
    )

    assert completed.status_code == 201 and completed.json()["method"] == "totp"


@pytest.mark.parametrize(
    "body",
    [
        {"challenge_id": "abcdefghijklmnopqrstu", "assertion": {"id": "AAAA", "response": {"signature": "***"}}},
        {"challenge_id": "abcdefghijklmnopqrstu", "totp_code": "abc"},
        {"challenge_id": ["x"], "totp_code": "123456"},
        {"challenge_id": "abcdefghijklmnopqrstu", "assertion": {"id": "A", "pad": "x" * 50_000}},
    ],
)
def test_bad_step_up_input_is_a_4xx_problem_never_a_500(api, shopper, body):
    response = api.post("/api/v1/auth/step-up/complete", body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/problem+json")


def test_step_up_needs_authentication(db):
    from django.test import Client

    response = Client().post(
        "/api/v1/auth/step-up/begin", {"purpose": "payment", "binding": ORDER}, content_type="application/json"
    )

    assert response.status_code == 401


def test_the_step_up_form_offers_passkey_and_code_and_carries_the_binding(shopper):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    with pytest.raises(stepup.StepUpRequired) as refused:
        stepup.require_step_up(user=shopper, purpose="payment", binding=ORDER)
    context = {**stepup.step_up_context(refused.value), "next_action": "/checkout/pay/"}

    html = render_to_string("accounts/_step_up_form.html", context, request=RequestFactory().get("/"))

    assert "data-step-up-passkey" in html and 'name="totp_code"' in html
    assert "&quot;order_number&quot;: &quot;AU-2026-000123&quot;" in html
    assert "<script" not in html
