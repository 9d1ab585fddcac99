import pytest

from auric import privacy
from auric.core.errors import NotFound, ValidationFailed
from auric.privacy.models import PersonalValue, RevealLog
from auric.privacy.vault import mask_email, mask_name, mask_phone

pytestmark = pytest.mark.django_db


def test_a_phone_is_kept_behind_a_token_and_shown_masked():
    token = privacy.store("phone", "13812345678")
    assert token.startswith("pv_") and "13812345678" not in token
    assert privacy.masked(token) == "138****5678"


def test_reveal_needs_a_known_purpose_and_is_logged():
    token = privacy.store(
        "address", {"region": "上海市", "city": "上海市", "district": "静安区", "street": "南京西路1号"}
    )
    with pytest.raises(ValidationFailed):
        privacy.reveal(token, "curiosity")
    assert not RevealLog.objects.exists()
    value = privacy.reveal(token, "ship_parcel", actor="warehouse")
    assert value["street"] == "南京西路1号"
    log = RevealLog.objects.get()
    assert (log.purpose, log.actor_label, log.kind) == ("ship_parcel", "warehouse", "address")
    assert "南京西路" not in privacy.masked(token)


def test_bad_values_are_refused_and_nothing_is_kept():
    for kind, value in [("phone", ""), ("phone", "1\x00"), ("address", "a string"), ("nickname", "x")]:
        with pytest.raises(ValidationFailed):
            privacy.store(kind, value)
    assert not PersonalValue.objects.exists()
    with pytest.raises(NotFound):
        privacy.masked("pv_unknown")


def test_masks():
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_email("li.wei@example.cn") == "l***@example.cn"
