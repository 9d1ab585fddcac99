"""Signed notes, checkpoints, cosignatures and proof files against the public C2SP and Go vectors,
and properties that must hold for any text: what is signed opens, and any changed bit does not."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from auric.provenance import note
from auric.provenance.note import (
    BadSignature,
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    MalformedNote,
    NoteError,
    ProofFile,
    Signer,
    UnverifiedNote,
    Verifier,
)

VECTORS = Path(__file__).resolve().parent / "vectors" / "merkle"  # public vectors, sources in its README
NOTES = json.loads((VECTORS / "signed-note-vectors.json").read_text())
TLOG_EXAMPLES = json.loads((VECTORS / "c2sp-tlog-examples.json").read_text())
VALID = {vector["id"]: vector for vector in NOTES["valid_notes"]}
INVALID = NOTES["invalid_notes"]
COSIGNATURE_EXAMPLE = NOTES["tlog_cosignature_structural_example"]

PETER = VALID["go-note-peter"]
PETER_VKEY = PETER["verifier_keys"][0]
ENOCH_VKEY = VALID["go-note-two-sigs-both-known"]["verifier_keys"][1]
SUMDB = VALID["sumdb-checkpoint"]

# Our own fixed test keys (not from any vector).
LOG = Signer("example.com/log", Ed25519PrivateKey.from_private_bytes(bytes([0x11]) * 32))
WITNESS_SEED = bytes([0x22]) * 32
WITNESS = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.from_private_bytes(WITNESS_SEED))
ROOT = bytes(range(32))


# --- the public vectors -------------------------------------------------------------------------


@pytest.mark.parametrize("vector", NOTES["valid_notes"], ids=lambda v: v["id"])
def test_valid_notes_open_with_their_signers(vector: dict) -> None:
    opened = note.open_note(vector["note"], vector["verifier_keys"])

    assert opened.text == vector["want_text"]
    assert opened.verified_names == set(vector["want_verified_signers"])
    assert {s.name for s in opened.unverified} == set(vector.get("want_unverified_signers", []))
    assert opened.signed_text() == vector["note"]


def test_go_private_key_reproduces_the_note_exactly() -> None:
    signer = Signer.from_private_key(PETER["signer_key_for_deterministic_sign_test"])

    assert signer.name == "PeterNeumann"
    assert signer.key_id == 0xC74F20A3
    assert signer.verifier_key() == PETER_VKEY
    assert signer.private_key_string() == PETER["signer_key_for_deterministic_sign_test"]
    assert note.sign_note(PETER["want_text"], [signer]) == PETER["note"]


def test_adding_a_signature_keeps_the_existing_ones() -> None:
    enoch = VALID["go-note-two-sigs-both-known"]
    peter_signed = PETER["note"]

    doubly_signed = note.add_signatures(peter_signed, [LOG])

    assert doubly_signed.startswith(peter_signed)
    opened = note.open_note(doubly_signed, [PETER_VKEY, LOG.verifier_key()])
    assert opened.verified_names == {"PeterNeumann", "example.com/log"}
    assert note.add_signatures(doubly_signed, [LOG]) == doubly_signed  # the same line is not repeated
    assert note.open_note(enoch["note"], [ENOCH_VKEY]).verified_names == {"EnochRoot"}


@pytest.mark.parametrize("case", INVALID["cases"], ids=lambda c: c["desc"])
def test_malformed_and_invalid_notes_are_rejected(case: dict) -> None:
    text: str | bytes = case["note"] if "note" in case else bytes.fromhex(case["note_hex"])
    expected = {
        "invalid signature for known key -> reject whole note": BadSignature,
        "unverified (no known signer) -> reject": UnverifiedNote,
    }.get(case["want"], MalformedNote)

    with pytest.raises(expected):
        note.open_note(text, INVALID["verifier_keys"])


def test_cosignature_example_parses() -> None:
    signature = note.parse_signature_line(COSIGNATURE_EXAMPLE["cosignature_line"])

    assert signature.name == "witness.example.com/w1"
    assert f"{signature.key_id:08x}" == COSIGNATURE_EXAMPLE["decoded"]["key_id_hex"] == "8d66cf3f"
    assert len(signature.signature) + 4 == COSIGNATURE_EXAMPLE["decoded"]["total_bytes"]
    assert CosignatureVerifier.timestamp(signature.signature) == 1679315147
    body = COSIGNATURE_EXAMPLE["checkpoint_body"].encode()
    assert note.cosignature_message(body, 1679315147).decode() == COSIGNATURE_EXAMPLE["signed_message_for_ed25519_v1"]


def test_sumdb_checkpoint_parses_and_checks_its_origin() -> None:
    want = SUMDB["want_checkpoint"]

    checkpoint, opened = note.open_checkpoint(SUMDB["note"], SUMDB["verifier_keys"], origin=want["origin"])

    assert (checkpoint.origin, checkpoint.size) == (want["origin"], want["size"])
    assert checkpoint.root == base64.b64decode(want["root_hash_b64"])
    assert opened.verified_names == {"sum.golang.org"}
    assert checkpoint.body() == SUMDB["want_text"] == opened.text
    assert note.parse_checkpoint(SUMDB["note"]) == note.parse_checkpoint(SUMDB["want_text"]) == checkpoint
    with pytest.raises(NoteError, match="origin"):
        note.open_checkpoint(SUMDB["note"], SUMDB["verifier_keys"], origin="sum.golang.org")


def test_checkpoint_with_witness_signatures_opens_with_any_subset_of_keys() -> None:
    vector = VALID["sumdb-checkpoint-with-cosigners"]

    checkpoint, opened = note.open_checkpoint(vector["note"], vector["verifier_keys"][1:2])

    assert checkpoint.size == 6476701
    assert opened.verified_names == {"monkeys"}


# --- keys ---------------------------------------------------------------------------------------


def test_key_id_is_the_hash_of_name_type_and_key() -> None:
    verifier = Verifier.from_string(PETER_VKEY)

    assert verifier.key_id == note.compute_key_id("PeterNeumann", 0x01, verifier.public_key_bytes) == 0xC74F20A3
    assert verifier.verifier_key() == PETER_VKEY


def _vkey(name: str, key_id: str, material: bytes) -> str:
    return f"{name}+{key_id}+{base64.b64encode(material).decode()}"


_PETER_PUBLIC = Verifier.from_string(PETER_VKEY).public_key_bytes


@pytest.mark.parametrize(
    "vkey",
    [
        pytest.param(_vkey("Peter Neumann", "c74f20a3", b"\x01" + _PETER_PUBLIC), id="space in name"),
        pytest.param(_vkey("Peter\u00a0Neumann", "c74f20a3", b"\x01" + _PETER_PUBLIC), id="unicode space"),
        pytest.param(_vkey("", "c74f20a3", b"\x01" + _PETER_PUBLIC), id="empty name"),
        pytest.param(_vkey("PeterNeumann", "c74f20a4", b"\x01" + _PETER_PUBLIC), id="wrong key id"),
        pytest.param(_vkey("PeterNeumann", "c74f20a", b"\x01" + _PETER_PUBLIC), id="short key id"),
        pytest.param(_vkey("PeterNeumann", "c74f20a3", b"\x01" + _PETER_PUBLIC[:31]), id="short key"),
        pytest.param(_vkey("PeterNeumann", "c74f20a3", b"\x02" + _PETER_PUBLIC), id="other type"),
        pytest.param(_vkey("PeterNeumann", "c74f20a3", b""), id="no key"),
        pytest.param("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", id="bad base64"),
        pytest.param("PeterNeumann+c74f20a3", id="no key part"),
        pytest.param("PeterNeumann", id="name only"),
    ],
)
def test_malformed_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(NoteError):
        Verifier.from_string(vkey)


def test_a_key_string_of_one_type_does_not_load_as_the_other() -> None:
    with pytest.raises(NoteError, match="type"):
        CosignatureVerifier.from_string(PETER_VKEY)
    with pytest.raises(NoteError, match="type"):
        Verifier.from_string(WITNESS.verifier_key())
    with pytest.raises(NoteError, match="type"):
        Signer.from_private_key(WITNESS.private_key_string())
    assert isinstance(note.verifier_from_string(WITNESS.verifier_key()), CosignatureVerifier)
    assert isinstance(note.verifier_from_string(PETER_VKEY), Verifier)


def test_private_key_strings_round_trip_and_are_checked() -> None:
    generated = CosignatureSigner.generate("witness.example/w2")
    loaded = CosignatureSigner.from_private_key(generated.private_key_string())

    assert loaded.verifier_key() == generated.verifier_key()
    assert generated.private_key_string() not in repr(generated)
    wrong_id = generated.private_key_string().replace(f"+{generated.key_id:08x}+", "+00000000+")
    with pytest.raises(NoteError, match="key id"):
        CosignatureSigner.from_private_key(wrong_id)
    with pytest.raises(NoteError, match="PRIVATE"):
        Signer.from_private_key(PETER_VKEY)


def test_signer_names_are_checked() -> None:
    with pytest.raises(NoteError):
        Signer.generate("with space")
    with pytest.raises(NoteError):
        Signer.generate("with+plus")


# --- cosignatures -------------------------------------------------------------------------------


def test_a_cosignature_verifies_and_carries_its_time() -> None:
    signed = note.sign_note(Checkpoint("example.com/log", 3, ROOT).body(), [LOG])
    witness = CosignatureSigner.from_private_key(WITNESS.private_key_string())
    witness.clock = lambda: 1_700_000_000.9

    cosigned = note.add_signatures(signed, [witness])

    opened = note.open_note(cosigned, [WITNESS.verifier_key()])
    assert [s.name for s in opened.verified] == [WITNESS.name]
    assert opened.verified[0].timestamp == 1_700_000_000
    assert [s.name for s in opened.unverified] == ["example.com/log"]
    both = note.open_note(cosigned, [LOG.verifier(), WITNESS.verifier()])
    assert both.verified_names == {"example.com/log", WITNESS.name}


def test_a_cosignature_is_not_a_plain_signature() -> None:
    """The same Ed25519 key as type 0x01 has another key id, and its plain signature is no cosignature."""
    body = Checkpoint("example.com/log", 3, ROOT).body()
    plain = Signer(WITNESS.name, Ed25519PrivateKey.from_private_bytes(WITNESS_SEED))
    forged = note.Signature(WITNESS.name, WITNESS.key_id, b"\x00" * 8 + plain.sign(body.encode()))

    assert plain.key_id != WITNESS.key_id
    with pytest.raises(UnverifiedNote):
        note.open_note(note.sign_note(body, [plain]), [WITNESS.verifier_key()])
    with pytest.raises(BadSignature):
        note.open_note(body + "\n" + forged.line(), [WITNESS.verifier_key()])


def test_a_cosignature_timestamp_is_signed() -> None:
    body = Checkpoint("example.com/log", 3, ROOT).body()
    line = note.signature_lines(body, [WITNESS])[0]
    signature = note.parse_signature_line(line)
    later = (CosignatureVerifier.timestamp(signature.signature) + 1).to_bytes(8, "big")
    moved = note.Signature(signature.name, signature.key_id, later + signature.signature[8:])

    with pytest.raises(BadSignature):
        note.open_note(body + "\n" + moved.line(), [WITNESS.verifier_key()])


# --- note structure -----------------------------------------------------------------------------


def test_text_must_end_in_a_newline_and_have_no_control_characters() -> None:
    with pytest.raises(MalformedNote):
        note.sign_note("no newline", [LOG])
    with pytest.raises(MalformedNote):
        note.sign_note("tab\there\n", [LOG])
    with pytest.raises(MalformedNote):
        note.sign_note("lone surrogate \ud800\n", [LOG])
    with pytest.raises(NoteError):
        note.sign_note("nobody signs\n", [])


def test_text_may_contain_and_end_with_blank_lines() -> None:
    for text in ("\n", "a\n\nb\n", "ends blank\n\n", "\n\n\n"):
        assert note.open_note(note.sign_note(text, [LOG]), [LOG.verifier_key()]).text == text


def test_signature_count_is_capped() -> None:
    text = "many\n"
    line = note.signature_lines(text, [LOG])[0]

    assert note.open_note(text + "\n" + line * note.MAX_SIGNATURES, [LOG.verifier_key()]).text == text
    with pytest.raises(MalformedNote, match="more than"):
        note.open_note(text + "\n" + line * (note.MAX_SIGNATURES + 1), [LOG.verifier_key()])


def test_non_canonical_base64_signature_is_malformed() -> None:
    signed = note.sign_note("x\n", [Signer.from_private_key(PETER["signer_key_for_deterministic_sign_test"])])
    encoded = signed.rsplit(" ", 1)[1].rstrip("\n")
    assert encoded.endswith("=")
    # The last character before the padding carries unused bits: setting one gives the same bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = encoded.rstrip("=")[-1]
    sloppy = encoded.rstrip("=")[:-1] + alphabet[alphabet.index(last) | 1] + "="
    assert base64.b64decode(sloppy) == base64.b64decode(encoded)

    with pytest.raises(MalformedNote, match="canonical"):
        note.open_note(signed.replace(encoded, sloppy), [PETER_VKEY])


def test_two_keys_with_the_same_name_and_id_are_refused() -> None:
    with pytest.raises(NoteError, match="share"):
        note.open_note(PETER["note"], [PETER_VKEY, Verifier.from_string(PETER_VKEY)])


# --- checkpoints --------------------------------------------------------------------------------


def test_checkpoint_round_trips_with_extensions() -> None:
    checkpoint = Checkpoint("example.com/log", 0, ROOT, ("ext one", "ext two"))

    assert note.parse_checkpoint(checkpoint.body()) == checkpoint
    signed = note.sign_note(checkpoint.body(), [LOG])
    assert note.open_checkpoint(signed, [LOG.verifier_key()], origin="example.com/log")[0] == checkpoint


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("example.com/log\n012\n" + base64.b64encode(ROOT).decode() + "\n", id="leading zero"),
        pytest.param("example.com/log\n+12\n" + base64.b64encode(ROOT).decode() + "\n", id="sign"),
        pytest.param("example.com/log\n-1\n" + base64.b64encode(ROOT).decode() + "\n", id="negative"),
        pytest.param("example.com/log\n\u0661\n" + base64.b64encode(ROOT).decode() + "\n", id="arabic digit"),
        pytest.param("example.com/log\n 1\n" + base64.b64encode(ROOT).decode() + "\n", id="space"),
        pytest.param(f"example.com/log\n{2**64}\n" + base64.b64encode(ROOT).decode() + "\n", id="too large"),
        pytest.param("example.com/log\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n", id="short root"),
        pytest.param("example.com/log\n1\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n", id="unpadded"),
        pytest.param("example.com/log\n1\n", id="no root"),
        pytest.param("\n1\n" + base64.b64encode(ROOT).decode() + "\n", id="empty origin"),
        pytest.param("example.com/log\n1\n" + base64.b64encode(ROOT).decode(), id="no final newline"),
        pytest.param("example.com/log\n1\n" + base64.b64encode(ROOT).decode() + "\n\n", id="blank line"),
    ],
)
def test_malformed_checkpoints_are_rejected(body: str) -> None:
    with pytest.raises(NoteError):
        note.parse_checkpoint(body)


def test_checkpoint_fields_are_validated() -> None:
    with pytest.raises(NoteError):
        Checkpoint("", 1, ROOT)
    with pytest.raises(NoteError):
        Checkpoint("two\nlines", 1, ROOT)
    with pytest.raises(NoteError):
        Checkpoint("example.com/log", -1, ROOT)
    with pytest.raises(NoteError):
        Checkpoint("example.com/log", 1, ROOT[:16])
    with pytest.raises(NoteError):
        Checkpoint("example.com/log", 1, ROOT, ("",))


# --- tlog-proof ---------------------------------------------------------------------------------

SIGNED_CHECKPOINT = note.sign_note(Checkpoint("example.com/log", 109482, ROOT).body(), [LOG])


def test_tlog_proof_round_trips() -> None:
    hashes = [bytes([n]) * 32 for n in range(5)]

    text = note.format_tlog_proof(index=73894, hashes=hashes, checkpoint=SIGNED_CHECKPOINT, extra=b"age-v1.2.1")

    lines = text.split("\n")
    assert lines[:3] == ["c2sp.org/tlog-proof@v1", "extra " + base64.b64encode(b"age-v1.2.1").decode(), "index 73894"]
    assert text.endswith("\n\n" + SIGNED_CHECKPOINT)
    assert note.parse_tlog_proof(text) == ProofFile(73894, hashes, SIGNED_CHECKPOINT, b"age-v1.2.1")
    bare = ProofFile(0, [], SIGNED_CHECKPOINT)
    assert note.parse_tlog_proof(bare.format()) == bare


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda t: t.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"), id="header"),
        pytest.param(lambda t: t.replace("index 7\n", "index 07\n"), id="leading zero"),
        pytest.param(lambda t: t.replace("index 7\n", "index  7\n"), id="two spaces"),
        pytest.param(lambda t: t.replace("index 7\n", ""), id="no index"),
        pytest.param(lambda t: t.replace("index 7\n", "index 7\nextra AA==\n"), id="extra after index"),
        pytest.param(lambda t: t.replace("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", "AQEB"), id="short hash"),
        pytest.param(lambda t: t.replace("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", "AQEB!"), id="bad base64"),
        pytest.param(lambda t: t.split("\n\n", 1)[0], id="no checkpoint"),
        pytest.param(lambda t: t.rsplit("\n\n", 1)[0] + "\n", id="checkpoint without signatures"),
    ],
)
def test_malformed_tlog_proofs_are_rejected(mutate: Callable[[str], str]) -> None:
    text = note.format_tlog_proof(index=7, hashes=[bytes([1]) * 32], checkpoint=SIGNED_CHECKPOINT)
    assert note.parse_tlog_proof(text).index == 7

    with pytest.raises(NoteError):
        note.parse_tlog_proof(mutate(text))


def test_tlog_proof_hash_count_is_capped() -> None:
    text = note.format_tlog_proof(index=0, hashes=[ROOT] * 64, checkpoint=SIGNED_CHECKPOINT)
    too_many = text.replace("index 0\n", "index 0\n" + base64.b64encode(ROOT).decode() + "\n")

    assert len(note.parse_tlog_proof(text).hashes) == 64
    with pytest.raises(MalformedNote):
        note.parse_tlog_proof(too_many)


# --- properties ---------------------------------------------------------------------------------

# Any text the format allows: valid UTF-8 without control characters except newline, ending in one.
note_texts = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters=[chr(c) for c in range(0x20) if c != 0x0A]),
    max_size=200,
).map(lambda text: text + "\n")


@settings(max_examples=150, deadline=None)
@given(text=note_texts)
def test_any_text_signed_opens_to_itself(text: str) -> None:
    signed = note.sign_note(text, [LOG, WITNESS])

    opened = note.open_note(signed, [LOG.verifier_key(), WITNESS.verifier_key()])

    assert opened.text == text
    assert opened.verified_names == {LOG.name, WITNESS.name}


@settings(max_examples=150, deadline=None)
@given(text=note_texts, data=st.data())
def test_any_flipped_signature_bit_is_refused(text: str, data: st.DataObject) -> None:
    signers: list[Signer | CosignatureSigner] = [LOG, WITNESS]
    signer = data.draw(st.sampled_from(signers))
    line = note.parse_signature_line(note.signature_lines(text, [signer])[0])
    raw = bytearray(line.key_id.to_bytes(4, "big") + line.signature)
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    tampered = text + "\n" + f"— {signer.name} {base64.b64encode(bytes(raw)).decode()}\n"

    # A changed key id makes the line an unknown key's (ignored): then nothing verifies.
    with pytest.raises((BadSignature, UnverifiedNote)):
        note.open_note(tampered, [signer.verifier_key()])


@settings(max_examples=150, deadline=None)
@given(text=note_texts, data=st.data())
def test_any_flipped_text_bit_is_refused(text: str, data: st.DataObject) -> None:
    signed = note.sign_note(text, [LOG])
    encoded = bytearray(text.encode())
    bit = data.draw(st.integers(0, len(encoded) * 8 - 1))
    encoded[bit // 8] ^= 1 << (bit % 8)
    tampered = bytes(encoded) + signed[len(text) :].encode()

    with pytest.raises(NoteError):
        note.open_note(tampered, [LOG.verifier_key()])
