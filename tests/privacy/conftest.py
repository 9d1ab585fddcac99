"""Vault fixtures: a test person, back-office users by role, a private key file."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from auric.privacy import keys
from auric.privacy.access import CUSTOMER_SERVICE, OPERATOR, STORE_STAFF
from tests.checkout.conftest import cart_of, gold_piece, gold_price, shopper, store  # noqa: F401 (fixtures)
from tests.factories import UserFactory

PERSON = {
    "name": "欧阳娜娜",
    "phone": "13912340987",
    "email": "ouyang.nana@example.cn",
    "id_number": "110105199003071234",
    "street": "南京东路 188 号",
    "detail": "3 单元 1502 室",
}


def person_address() -> dict[str, str]:
    return {
        "name": PERSON["name"],
        "phone": PERSON["phone"],
        "region": "上海市",
        "city": "上海市",
        "district": "黄浦区",
        "street": PERSON["street"],
        "detail": PERSON["detail"],
        "postcode": "200001",
    }


def user_in(role: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def operator(db):
    return user_in(OPERATOR, "op")


@pytest.fixture
def agent(db):
    return user_in(CUSTOMER_SERVICE, "cs")


@pytest.fixture
def clerk(db):
    return user_in(STORE_STAFF, "clerk")


@pytest.fixture
def key_file(tmp_path: Path, settings) -> Path:
    """A private key-encryption key file (the tests may rotate it)."""
    path = tmp_path / "kek"
    keys.write_key_file(path, [keys.new_key_text()])
    settings.AURIC_VAULT_KEK_FILE = str(path)
    settings.AURIC_VAULT_KEK = ""
    yield path
    keys.reset_keys()
