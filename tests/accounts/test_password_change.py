"""Changing one's own password is a sensitive change: current password, rules, and step-up (S5)."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from auric.accounts import lockout, password, stepup
from auric.accounts.models import StepUpGrant, User
from auric.core.errors import ValidationFailed
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a much longer pass phrase 2026"  # a test password


def step_up(user, authenticator):
    challenge = stepup.begin_step_up(user=user, purpose=password.PURPOSE, binding=password.binding(user))
    return stepup.complete_step_up(
        user=user, challenge_id=challenge.challenge_id, assertion=authenticator.get(challenge.options)
    )


def post_change(client: Client, current: str = PASSWORD, new: str = NEW_PASSWORD):
    body = json.dumps({"current_password": current, "new_password": new})
    return client.post("/api/v1/account/password", body, content_type="application/json")


def test_without_a_second_factor_the_current_password_is_enough(shopper):
    password.change_password(user=shopper, current_password=PASSWORD, new_password=NEW_PASSWORD)

    assert User.objects.get(pk=shopper.pk).check_password(NEW_PASSWORD)


def test_with_a_passkey_the_change_needs_a_step_up_and_changes_nothing_without_it(shopper, passkey):
    with pytest.raises(stepup.StepUpRequired) as refused:
        password.change_password(user=shopper, current_password=PASSWORD, new_password=NEW_PASSWORD)

    assert refused.value.extra["purpose"] == "change_password"
    assert User.objects.get(pk=shopper.pk).check_password(PASSWORD)


def test_a_step_up_lets_one_change_through_and_is_used_up_by_it(shopper, passkey, authenticator):
    step_up(shopper, authenticator)

    password.change_password(user=shopper, current_password=PASSWORD, new_password=NEW_PASSWORD)

    assert User.objects.get(pk=shopper.pk).check_password(NEW_PASSWORD)
    with pytest.raises(stepup.StepUpRequired):
        password.change_password(user=shopper, current_password=NEW_PASSWORD, new_password=PASSWORD + " again")


def test_a_step_up_for_another_account_does_not_count(shopper, other_shopper, passkey, authenticator):
    step_up(shopper, authenticator)
    assert not StepUpGrant.objects.filter(user=other_shopper).exists()

    with pytest.raises(stepup.StepUpRequired):
        stepup.require_step_up(user=shopper, purpose="change_password", binding=password.binding(other_shopper))


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_sign_in(shopper):
    with override_settings(AURIC_LOGIN_MAX_FAILURES=2):
        for _ in range(2):
            with pytest.raises(password.WrongPassword):
                password.change_password(user=shopper, current_password="guess", new_password=NEW_PASSWORD)

        with pytest.raises(lockout.LoginLocked):  # locked now, even with the right password
            password.change_password(user=shopper, current_password=PASSWORD, new_password=NEW_PASSWORD)

    assert User.objects.get(pk=shopper.pk).check_password(PASSWORD)
    assert lockout.current_lock(username="mei") is not None  # the sign-in page is locked too


def test_a_weak_new_password_is_refused(shopper):
    with pytest.raises(ValidationFailed) as refused:
        password.change_password(user=shopper, current_password=PASSWORD, new_password="12345678")

    assert "new_password" in refused.value.errors
    assert User.objects.get(pk=shopper.pk).check_password(PASSWORD)


def test_the_api_answers_403_step_up_required_then_204_after_the_step_up(shopper, passkey, authenticator, api):
    refused = post_change(api)
    step_up(shopper, authenticator)
    changed = post_change(api)

    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/step_up_required"
    assert refused.json()["begin"]["body"]["purpose"] == "change_password"
    assert changed.status_code == 204
    assert User.objects.get(pk=shopper.pk).check_password(NEW_PASSWORD)


def test_the_session_that_changed_the_password_stays_signed_in_and_the_others_end(shopper):
    this_browser, other_browser = Client(), Client()
    this_browser.force_login(shopper)
    other_browser.force_login(shopper)
    csrf_free = Client(enforce_csrf_checks=False)
    csrf_free.cookies = this_browser.cookies

    response = post_change(csrf_free)

    assert response.status_code == 204
    assert this_browser.get("/api/v1/orders").status_code == 200
    assert other_browser.get("/api/v1/orders").status_code == 401


def test_the_api_refuses_a_wrong_current_password_with_a_problem(api, shopper):
    response = post_change(api, current="not my password")

    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/wrong_password"
