"""Passkeys: registration and sign-in with real WebAuthn structures from a software authenticator,
and every way a response can be wrong — refused with a clear error, nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from auric.accounts import passkeys
from auric.accounts.models import AuthChallenge, PasskeyCredential
from auric.core.errors import ValidationFailed
from tests.accounts.authenticator import SoftAuthenticator, b64url

pytestmark = pytest.mark.django_db


def login_options(username: str = "") -> passkeys.Ceremony:
    return passkeys.begin_login(username=username)


# --- registration ---------------------------------------------------------------------------


def test_registration_stores_the_credential_id_public_key_count_and_transports(shopper, authenticator):
    ceremony = passkeys.begin_registration(user=shopper)
    response = authenticator.create(ceremony.options)

    stored = passkeys.complete_registration(
        user=shopper, challenge_id=ceremony.challenge_id, credential=response, name="my phone"
    )

    assert stored.credential_id == response["id"]
    assert bytes(stored.public_key) == authenticator.credentials[response["id"]].cose_public_key()
    assert stored.sign_count == 0
    assert stored.transports == ["hybrid", "internal"]
    assert stored.name == "my phone" and stored.created_at is not None and stored.last_used_at is None


def test_registration_options_require_user_verification_and_expire_within_five_minutes(shopper):
    ceremony = passkeys.begin_registration(user=shopper)

    assert ceremony.options["authenticatorSelection"]["userVerification"] == "required"
    assert ceremony.options["rp"]["id"] == "localhost"
    assert ceremony.expires_at - timezone.now() <= timedelta(minutes=5)


def test_registration_from_another_origin_is_refused_and_nothing_is_stored(shopper, authenticator):
    ceremony = passkeys.begin_registration(user=shopper)
    response = authenticator.create(ceremony.options, origin="https://evil.example")

    with pytest.raises(passkeys.PasskeyRejected, match="origin"):
        passkeys.complete_registration(user=shopper, challenge_id=ceremony.challenge_id, credential=response)

    assert not PasskeyCredential.objects.exists()


def test_registration_for_another_rp_id_is_refused(shopper, authenticator):
    ceremony = passkeys.begin_registration(user=shopper)
    response = authenticator.create(ceremony.options, rp_id="evil.example")

    with pytest.raises(passkeys.PasskeyRejected, match="RP ID"):
        passkeys.complete_registration(user=shopper, challenge_id=ceremony.challenge_id, credential=response)

    assert not PasskeyCredential.objects.exists()


def test_registration_without_user_verification_is_refused(shopper):
    ceremony = passkeys.begin_registration(user=shopper)
    response = SoftAuthenticator(user_verifying=False).create(ceremony.options)

    with pytest.raises(passkeys.PasskeyRejected, match="verif"):
        passkeys.complete_registration(user=shopper, challenge_id=ceremony.challenge_id, credential=response)

    assert not PasskeyCredential.objects.exists()


def test_a_registration_challenge_cannot_be_answered_twice(shopper, authenticator):
    ceremony = passkeys.begin_registration(user=shopper)
    passkeys.complete_registration(
        user=shopper, challenge_id=ceremony.challenge_id, credential=authenticator.create(ceremony.options)
    )

    with pytest.raises(passkeys.InvalidChallenge) as refused:
        passkeys.complete_registration(
            user=shopper, challenge_id=ceremony.challenge_id, credential=authenticator.create(ceremony.options)
        )

    assert refused.value.extra["reason"] == "used"
    assert PasskeyCredential.objects.count() == 1


def test_another_users_registration_challenge_is_unknown_to_me(shopper, other_shopper, authenticator):
    ceremony = passkeys.begin_registration(user=shopper)

    with pytest.raises(passkeys.InvalidChallenge):
        passkeys.complete_registration(
            user=other_shopper, challenge_id=ceremony.challenge_id, credential=authenticator.create(ceremony.options)
        )


# --- sign-in --------------------------------------------------------------------------------


def test_sign_in_with_a_passkey_returns_the_user_and_records_count_and_time(shopper, passkey, authenticator):
    ceremony = login_options()

    user = passkeys.complete_login(challenge_id=ceremony.challenge_id, credential=authenticator.get(ceremony.options))

    passkey.refresh_from_db()
    assert user == shopper
    assert passkey.sign_count == 1
    assert passkey.last_used_at is not None


def test_sign_in_options_for_a_username_list_its_passkeys(shopper, passkey):
    ceremony = login_options("MEI")

    assert [c["id"] for c in ceremony.options["allowCredentials"]] == [passkey.credential_id]
    assert ceremony.options["userVerification"] == "required"


def test_a_bad_signature_is_refused_and_the_count_does_not_move(passkey, authenticator):
    ceremony = login_options()

    with pytest.raises(passkeys.PasskeyRejected, match="signature"):
        passkeys.complete_login(
            challenge_id=ceremony.challenge_id, credential=authenticator.get(ceremony.options, corrupt_signature=True)
        )

    passkey.refresh_from_db()
    assert passkey.sign_count == 0 and passkey.last_used_at is None


def test_an_assertion_from_another_origin_is_refused(passkey, authenticator):
    ceremony = login_options()

    with pytest.raises(passkeys.PasskeyRejected, match="origin"):
        passkeys.complete_login(
            challenge_id=ceremony.challenge_id,
            credential=authenticator.get(ceremony.options, origin="https://phish.example"),
        )


def test_an_assertion_for_another_rp_id_is_refused(passkey, authenticator):
    ceremony = login_options()

    with pytest.raises(passkeys.PasskeyRejected, match="RP ID"):
        passkeys.complete_login(
            challenge_id=ceremony.challenge_id, credential=authenticator.get(ceremony.options, rp_id="evil.example")
        )


def test_a_replayed_sign_in_challenge_is_refused(passkey, authenticator):
    ceremony = login_options()
    response = authenticator.get(ceremony.options)
    passkeys.complete_login(challenge_id=ceremony.challenge_id, credential=response)

    with pytest.raises(passkeys.InvalidChallenge) as refused:
        passkeys.complete_login(challenge_id=ceremony.challenge_id, credential=response)

    assert refused.value.extra["reason"] == "used"
    passkey.refresh_from_db()
    assert passkey.sign_count == 1


def test_a_failed_answer_uses_up_the_challenge(passkey, authenticator):
    ceremony = login_options()
    with pytest.raises(passkeys.PasskeyRejected):
        passkeys.complete_login(
            challenge_id=ceremony.challenge_id, credential=authenticator.get(ceremony.options, corrupt_signature=True)
        )

    with pytest.raises(passkeys.InvalidChallenge):
        passkeys.complete_login(challenge_id=ceremony.challenge_id, credential=authenticator.get(ceremony.options))


def test_an_expired_challenge_is_refused(passkey, authenticator):
    ceremony = login_options()
    AuthChallenge.objects.filter(public_id=ceremony.challenge_id).update(expires_at=timezone.now())

    with pytest.raises(passkeys.InvalidChallenge) as refused:
        passkeys.complete_login(challenge_id=ceremony.challenge_id, credential=authenticator.get(ceremony.options))

    assert refused.value.extra["reason"] == "expired"


def test_a_sign_count_going_back_is_refused_as_a_possible_clone(passkey, authenticator):
    first = login_options()
    passkeys.complete_login(challenge_id=first.challenge_id, credential=authenticator.get(first.options, sign_count=7))
    second = login_options()

    with pytest.raises(passkeys.PasskeyRejected, match="sign count"):
        passkeys.complete_login(
            challenge_id=second.challenge_id, credential=authenticator.get(second.options, sign_count=5)
        )

    passkey.refresh_from_db()
    assert passkey.sign_count == 7


def test_sign_in_without_user_verification_is_refused(passkey, authenticator):
    ceremony = login_options()

    with pytest.raises(passkeys.PasskeyRejected, match="verif"):
        passkeys.complete_login(
            challenge_id=ceremony.challenge_id, credential=authenticator.get(ceremony.options, user_verified=False)
        )


def test_an_unregistered_credential_is_refused(passkey):
    stranger = SoftAuthenticator()
    stranger.create({"rp": {"id": "localhost"}, "user": {"id": b64url(b"x")}, "challenge": "AA"})
    ceremony = login_options()

    with pytest.raises(passkeys.PasskeyRejected, match="not registered"):
        passkeys.complete_login(challenge_id=ceremony.challenge_id, credential=stranger.get(ceremony.options))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda r: {**r, "response": {**r["response"], "clientDataJSON": "!!not base64!!"}},
        lambda r: {**r, "response": {**r["response"], "authenticatorData": "AAAA"}},
        lambda r: {**r, "response": {**r["response"], "signature": 12}},
        lambda r: {**r, "response": "nope"},
        lambda r: {**r, "type": "password"},
        lambda r: {**r, "rawId": "different"},
    ],
)
def test_malformed_assertions_are_refused_with_a_clear_error(passkey, authenticator, mangle):
    ceremony = login_options()

    with pytest.raises(passkeys.PasskeyRejected):
        passkeys.complete_login(
            challenge_id=ceremony.challenge_id, credential=mangle(authenticator.get(ceremony.options))
        )

    passkey.refresh_from_db()
    assert passkey.sign_count == 0


@pytest.mark.parametrize("credential", [[], "text", {"id": 5}, {"id": "x" * 2000}, {"id": "a\x00b"}])
def test_responses_of_the_wrong_shape_are_invalid_input(passkey, credential):
    with pytest.raises(ValidationFailed):
        passkeys.complete_login(challenge_id=login_options().challenge_id, credential=credential)


def test_a_huge_response_is_refused_before_parsing(passkey, authenticator):
    ceremony = login_options()
    response = authenticator.get(ceremony.options)
    response["clientExtensionResults"] = {"padding": "x" * 100_000}

    with pytest.raises(ValidationFailed, match="too large"):
        passkeys.complete_login(challenge_id=ceremony.challenge_id, credential=response)


# --- API ------------------------------------------------------------------------------------


def test_register_and_sign_in_through_the_api_starts_a_session(api, shopper, authenticator):
    options = api.post("/api/v1/auth/passkeys/register/options").json()
    created = api.post(
        "/api/v1/auth/passkeys/register/verify",
        {
            "challenge_id": options["challenge_id"],
            "credential": authenticator.create(options["publicKey"]),
            "name": "pc",
        },
        content_type="application/json",
    )
    browser = Client()
    login = browser.post("/api/v1/auth/passkeys/login/options", {}, content_type="application/json").json()

    signed_in = browser.post(
        "/api/v1/auth/passkeys/login/verify",
        {"challenge_id": login["challenge_id"], "credential": authenticator.get(login["publicKey"])},
        content_type="application/json",
    )

    assert created.status_code == 201 and created.json()["name"] == "pc"
    assert signed_in.status_code == 201 and signed_in.json()["username"] == "mei"
    assert browser.session.get("_auth_user_id") == str(shopper.pk)
    assert [p["name"] for p in api.get("/api/v1/auth/passkeys").json()] == ["pc"]


def test_a_refused_sign_in_through_the_api_is_a_400_problem_without_a_session(passkey, authenticator):
    browser = Client()
    login = browser.post("/api/v1/auth/passkeys/login/options", {}, content_type="application/json").json()

    response = browser.post(
        "/api/v1/auth/passkeys/login/verify",
        {
            "challenge_id": login["challenge_id"],
            "credential": authenticator.get(login["publicKey"], user_verified=False),
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/passkey_rejected"
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize(
    "body",
    [
        {"challenge_id": "x" * 500, "credential": {}},
        {"challenge_id": "abc", "credential": "not an object"},
        {"challenge_id": 7, "credential": {"id": "a"}},
        {
            "challenge_id": "abcdefghijklmnopqrstuvwxyz",
            "credential": {"id": "a", "response": {"clientDataJSON": "%%%"}},
        },
    ],
)
def test_bad_input_to_the_api_is_a_4xx_problem_never_a_500(db, body):
    response = Client().post("/api/v1/auth/passkeys/login/verify", body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/problem+json")


def test_registering_a_passkey_needs_authentication(db):
    assert Client().post("/api/v1/auth/passkeys/register/options").status_code == 401


def test_i_cannot_remove_another_shoppers_passkey(api, other_shopper, authenticator):
    ceremony = passkeys.begin_registration(user=other_shopper)
    theirs = passkeys.complete_registration(
        user=other_shopper, challenge_id=ceremony.challenge_id, credential=authenticator.create(ceremony.options)
    )

    response = api.delete(f"/api/v1/auth/passkeys/{theirs.pk}")

    assert response.status_code == 404
    assert PasskeyCredential.objects.filter(pk=theirs.pk).exists()


@override_settings(AURIC_WEBAUTHN_ORIGINS=["https://shop.example"], AURIC_WEBAUTHN_RP_ID="shop.example")
def test_the_relying_party_comes_from_settings(shopper):
    authenticator = SoftAuthenticator(origin="https://shop.example")
    ceremony = passkeys.begin_registration(user=shopper)

    stored = passkeys.complete_registration(
        user=shopper, challenge_id=ceremony.challenge_id, credential=authenticator.create(ceremony.options)
    )

    assert ceremony.options["rp"]["id"] == "shop.example" and stored.pk


def test_old_expired_challenges_are_purged_but_those_behind_a_grant_are_kept(shopper, passkey, authenticator):
    from auric.accounts import stepup

    old = login_options()
    begun = stepup.begin_step_up(user=shopper, purpose="payment", binding={"order_number": "A1"})
    stepup.complete_step_up(user=shopper, challenge_id=begun.challenge_id, assertion=authenticator.get(begun.options))
    fresh = login_options()
    AuthChallenge.objects.exclude(public_id=fresh.challenge_id).update(expires_at=timezone.now() - timedelta(days=2))

    purged = passkeys.purge_expired_challenges()

    assert purged == 1 + 1  # the sign-in challenge and the passkey fixture's registration challenge
    assert not AuthChallenge.objects.filter(public_id=old.challenge_id).exists()
    assert AuthChallenge.objects.filter(public_id__in=[begun.challenge_id, fresh.challenge_id]).count() == 2
