"""The offline verifier: a good bundle verifies; every way of lying is caught with its precise reason."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auric.provenance import bundle as bundle_module
from auric.provenance import note
from auric.provenance.bundle import build_bundle, read_bundle
from auric.provenance.statements import key_id, public_key_bytes, sign_statement, statement
from auric.provenance.verify import VerificationFailed, main, verify_bundle
from tests.provenance.offline_log import PIECE, MemoryLog, PieceHistory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def history() -> PieceHistory:
    return PieceHistory()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names some tests want
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name.split("\0")[0], data)
    return buffer.getvalue()


def failure(bundle: bytes, policy: str, **kwargs: str) -> str:
    with pytest.raises(VerificationFailed) as caught:
        verify_bundle(bundle, policy, **kwargs)
    return caught.value.reason


# --- the good case --------------------------------------------------------------------------------


def test_a_good_bundle_verifies_through_the_command(history: PieceHistory, tmp_path: Path) -> None:
    (tmp_path / "piece.zip").write_bytes(history.log.bundle(history.piece_indices))
    (tmp_path / "policy.txt").write_text(history.log.policy())

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "auric.provenance.verify",
            str(tmp_path / "piece.zip"),
            "--policy",
            str(tmp_path / "policy.txt"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"VERIFIED piece {PIECE}" in result.stdout
    assert "certificate.issued" in result.stdout and "lab.ngtc" in result.stdout
    assert "witnesses: w1, w2" in result.stdout


def test_a_good_bundle_reports_every_entry(history: PieceHistory) -> None:
    report = verify_bundle(history.log.bundle(history.piece_indices), history.log.policy(), origin=history.log.origin)

    assert report.piece == PIECE
    assert report.tree_size == 7
    assert report.witnesses == ("w1", "w2")
    assert [(e.index, e.type, e.party) for e in report.entries] == [
        (0, "party.registered", "platform"),
        (1, "party.registered", "platform"),
        (2, "party.registered", "platform"),
        (3, "piece.made", "platform"),
        (5, "certificate.issued", "lab.ngtc"),
        (6, "inventory.received", "wh.shenzhen"),
    ]
    assert report.entries[1].subject == f"lab.ngtc key {key_id(public_key_bytes(history.lab))}"


def test_the_command_prints_json_and_fails_with_the_reason(
    history: PieceHistory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "piece.zip").write_bytes(history.log.bundle(history.piece_indices))
    (tmp_path / "policy.txt").write_text(history.log.policy())
    args = [str(tmp_path / "piece.zip"), "--policy", str(tmp_path / "policy.txt"), "--json"]

    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["verified"] is True

    assert main([*args, "--origin", "elsewhere.example/log"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "verified": False,
        "reason": f"checkpoint: origin {history.log.origin!r}, expected 'elsewhere.example/log'",
    }
    assert main([str(tmp_path / "missing.zip"), "--policy", str(tmp_path / "policy.txt")]) == 2


def test_the_verifier_imports_nothing_from_django() -> None:
    code = (
        "import sys\n"
        "import auric.provenance.verify\n"
        "loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


# --- tampering with the bundle --------------------------------------------------------------------


def test_a_flipped_byte_in_an_entry(history: PieceHistory) -> None:
    files = members(history.log.bundle(history.piece_indices))
    entry = bytearray(files["entries/5.json"])
    entry[entry.index(b"N1")] ^= 0x01  # the report number "N1" becomes "O1"
    files["entries/5.json"] = bytes(entry)

    reason = failure(rezip(files), history.log.policy())

    assert (
        reason
        == "entry 5: not included in the checkpoint: the proof leads to a different root: the entry is not in this tree"
    )


def test_a_proof_for_another_index(history: PieceHistory) -> None:
    files = members(history.log.bundle(history.piece_indices))
    files["entries/5.tlog-proof"] = files["entries/6.tlog-proof"]

    assert failure(rezip(files), history.log.policy()) == "entry 5: its proof is for index 6"


def test_another_entrys_proof_hashes_under_the_right_index(history: PieceHistory) -> None:
    files = members(history.log.bundle(history.piece_indices))
    files["entries/5.tlog-proof"] = files["entries/6.tlog-proof"].replace(b"index 6\n", b"index 5\n")

    assert failure(rezip(files), history.log.policy()).startswith("entry 5: not included in the checkpoint")


def test_proofs_against_different_checkpoints(history: PieceHistory) -> None:
    files = members(history.log.bundle(history.piece_indices))
    other = history.log.checkpoint(cosigners=["w1"])  # the same tree, another note
    files["entries/6.tlog-proof"] = note.format_tlog_proof(
        index=6, hashes=history.log.proof(6), checkpoint=other
    ).encode()

    assert (
        failure(rezip(files), history.log.policy()) == "entry 6: its proof is against another checkpoint than entry 0's"
    )


def test_an_entry_beyond_the_checkpoint(history: PieceHistory) -> None:
    checkpoint = history.log.checkpoint(size=6)  # entry 6 came later
    triples = [(index, history.log.entries[index], history.log.proof(index, size=6)) for index in (0, 1, 2, 3, 5)]
    triples.append((6, history.log.entries[6], []))

    bundle = build_bundle(triples, checkpoint, history.log.policy(), PIECE)

    assert failure(bundle, history.log.policy()) == (
        "entry 6: not included in the checkpoint: index 6 is beyond a tree of size 6"
    )


# --- lies in the log itself -----------------------------------------------------------------------


def test_a_forged_statement_signature(history: PieceHistory) -> None:
    log = history.log
    forger = Ed25519PrivateKey.generate()
    forged = sign_statement(
        statement("certificate.issued", piece=PIECE, party="lab.ngtc", data={"report": "FAKE"}, time=log.tick()),
        forger,
    )
    lab_key = key_id(public_key_bytes(history.lab))
    index = log.append(type(forged)(forged.statement, lab_key, forged.signature).entry_bytes())

    reason = failure(log.bundle([*history.piece_indices, index]), log.policy())

    assert reason == f"entry {index}: signature by key {lab_key} does not verify"


def test_a_statement_by_a_key_revoked_before_it(history: PieceHistory) -> None:
    log = history.log
    revoked_at = log.append(
        log.registration("lab.ngtc", history.lab, signer=history.platform, type_="party.key_revoked", reason="lost")
    )
    index = log.append(
        log.sign("certificate.issued", party="lab.ngtc", key=history.lab, piece=PIECE, data={"report": "N2"})
    )

    reason = failure(log.bundle([*history.piece_indices, revoked_at, index]), log.policy())

    assert reason == f"entry {index}: key {key_id(public_key_bytes(history.lab))} was revoked at entry {revoked_at}"


def test_statements_before_a_revocation_still_verify(history: PieceHistory) -> None:
    log = history.log
    revoked_at = log.append(
        log.registration("lab.ngtc", history.lab, signer=history.platform, type_="party.key_revoked", reason="rotated")
    )

    report = verify_bundle(log.bundle([*history.piece_indices, revoked_at]), log.policy())

    assert [e.index for e in report.entries][-3:] == [5, 6, revoked_at]


def test_a_key_registered_by_a_non_platform_key(history: PieceHistory) -> None:
    log = history.log
    sneaky = Ed25519PrivateKey.generate()
    public = public_key_bytes(sneaky)
    data = {
        "party": "lab.ngtc",
        "kind": "lab",
        "name": "x",
        "key": key_id(public),
        "public_key": base64.b64encode(public).decode(),
    }
    registered_at = log.append(log.sign("party.key_added", party="lab.ngtc", key=history.lab, piece=None, data=data))
    index = log.append(log.sign("certificate.issued", party="lab.ngtc", key=sneaky, piece=PIECE, data={}))

    reason = failure(log.bundle([*history.piece_indices, registered_at, index]), log.policy())

    assert reason == f"entry {registered_at}: party.key_added by lab.ngtc; only the platform registers keys"


def test_a_lab_key_cannot_speak_for_the_platform(history: PieceHistory) -> None:
    log = history.log
    sneaky = Ed25519PrivateKey.generate()
    index = log.append(log.registration("lab.other", sneaky, signer=history.lab, type_="party.key_added"))

    reason = failure(log.bundle([*history.piece_indices, index]), log.policy())

    assert reason == f"entry {index}: key {key_id(public_key_bytes(history.lab))} belongs to lab.ngtc, not to platform"


def test_a_late_self_signed_platform_key(history: PieceHistory) -> None:
    log = history.log
    usurper = Ed25519PrivateKey.generate()
    registered_at = log.append(log.registration("platform", usurper, signer=usurper))
    index = log.append(log.sign("piece.sold", party="platform", key=usurper, piece=PIECE, data={}))

    reason = failure(log.bundle([*history.piece_indices, registered_at, index]), log.policy())

    assert (
        reason == f"entry {registered_at}: a self-signed platform registration is valid only as the log's first entry"
    )


def test_a_signing_key_whose_registration_is_left_out(history: PieceHistory) -> None:
    lab_key = key_id(public_key_bytes(history.lab))

    reason = failure(history.log.bundle([0, 2, 3, 5, 6]), history.log.policy())

    assert reason == f"entry 5: key {lab_key} is not registered by an earlier entry in the bundle"


def test_a_statement_about_another_piece(history: PieceHistory) -> None:
    reason = failure(history.log.bundle([*history.piece_indices, 4]), history.log.policy())

    assert reason == f"entry 4: it is about piece pc_other0000, not {PIECE}"


def test_a_bundle_for_another_piece_than_asked(history: PieceHistory) -> None:
    reason = failure(history.log.bundle(history.piece_indices), history.log.policy(), piece="pc_somethingelse")

    assert reason == f"bundle: it is for piece {PIECE}, not pc_somethingelse"


def test_a_bundle_of_registrations_only(history: PieceHistory) -> None:
    assert failure(history.log.bundle([0, 1]), history.log.policy()) == f"bundle: no statement about piece {PIECE}"


# --- the checkpoint -------------------------------------------------------------------------------


def test_a_checkpoint_not_signed_by_the_policys_log(history: PieceHistory) -> None:
    impostor = MemoryLog()  # same origin, another key

    reason = failure(history.log.bundle(history.piece_indices), impostor.policy())

    assert reason.startswith("checkpoint: not signed by a log in the policy")


def test_a_log_key_not_named_after_the_checkpoint_origin() -> None:
    log = MemoryLog()
    log.signer = note.Signer.generate("someone.else/log")  # signs checkpoints for ORIGIN under another name
    history = PieceHistory(log)

    reason = failure(log.bundle(history.piece_indices), log.policy())

    assert reason == f"checkpoint: origin {log.origin!r} is not the name of a log in the policy"


def test_a_missing_witness_quorum(history: PieceHistory) -> None:
    bundle = history.log.bundle(history.piece_indices, checkpoint=history.log.checkpoint(cosigners=["w1"]))

    reason = failure(bundle, history.log.policy(threshold=2))

    assert reason == "checkpoint: 1 of 2 witness cosignatures, quorum needs 2"
    assert verify_bundle(bundle, history.log.policy(threshold=1)).witnesses == ("w1",)


def test_an_uncosigned_checkpoint_under_quorum_none(history: PieceHistory) -> None:
    bundle = history.log.bundle(history.piece_indices, checkpoint=history.log.checkpoint(cosigners=[]))

    assert failure(bundle, history.log.policy()) == "checkpoint: 0 of 2 witness cosignatures, quorum needs 2"
    assert verify_bundle(bundle, history.log.policy(threshold=0)).witnesses == ()


def test_a_malformed_policy(history: PieceHistory) -> None:
    reason = failure(history.log.bundle(history.piece_indices), "log nonsense\nquorum none\n")

    assert reason.startswith("policy: line 1: 'nonsense' is not a usable verifier key")


# --- the zip itself -------------------------------------------------------------------------------


def test_a_zip_with_parent_paths(history: PieceHistory) -> None:
    files = members(history.log.bundle(history.piece_indices))
    files["entries/../../evil.json"] = b"{}"

    assert failure(rezip(files), history.log.policy()).startswith("bundle: unexpected path 'entries/../../evil.json'")


@pytest.mark.parametrize("name", ["../piece.txt", "/etc/passwd", "entries\\1.json", "entries/01.json", "other.txt"])
def test_only_known_paths_are_read(history: PieceHistory, name: str) -> None:
    files = members(history.log.bundle(history.piece_indices))
    files[name] = b"x"

    assert failure(rezip(files), history.log.policy()).startswith(f"bundle: unexpected path {name!r}")


def test_a_duplicate_member(history: PieceHistory) -> None:
    files = members(history.log.bundle(history.piece_indices))
    files["entries/5.json\0again"] = files["entries/5.json"]

    assert failure(rezip(files), history.log.policy()) == "bundle: 'entries/5.json' appears twice"


def test_a_zip_bomb_member(history: PieceHistory) -> None:
    files = members(history.log.bundle(history.piece_indices))
    files["README.txt"] = bytes(bundle_module.MAX_MEMBER_BYTES + 1)

    assert failure(rezip(files), history.log.policy()) == (
        f"bundle: 'README.txt' is larger than {bundle_module.MAX_MEMBER_BYTES} bytes"
    )


def test_a_bundle_that_unpacks_too_large(history: PieceHistory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_module, "MAX_TOTAL_BYTES", 4096)
    files = members(history.log.bundle(history.piece_indices))
    files["README.txt"] = bytes(5000)

    assert failure(rezip(files), history.log.policy()) == "bundle: the bundle unpacks to more than 4096 bytes"


def test_an_entry_without_its_proof(history: PieceHistory) -> None:
    files = members(history.log.bundle(history.piece_indices))
    del files["entries/5.tlog-proof"]

    assert failure(rezip(files), history.log.policy()) == "bundle: entries/5.json has no entries/5.tlog-proof"


def test_not_a_zip(history: PieceHistory) -> None:
    assert failure(b"PK\x03\x04 nope", history.log.policy()) == "bundle: not a zip file"


def test_the_bundle_layout_and_its_determinism(history: PieceHistory) -> None:
    data = history.log.bundle(history.piece_indices)
    names = list(members(data))

    assert names[:3] == ["README.txt", "piece.txt", "policy.txt"]
    assert names[3:] == [f"entries/{i}.{ext}" for i in history.piece_indices for ext in ("json", "tlog-proof")]
    parsed = read_bundle(data)
    assert parsed.piece == PIECE
    assert parsed.policy_text == history.log.policy()
    assert "python -m auric.provenance.verify" in parsed.readme
    assert parsed.entries[3].entry == history.log.entries[3]
    checkpoint = parsed.entries[0].proof.checkpoint
    again = build_bundle(
        [(i, history.log.entries[i], history.log.proof(i)) for i in history.piece_indices],
        checkpoint,
        history.log.policy(),
        PIECE,
    )
    assert (
        build_bundle(
            [(i, history.log.entries[i], history.log.proof(i)) for i in history.piece_indices],
            checkpoint,
            history.log.policy(),
            PIECE,
        )
        == again
    )
