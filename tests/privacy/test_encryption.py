"""AES-256-GCM under per-row data keys wrapped by the KEK; tampering and swapping fail loudly."""

import logging

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.test import override_settings

from auric import privacy
from auric.privacy import crypto, keys
from auric.privacy.models import ContactSegment, IdentitySegment, RevealLog
from auric.privacy.vault import VaultIntegrityError
from tests.privacy.conftest import PERSON

pytestmark = pytest.mark.django_db


def test_each_row_has_its_own_data_key_wrapped_by_the_current_kek():
    first, second = privacy.store("phone", PERSON["phone"]), privacy.store("phone", PERSON["phone"])
    rows = {row.record_id: row for row in ContactSegment.objects.all()}
    a, b = rows[first], rows[second]
    assert a.kek_id == b.kek_id == keys.key_provider().current_key_id
    assert bytes(a.wrapped_key) != bytes(b.wrapped_key) and bytes(a.ciphertext) != bytes(b.ciphertext)
    aad = crypto.associated_data(kind="phone", segment="contact", owner=first, segment_token=a.token)
    data_key = keys.key_provider().unwrap(a.kek_id, bytes(a.wrapped_key), context=aad)
    assert len(data_key) == 32
    plaintext = AESGCM(data_key).decrypt(bytes(a.ciphertext)[:12], bytes(a.ciphertext)[12:], aad)
    assert PERSON["phone"].encode() in plaintext


def test_a_tampered_ciphertext_is_a_clear_error_logged_and_reveals_nothing(caplog):
    token = privacy.store("id_number", PERSON["id_number"])
    row = IdentitySegment.objects.get(record_id=token)
    blob = bytearray(bytes(row.ciphertext))
    blob[-1] ^= 1
    IdentitySegment.objects.filter(pk=row.pk).update(ciphertext=bytes(blob))

    with caplog.at_level(logging.ERROR, logger="auric.privacy"), pytest.raises(VaultIntegrityError) as caught:
        privacy.reveal(token, "verify_identity", actor="system: kyc")

    assert caught.value.status == 500 and caught.value.code == "vault_integrity"
    assert PERSON["id_number"] not in str(caught.value.problem())
    assert "integrity" in caplog.text
    log = RevealLog.objects.get(token=token)
    assert log.outcome == RevealLog.Outcome.FAILED


def test_ciphertexts_swapped_between_two_records_do_not_decrypt():
    mine, theirs = privacy.store("phone", "13900000001"), privacy.store("phone", "13900000002")
    a, b = ContactSegment.objects.get(record_id=mine), ContactSegment.objects.get(record_id=theirs)
    # An attacker with write access to the vault database moves their value (and its key) under my token.
    ContactSegment.objects.filter(pk=a.pk).update(ciphertext=bytes(b.ciphertext), wrapped_key=bytes(b.wrapped_key))

    with pytest.raises(VaultIntegrityError):
        privacy.reveal(mine, "send_notification", actor="system: sms")
    assert privacy.reveal(theirs, "send_notification", actor="system: sms") == "13900000002"


def test_a_value_relabelled_as_another_kind_does_not_decrypt():
    token = privacy.store("email", PERSON["email"])
    privacy_value = ContactSegment.objects.get(record_id=token).record
    privacy_value.kind = "phone"
    privacy_value.save(update_fields=["kind"])
    with pytest.raises(VaultIntegrityError):
        privacy.reveal(token, "send_notification", actor="system")


def test_without_the_kek_that_wrapped_them_values_do_not_open(key_file):
    token = privacy.store("name", PERSON["name"])
    keys.write_key_file(key_file, [keys.new_key_text()])  # the old key is lost
    keys.reset_keys()
    with pytest.raises(VaultIntegrityError):
        privacy.reveal(token, "handle_ticket", actor="system")


class CountingKms:
    """A stand-in for a cloud KMS: anything with wrap/unwrap/current_key_id/key_ids plugs in."""

    calls: list[str] = []

    def __init__(self) -> None:
        self._inner = keys.LocalKeyProvider([b"k" * 32])

    @classmethod
    def from_settings(cls) -> "CountingKms":
        return cls()

    @property
    def current_key_id(self) -> str:
        return "kms:projects/auric/keys/vault"

    def key_ids(self) -> list[str]:
        return [self.current_key_id]

    def wrap(self, data_key: bytes, *, context: bytes) -> tuple[str, bytes]:
        self.calls.append("wrap")
        return self.current_key_id, self._inner.wrap(data_key, context=context)[1]

    def unwrap(self, key_id: str, wrapped: bytes, *, context: bytes) -> bytes:
        self.calls.append("unwrap")
        return self._inner.unwrap(self._inner.current_key_id, wrapped, context=context)


def test_a_kms_can_provide_the_keys():
    with override_settings(AURIC_VAULT_KEY_PROVIDER="tests.privacy.test_encryption.CountingKms"):
        token = privacy.store("phone", PERSON["phone"])
        assert privacy.reveal(token, "ship_parcel", actor="system") == PERSON["phone"]
        assert ContactSegment.objects.get(record_id=token).kek_id == "kms:projects/auric/keys/vault"
    assert CountingKms.calls == ["wrap", "unwrap"]
