"""The privacy interface: store → token, masked forms, validation, reveal round trips."""

import pytest

from auric import privacy
from auric.core.errors import NotFound, ValidationFailed
from auric.privacy.models import PersonalValue
from auric.privacy.vault import mask_document, mask_email, mask_name, mask_phone
from tests.privacy.conftest import PERSON, person_address

pytestmark = pytest.mark.django_db


def test_a_phone_is_kept_behind_a_token_and_shown_masked():
    token = privacy.store("phone", "13812345678")
    assert token.startswith("pv_") and "13812345678" not in token
    assert privacy.masked(token) == "138****5678"


@pytest.mark.parametrize(
    ("kind", "value", "mask"),
    [
        ("name", "欧阳娜娜", "欧***"),
        ("email", "li.wei@example.cn", "l***@example.cn"),
        ("id_number", "110105 19900307 123x", "11************123X"),
        ("tax_id", "91310000MA1FL0ABCD", "91************ABCD"),
        ("birthday", "1990-03-07", "19**-**-**"),
    ],
)
def test_every_kind_round_trips_and_masks(kind, value, mask):
    token = privacy.store(kind, value)
    assert privacy.masked(token) == mask
    revealed = privacy.reveal(token, "handle_ticket", actor="system: test")
    assert revealed == (value.replace(" ", "").upper() if kind == "id_number" else value)


def test_an_address_comes_back_whole_and_in_its_order():
    address = person_address()
    token = privacy.store("address", address)
    revealed = privacy.reveal(token, "ship_parcel", actor="warehouse job")
    assert list(revealed.items()) == list(address.items())
    assert privacy.masked(token) == "上海市 上海市 黄浦区 ****"


def test_bad_values_are_refused_and_nothing_is_kept():
    bad = [
        ("phone", ""),
        ("phone", "1\x00"),
        ("address", "a string"),
        ("nickname", "x"),
        ("id_number", "12"),
        ("birthday", "1990-02-30"),
        ("birthday", "2999-01-01"),
    ]
    for kind, value in bad:
        with pytest.raises(ValidationFailed):
            privacy.store(kind, value)
    assert not PersonalValue.objects.exists()
    with pytest.raises(NotFound):
        privacy.masked("pv_unknown")


def test_masks():
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_email("li.wei@example.cn") == "l***@example.cn"
    assert mask_document(PERSON["id_number"]) == "11************1234"
