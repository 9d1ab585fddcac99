"""Identity verification (COMPLIANCE D4): real name and resident ID number, checked (GB 11643) and
kept in the vault; recorded once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from auric import privacy
from auric.accounts import identity
from auric.accounts.models import IdentityVerification
from auric.core.errors import Conflict, ValidationFailed
from auric.privacy.vault import RevealRefused
from tests.accounts.commerce_dump import in_commerce_db
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The example number of GB 11643-1999 itself (Beijing Chaoyang, born 1949-12-31, check character X).
STANDARD_EXAMPLE = "11010519491231002X"
NAME = "欧阳娜娜"


@pytest.mark.parametrize(
    "number", [STANDARD_EXAMPLE, "11010519491231002x", "110105 19491231 002X", "440524199001010018"]
)
def test_valid_resident_id_numbers_are_accepted_in_upper_case_without_spaces(number):
    assert identity.clean_id_number(number) == number.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("110105194912310021", "check character"),  # the example with a wrong check character
        ("11010519491331002X", "not a date"),  # month 13
        ("110105194902300025", "not a date"),  # 30 February
        ("110105209912310026", "not possible"),  # born in the future
        ("110105185012310027", "not possible"),  # born before 1900
        ("110105491231002", "17 digits"),  # a 15-digit first-generation number
        ("01010519491231002X", "17 digits"),  # an area code cannot start with 0
        ("1101051949123100XX", "17 digits"),
        ("", "17 digits"),
    ],
)
def test_invalid_resident_id_numbers_are_refused(number, why):
    with pytest.raises(ValidationFailed) as refused:
        identity.clean_id_number(number)

    assert why in refused.value.errors["id_number"][0]


def test_the_check_character_follows_the_mod_11_2_weights():
    # 1·7 + 1·9 + 0·10 + 1·5 + 0·8 + 5·4 + 1·2 + 9·1 + 4·6 + 9·3 + 1·7 + 2·9 + 3·10 + 1·5 + 0·8 + 0·4 + 2·2 = 167;
    # 167 mod 11 = 2 → "X"
    assert identity.check_digit("11010519491231002") == "X"


@pytest.mark.parametrize("name", ["李", "Li3 Wei", "张三<script>", "x" * 61, "  ", "·-"])
def test_names_that_cannot_be_on_an_identity_card_are_refused(name):
    with pytest.raises(ValidationFailed):
        identity.clean_name(name)


@pytest.mark.parametrize("name", ["张三", "阿依古丽·买买提", "Anne-Marie O'Neil"])
def test_names_with_the_usual_separators_are_accepted(name):
    assert identity.clean_name(name) == name


def test_verifying_keeps_tokens_and_masks_on_the_account_and_the_values_in_the_vault():
    user = UserFactory()

    record = identity.verify_identity(user=user, name=NAME, id_number=STANDARD_EXAMPLE.lower())

    assert (record.name_masked, record.id_number_masked) == ("欧***", "11************002X")
    assert record.method == IdentityVerification.Method.DECLARED and record.verified_at is not None
    assert privacy.reveal(record.name_token, "verify_identity", actor="system: test") == NAME
    assert privacy.reveal(record.id_number_token, "verify_identity", actor="system: test") == STANDARD_EXAMPLE
    assert not in_commerce_db(NAME) and not in_commerce_db(STANDARD_EXAMPLE)


def test_the_compliance_officer_may_reveal_the_values_and_customer_service_may_not():
    record = identity.verify_identity(user=UserFactory(), name=NAME, id_number=STANDARD_EXAMPLE)
    officer, agent = UserFactory(is_staff=True), UserFactory(is_staff=True)
    officer.groups.add(Group.objects.get_or_create(name="compliance officer")[0])
    agent.groups.add(Group.objects.get_or_create(name="customer service")[0])

    assert privacy.reveal(record.id_number_token, "verify_identity", actor=officer) == STANDARD_EXAMPLE
    with pytest.raises(RevealRefused):
        privacy.reveal(record.id_number_token, "verify_identity", actor=agent)


def test_identity_is_recorded_once():
    user = UserFactory()
    identity.verify_identity(user=user, name=NAME, id_number=STANDARD_EXAMPLE)

    with pytest.raises(Conflict):
        identity.verify_identity(user=user, name="张三", id_number="440524199001010018")

    assert IdentityVerification.objects.get(user=user).name_masked == "欧***"


def test_a_refused_number_stores_nothing_anywhere():
    user = UserFactory()

    with pytest.raises(ValidationFailed):
        identity.verify_identity(user=user, name=NAME, id_number="110105194912310021")

    assert not IdentityVerification.objects.exists()
    assert privacy.find("name", NAME) == []


def test_require_identity_verification_says_how_to_verify():
    with pytest.raises(identity.IdentityVerificationRequired) as required:
        identity.require_identity_verification(user=UserFactory())

    problem = required.value.problem()
    assert problem["status"] == 403 and problem["type"] == "/problems/identity_verification_required"
    assert problem["verify"] == {
        "method": "POST",
        "href": "/api/v1/account/identity",
        "body": {"name": "", "id_number": ""},
    }


# --- API ----------------------------------------------------------------------------------------


def test_the_api_records_the_identity_and_shows_only_masked_forms(api, shopper):
    created = api.post(
        "/api/v1/account/identity", {"name": NAME, "id_number": STANDARD_EXAMPLE}, content_type="application/json"
    )
    shown = api.get("/api/v1/account/identity")

    assert created.status_code == 201
    assert shown.status_code == 200 and shown.json() == created.json()
    body = shown.json()
    assert body["verified"] is True
    assert (body["name_masked"], body["id_number_masked"]) == ("欧***", "11************002X")
    assert STANDARD_EXAMPLE not in created.content.decode()


def test_the_api_answers_a_bad_number_with_a_422_problem_and_a_second_time_with_409(api, shopper):
    bad = api.post(
        "/api/v1/account/identity", {"name": NAME, "id_number": "110105194912310021"}, content_type="application/json"
    )
    api.post("/api/v1/account/identity", {"name": NAME, "id_number": STANDARD_EXAMPLE}, content_type="application/json")
    again = api.post(
        "/api/v1/account/identity", {"name": NAME, "id_number": STANDARD_EXAMPLE}, content_type="application/json"
    )

    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"
    assert "id_number" in bad.json()["errors"]
    assert again.status_code == 409


def test_the_api_needs_a_signed_in_user(client):
    response = client.post(
        "/api/v1/account/identity", {"name": NAME, "id_number": STANDARD_EXAMPLE}, content_type="application/json"
    )

    assert response.status_code == 401
    assert not IdentityVerification.objects.exists()
