"""Exact lookups by keyed HMAC over a normalised value — no decryption, its own key."""

import hashlib
import hmac

import pytest

from auric import privacy
from auric.core.errors import ValidationFailed
from auric.privacy import keys
from auric.privacy.models import BlindIndex
from tests.privacy.conftest import PERSON

pytestmark = pytest.mark.django_db


def test_login_by_phone_finds_the_token_whatever_the_spelling():
    token = privacy.store("phone", PERSON["phone"])
    privacy.store("phone", "13900000000")
    for spelling in (PERSON["phone"], "+86 139 1234 0987", "139-1234-0987"):
        assert privacy.find("phone", spelling) == [token]
    assert privacy.find("phone", "13900000001") == []


def test_find_a_customer_by_id_number_and_email():
    id_token = privacy.store("id_number", PERSON["id_number"])
    email_token = privacy.store("email", PERSON["email"])
    assert privacy.find("id_number", "110105 19900307 1234") == [id_token]
    assert privacy.find("email", "OUYANG.Nana@Example.cn") == [email_token]


def test_the_index_is_keyed_with_its_own_key_not_the_kek():
    privacy.store("phone", PERSON["phone"])
    digest = BlindIndex.objects.get().digest
    plain = hashlib.sha256(PERSON["phone"].encode()).hexdigest()
    assert digest != plain and PERSON["phone"] not in digest
    assert keys.index_key() not in keys.key_provider()._keys.values()  # type: ignore[attr-defined]
    expected = hmac.new(keys.index_key(), b"auric-blind/1\x00phone\x00" + PERSON["phone"].encode(), hashlib.sha256)
    assert digest == expected.hexdigest()


def test_without_the_index_key_lookups_find_nothing(settings):
    privacy.store("phone", PERSON["phone"])
    settings.AURIC_VAULT_INDEX_KEY = keys.new_key_text()
    assert privacy.find("phone", PERSON["phone"]) == []


def test_addresses_and_birthdays_are_not_searchable():
    for kind in ("address", "birthday"):
        with pytest.raises(ValidationFailed):
            privacy.find(kind, "x")


def test_erased_values_are_not_found():
    token = privacy.store("phone", PERSON["phone"])
    privacy.erase(token)
    assert privacy.find("phone", PERSON["phone"]) == []
