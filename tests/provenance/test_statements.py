"""Signed statements: canonical bytes, signatures, and the key registry the log itself records."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from auric.provenance import statements as st_mod
from auric.provenance.statements import (
    KeyRegistry,
    StatementError,
    key_id,
    owner_commitment,
    parse_entry,
    public_key_bytes,
    sign_statement,
    statement,
)

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def _registration(platform: Ed25519PrivateKey, party: str, key: Ed25519PrivateKey, type_: str = "party.registered"):
    public = public_key_bytes(key)
    data = {
        "party": party,
        "kind": "lab",
        "name": party,
        "key": key_id(public),
        "public_key": base64.b64encode(public).decode(),
    }
    return sign_statement(statement(type_, piece=None, party="platform", data=data, time=NOW), platform)


def _cert(key: Ed25519PrivateKey, party: str = "lab.ngtc", piece: str = "pc_0001"):
    return sign_statement(
        statement("certificate.issued", piece=piece, party=party, data={"report": "1"}, time=NOW), key
    )


def test_entries_are_canonical_and_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    signed = _cert(key)
    entry = signed.entry_bytes()
    assert entry.startswith(b'{"key":"')  # RFC 8785 sorts members
    again = parse_entry(entry)
    assert again == signed
    again.verify(public_key_bytes(key))
    with pytest.raises(StatementError, match="canonical"):
        parse_entry(entry.replace(b'{"key"', b'{ "key"'))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "piece.teleported"}, "unknown statement type"),
        ({"party": "Lab NGTC"}, "party must be"),
        ({"piece": "x"}, "piece must be"),
        ({"time": "2026-12-05 10:00"}, "time must be"),
        ({"data": []}, "data must be"),
        ({"extra": 1}, "unknown fields"),
    ],
)
def test_malformed_statements_are_refused(change: dict, message: str) -> None:
    body = {**statement("piece.sold", piece="pc_0001", party="store.sh", data={}, time=NOW), **change}
    with pytest.raises(StatementError, match=message):
        sign_statement(body, Ed25519PrivateKey.generate())


@settings(max_examples=60, deadline=None)
@given(
    data=st.dictionaries(
        st.text(max_size=8),
        st.one_of(st.integers(-(2**53) + 1, 2**53 - 1), st.text(max_size=12), st.booleans()),
        max_size=5,
    ),
    bit=st.integers(0, 511),
)
def test_any_bit_flip_in_a_signature_fails(data: dict, bit: int) -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_statement(statement("service.performed", piece="pc_0001", party="store.sh", data=data, time=NOW), key)
    signed.verify(public_key_bytes(key))
    signature = bytearray(signed.signature)
    signature[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(StatementError):
        type(signed)(signed.statement, signed.key_id, bytes(signature)).verify(public_key_bytes(key))


def test_registry_follows_registrations_and_revocations_in_log_order() -> None:
    platform, lab, forger = (Ed25519PrivateKey.generate() for _ in range(3))
    registry = KeyRegistry()
    registry.check(0, _registration(platform, "platform", platform))  # the platform registers itself
    with pytest.raises(StatementError, match="not registered"):
        registry.check(1, _cert(lab))
    registry.check(1, _registration(platform, "lab.ngtc", lab))
    registry.check(2, _cert(lab))
    with pytest.raises(StatementError, match=r"belongs to lab\.ngtc"):
        registry.check(3, _cert(lab, party="lab.igi"))
    # Only the platform registers keys, and a second self-registration is not a bootstrap.
    with pytest.raises(StatementError, match="not registered"):
        registry.check(3, _registration(forger, "platform", forger))
    revocation = _registration(platform, "lab.ngtc", lab, "party.key_revoked")
    registry.check(4, revocation)
    with pytest.raises(StatementError, match="revoked at entry 4"):
        registry.check(5, _cert(lab))


def test_owner_commitments_hide_the_owner_until_opened() -> None:
    salt = bytes(range(16))
    one = owner_commitment(b"secret-of-alice", "pc_0001", salt)
    assert one == owner_commitment(b"secret-of-alice", "pc_0001", salt)
    assert one != owner_commitment(b"secret-of-bob", "pc_0001", salt)
    assert one != owner_commitment(b"secret-of-alice", "pc_0001", bytes(16))
    with pytest.raises(StatementError, match="salt"):
        owner_commitment(b"s", "pc_0001", b"short")


def test_statements_module_has_no_django() -> None:
    assert "django" not in st_mod.__dict__
