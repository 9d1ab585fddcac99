"""Key rotation: every data key re-wrapped under a new KEK, with progress, resumable, old keys retired."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from auric import privacy
from auric.privacy import keys
from auric.privacy.models import SEGMENT_MODELS, KeyRotation
from tests.privacy.conftest import PERSON, person_address

pytestmark = pytest.mark.django_db


def _kek_ids() -> list[str]:
    return [k for model in SEGMENT_MODELS.values() for k in model.objects.values_list("kek_id", flat=True)]


def _store_some() -> dict[str, object]:
    values: dict[str, object] = {
        privacy.store("address", person_address()): person_address(),
        privacy.store("phone", PERSON["phone"]): PERSON["phone"],
        privacy.store("id_number", PERSON["id_number"]): PERSON["id_number"],
    }
    return values


def test_rotation_rewraps_every_data_key_and_values_still_open(key_file, capsys):
    values = _store_some()
    old_id = keys.key_provider().current_key_id
    assert set(_kek_ids()) == {old_id}

    call_command("rotate_vault_key", "--new-key", "--batch-size", "2", verbosity=0)

    new_id = keys.key_provider().current_key_id
    assert new_id != old_id and set(_kek_ids()) == {new_id}
    assert len(key_file.read_text().split()) == 2  # the old key is kept until retired
    for token, value in values.items():
        assert privacy.reveal(token, "handle_ticket", actor="system") == value
    rotation = KeyRotation.objects.get()
    assert (rotation.to_key_id, rotation.total, rotation.rewrapped) == (new_id, 6, 6)
    assert rotation.finished_at is not None
    assert "6/6 data keys re-wrapped (complete)" in capsys.readouterr().out


def test_an_interrupted_rotation_resumes_where_it_stopped(key_file, capsys):
    values = _store_some()
    call_command("rotate_vault_key", "--new-key", "--max-rows", "4", "--batch-size", "3", verbosity=0)
    new_id = keys.key_provider().current_key_id
    assert _kek_ids().count(new_id) == 4
    assert "incomplete" in capsys.readouterr().out
    # Values under either key open meanwhile, and new values use the new key.
    assert all(privacy.reveal(t, "handle_ticket", actor="system") == v for t, v in values.items())

    call_command("rotate_vault_key", verbosity=0)

    assert set(_kek_ids()) == {new_id}
    rotation = KeyRotation.objects.get()
    assert (rotation.total, rotation.rewrapped) == (6, 6) and rotation.finished_at is not None


def test_retiring_removes_keys_no_row_uses_and_values_still_open(key_file):
    values = _store_some()
    call_command("rotate_vault_key", "--new-key", "--retire", verbosity=0)
    assert len(key_file.read_text().split()) == 1
    keys.reset_keys()
    assert all(privacy.reveal(t, "handle_ticket", actor="system") == v for t, v in values.items())


def test_retiring_is_refused_while_rows_remain_under_the_old_key(key_file):
    _store_some()
    with pytest.raises(CommandError):
        call_command("rotate_vault_key", "--new-key", "--max-rows", "1", "--retire", verbosity=0)
    assert len(key_file.read_text().split()) == 2


def test_keys_from_the_environment_rotate_when_the_operator_puts_the_new_key_first(settings):
    old, new = keys.new_key_text(), keys.new_key_text()
    settings.AURIC_VAULT_KEK = old
    values = _store_some()
    with pytest.raises(CommandError):
        call_command("rotate_vault_key", "--new-key", verbosity=0)
    settings.AURIC_VAULT_KEK = f"{new},{old}"

    call_command("rotate_vault_key", verbosity=0)

    assert set(_kek_ids()) == {keys.key_id_of(keys.decode_key(new, source="test"))}
    settings.AURIC_VAULT_KEK = new
    assert all(privacy.reveal(t, "handle_ticket", actor="system") == v for t, v in values.items())


def test_create_vault_key_writes_a_private_key_file_and_never_overwrites(tmp_path):
    path = tmp_path / "etc" / "vault-kek"
    call_command("create_vault_key", str(path), verbosity=0)
    assert len(keys.decode_key(path.read_text(), source="test")) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CommandError):
        call_command("create_vault_key", str(path))
