"""Data-subject deletion: crypto-shredding destroys the data keys and rows; the token remains, erased."""

import pytest

from auric import privacy
from auric.core.errors import NotFound
from auric.privacy.models import SEGMENT_MODELS, BlindIndex, PersonalValue, RevealLog
from auric.privacy.vault import ValueErased
from tests.privacy.conftest import person_address

pytestmark = pytest.mark.django_db


def test_erasing_destroys_keys_ciphertexts_and_index_and_masks_as_erased():
    token = privacy.store("address", person_address())
    kept = privacy.store("phone", "13900000000")
    privacy.erase(token)

    assert not any(model.objects.filter(record_id=token).exists() for model in SEGMENT_MODELS.values())
    assert not BlindIndex.objects.filter(record_id=token).exists()
    assert privacy.masked(token) == "erased"
    assert PersonalValue.objects.get(token=token).erased_at is not None
    assert privacy.reveal(kept, "send_notification") == "13900000000"


def test_revealing_an_erased_value_says_so_and_is_logged():
    token = privacy.store("name", "欧阳娜娜")
    privacy.erase(token)
    with pytest.raises(ValueErased) as caught:
        privacy.reveal(token, "handle_ticket", actor="system")
    assert caught.value.status == 410
    assert RevealLog.objects.get().outcome == "erased"


def test_erasing_twice_is_harmless_and_unknown_tokens_are_not_found():
    token = privacy.store("phone", "13900000000")
    privacy.erase(token)
    privacy.erase(token)
    assert privacy.masked(token) == "erased"
    with pytest.raises(NotFound):
        privacy.erase("pv_unknown")
