"""The standalone tlog-witness, driven in-process through its WSGI interface: it cosigns a log that
only grows, answers each refusal with the protocol's status code, keeps its state across restarts,
and never cosigns two conflicting checkpoints, even when they arrive at the same time."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auric.provenance import tlog, witness
from auric.provenance.note import (
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    MalformedNote,
    NoteError,
    Signer,
    add_signatures,
    open_note,
    sign_note,
)
from auric.provenance.witness import WitnessApp, format_add_checkpoint, make_app, parse_add_checkpoint

VECTORS = Path(__file__).resolve().parent / "vectors" / "merkle"  # public vectors, sources in its README
ADD_CHECKPOINT_EXAMPLE = json.loads((VECTORS / "c2sp-tlog-examples.json").read_text())[
    "tlog_witness_add_checkpoint_example"
]

LOG = Signer("example.com/log", Ed25519PrivateKey.from_private_bytes(bytes([0x33]) * 32))
OTHER_LOG = Signer("example.com/other", Ed25519PrivateKey.from_private_bytes(bytes([0x55]) * 32))
IMPOSTOR = Signer("example.com/log", Ed25519PrivateKey.from_private_bytes(bytes([0x66]) * 32))
WITNESS = CosignatureSigner("witness.example/lab", Ed25519PrivateKey.from_private_bytes(bytes([0x44]) * 32))
ORIGIN = LOG.name


def leaves(size: int, fork: str = "") -> list[bytes]:
    """Leaf hashes of a log; a different ``fork`` gives another history of the same size."""
    return [tlog.leaf_hash(f"entry {index}{fork}".encode()) for index in range(size)]


def checkpoint_note(leaf_hashes: list[bytes], *, signer: Signer = LOG, origin: str = ORIGIN) -> str:
    checkpoint = Checkpoint(origin, len(leaf_hashes), tlog.root_from_leaf_hashes(leaf_hashes))
    return sign_note(checkpoint.body(), [signer])


def request(old_size: int, leaf_hashes: list[bytes], *, note: str | None = None) -> bytes:
    proof = tlog.consistency_proof(old_size, leaf_hashes) if 0 < old_size < len(leaf_hashes) else []
    return format_add_checkpoint(old_size, proof, note or checkpoint_note(leaf_hashes))


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def call(app: Any, body: bytes, *, method: str = "POST", path: str = "/add-checkpoint") -> Response:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD=method, PATH_INFO=path, QUERY_STRING="", CONTENT_LENGTH=str(len(body)), CONTENT_TYPE="text/plain"
    )
    environ["wsgi.input"] = io.BytesIO(body)
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
        started["status"], started["headers"] = status, headers
        return io.BytesIO().write

    result = validator(app)(environ, start_response)  # also checks that we speak WSGI correctly
    try:
        payload = b"".join(result)
    finally:
        result.close()  # type: ignore[attr-defined]
    return Response(int(started["status"].split()[0]), dict(started["headers"]), payload)


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "witness.sqlite3"


@pytest.fixture
def app(state_path: Path) -> WitnessApp:
    return make_app(key=WITNESS.private_key_string(), logs=[LOG.verifier_key()], state=str(state_path))


def assert_cosigned(response: Response, note: str) -> int:
    """The response is a cosignature on ``note`` by our witness; returns its timestamp."""
    assert response.status == 200, response.body
    lines = response.body.decode()
    assert lines.startswith("— witness.example/lab ") and lines.endswith("\n")
    opened = open_note(note + lines, [WITNESS.verifier_key()])
    assert [signature.name for signature in opened.verified] == [WITNESS.name]
    timestamp = opened.verified[0].timestamp
    assert timestamp is not None
    return timestamp


# --- cosigning ----------------------------------------------------------------------------------


def test_first_checkpoint_is_cosigned(app: WitnessApp) -> None:
    note = checkpoint_note(leaves(5))

    response = call(app, format_add_checkpoint(0, [], note))

    timestamp = assert_cosigned(response, note)
    assert abs(timestamp - time.time()) < 60


def test_a_growing_log_is_cosigned_at_each_size(app: WitnessApp) -> None:
    log = leaves(40)
    old = 0
    for size in (1, 2, 3, 7, 8, 9, 16, 17, 33, 40, 40):
        note = checkpoint_note(log[:size])
        assert_cosigned(call(app, request(old, log[:size], note=note)), note)
        old = size


def test_the_empty_tree_is_cosigned(app: WitnessApp) -> None:
    note = checkpoint_note([])

    assert_cosigned(call(app, format_add_checkpoint(0, [], note)), note)
    assert_cosigned(call(app, request(0, leaves(3))), checkpoint_note(leaves(3)))


def test_unknown_signatures_are_ignored(app: WitnessApp) -> None:
    note = add_signatures(checkpoint_note(leaves(3)), [OTHER_LOG])

    assert call(app, format_add_checkpoint(0, [], note)).status == 200


def test_state_survives_a_restart(state_path: Path) -> None:
    log = leaves(10)
    first = make_app(key=WITNESS.private_key_string(), logs=[LOG.verifier_key()], state=str(state_path))
    assert call(first, request(0, log[:4])).status == 200

    second = make_app(key=WITNESS.private_key_string(), logs=[LOG.verifier_key()], state=str(state_path))

    stale = call(second, request(0, log))
    assert (stale.status, stale.body) == (409, b"4\n")
    assert call(second, request(4, log)).status == 200
    assert second.witness.state.latest(ORIGIN) == witness.Cosigned(10, tlog.root_from_leaf_hashes(log))


# --- refusals -----------------------------------------------------------------------------------


def test_unknown_origin_is_404(app: WitnessApp) -> None:
    note = checkpoint_note(leaves(3), signer=OTHER_LOG, origin=OTHER_LOG.name)

    assert call(app, format_add_checkpoint(0, [], note)).status == 404


def test_unsigned_checkpoint_is_403(app: WitnessApp) -> None:
    note = checkpoint_note(leaves(3), signer=OTHER_LOG)  # the right origin, another key

    assert call(app, format_add_checkpoint(0, [], note)).status == 403


def test_bad_signature_by_the_log_key_is_403(app: WitnessApp) -> None:
    forged = checkpoint_note(leaves(3)).replace(f"{ORIGIN}\n3\n", f"{ORIGIN}\n4\n", 1)  # the old signature

    assert call(app, format_add_checkpoint(0, [], forged)).status == 403
    assert call(app, format_add_checkpoint(0, [], checkpoint_note(leaves(3), signer=IMPOSTOR))).status == 403


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"old 01\n\n", id="leading zero"),
        pytest.param(b"old -1\n\n", id="negative"),
        pytest.param(b"new 0\n\n", id="no old line"),
        pytest.param(b"old 0\nnot base64!\n\n", id="bad proof line"),
        pytest.param(b"old 0\nAAAA\n\n", id="short proof hash"),
        pytest.param(b"old 0\n", id="no checkpoint"),
        pytest.param(b"\xff", id="not utf-8"),
    ],
)
def test_malformed_request_is_400(app: WitnessApp, body: bytes) -> None:
    note = checkpoint_note(leaves(3)).encode()

    assert call(app, body + (note if body.endswith(b"\n\n") else b"")).status == 400


def test_malformed_checkpoint_is_400(app: WitnessApp) -> None:
    unsigned = Checkpoint(ORIGIN, 3, tlog.root_from_leaf_hashes(leaves(3))).body()

    assert call(app, format_add_checkpoint(0, [], unsigned)).status == 400
    assert call(app, format_add_checkpoint(0, [], sign_note("example.com/log\n03\nAAAA\n", [LOG]))).status == 400


def test_more_than_63_proof_lines_is_400(app: WitnessApp) -> None:
    body = format_add_checkpoint(1, [bytes(32)] * 64, checkpoint_note(leaves(3)))

    assert call(app, body).status == 400


def test_old_size_beyond_the_checkpoint_is_400(app: WitnessApp) -> None:
    assert call(app, format_add_checkpoint(4, [], checkpoint_note(leaves(3)))).status == 400


def test_stale_old_size_is_409_with_our_size(app: WitnessApp) -> None:
    log = leaves(9)
    assert call(app, request(0, log[:5])).status == 200

    for old in (0, 3, 6):
        response = call(app, request(old, log))

        assert response.status == 409
        assert response.body == b"5\n"
        assert response.headers["Content-Type"] == "text/x.tlog.size"


def test_same_size_with_another_root_is_409(app: WitnessApp) -> None:
    assert call(app, request(0, leaves(5))).status == 200

    response = call(app, format_add_checkpoint(5, [], checkpoint_note(leaves(5, fork="b"))))

    assert (response.status, response.body, response.headers["Content-Type"]) == (409, b"5\n", "text/x.tlog.size")


def test_size_zero_with_a_non_empty_root_is_422(app: WitnessApp) -> None:
    note = sign_note(Checkpoint(ORIGIN, 0, tlog.leaf_hash(b"x")).body(), [LOG])

    assert call(app, format_add_checkpoint(0, [], note)).status == 422


def test_proof_from_size_zero_is_422(app: WitnessApp) -> None:
    log = leaves(4)

    assert call(app, format_add_checkpoint(0, [log[0]], checkpoint_note(log))).status == 422


def test_bad_consistency_proof_is_422(app: WitnessApp) -> None:
    log = leaves(12)
    assert call(app, request(0, log[:5])).status == 200
    proof = tlog.consistency_proof(5, log)
    proof[-1] = bytes(32)

    response = call(app, format_add_checkpoint(5, proof, checkpoint_note(log)))

    assert response.status == 422
    assert call(app, format_add_checkpoint(5, [], checkpoint_note(log))).status == 422
    assert app.witness.state.latest(ORIGIN) == witness.Cosigned(5, tlog.root_from_leaf_hashes(log[:5]))


def test_rewritten_history_is_422_and_kept_as_evidence(app: WitnessApp) -> None:
    honest = leaves(8)
    assert call(app, request(0, honest)).status == 200
    # Same first 7 entries, the 8th rewritten, then grown: a fork the log signed.
    forked = honest[:7] + leaves(12, fork="rewritten")[7:]
    note = checkpoint_note(forked)
    # The log can only offer the proof of its own (forked) tree.
    body = format_add_checkpoint(8, tlog.consistency_proof(8, forked), note)

    response = call(app, body)

    assert response.status == 422
    assert app.witness.state.latest(ORIGIN) == witness.Cosigned(8, tlog.root_from_leaf_hashes(honest))
    [(reason, evidence)] = app.witness.state.refusals(ORIGIN)
    assert "consistency proof" in reason and evidence == body.decode()


def test_only_post_add_checkpoint_is_served(app: WitnessApp) -> None:
    assert call(app, b"", method="GET").status == 405
    assert call(app, request(0, leaves(1)), path="/other").status == 404


def test_oversized_request_is_413(app: WitnessApp) -> None:
    assert call(app, b"x" * (witness.MAX_REQUEST_BYTES + 1)).status == 413


# --- concurrency --------------------------------------------------------------------------------


def race(app: WitnessApp, bodies: list[bytes]) -> list[Response]:
    """Submit the bodies from as many threads released at once; their responses in the same order."""
    barrier = threading.Barrier(len(bodies))
    responses: dict[int, Response] = {}

    def submit(position: int, body: bytes) -> None:
        barrier.wait()
        responses[position] = call(app, body)

    threads = [threading.Thread(target=submit, args=item) for item in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [responses[position] for position in range(len(bodies))]


def test_concurrent_conflicting_checkpoints_cosign_at_most_one(app: WitnessApp) -> None:
    """Two forks of the log, each proven consistent with the cosigned size on its own, race: one wins."""
    history = leaves(4)
    assert call(app, request(0, history)).status == 200
    for round_number in range(8):
        old_size = len(history)
        forks = [history + leaves(old_size + 3, fork=f"{round_number}{side}")[old_size:] for side in "ab"]
        responses = race(app, [request(old_size, fork) for fork in forks])

        assert sorted(response.status for response in responses) == [200, 409]
        winner = next(side for side, response in enumerate(responses) if response.status == 200)
        assert responses[1 - winner].body == f"{old_size + 3}\n".encode()
        latest = app.witness.state.latest(ORIGIN)
        assert latest == witness.Cosigned(old_size + 3, tlog.root_from_leaf_hashes(forks[winner]))
        history = forks[winner]


# --- the request format and the CLI -------------------------------------------------------------


def test_spec_example_request_parses() -> None:
    parsed = parse_add_checkpoint(ADD_CHECKPOINT_EXAMPLE["request_body"])
    want = ADD_CHECKPOINT_EXAMPLE["want_parse"]

    assert parsed.old_size == want["old_size"]
    assert len(parsed.proof) == want["consistency_proof_len"]
    checkpoint_text, signatures = parsed.checkpoint_note.split("\n\n")
    assert checkpoint_text.split("\n")[:2] == [want["checkpoint_origin"], str(want["checkpoint_size"])]
    assert len(signatures.strip("\n").split("\n")) == want["signature_lines"]
    assert (
        format_add_checkpoint(parsed.old_size, parsed.proof, parsed.checkpoint_note).decode()
        == (ADD_CHECKPOINT_EXAMPLE["request_body"])
    )


def test_request_parser_is_strict() -> None:
    note = checkpoint_note(leaves(3))
    with pytest.raises(MalformedNote):
        parse_add_checkpoint(format_add_checkpoint(1, [bytes(32)] * 64, note))
    with pytest.raises(MalformedNote):
        parse_add_checkpoint(b"old 0\n\n" + note.encode()[:-1])


def test_log_specs() -> None:
    vkey = LOG.verifier_key()

    assert witness.parse_log_spec(vkey)[0] == "example.com/log"
    assert witness.parse_log_spec(f"another/origin={vkey}")[0] == "another/origin"
    logs = witness.parse_logs([vkey, f"{ORIGIN}={IMPOSTOR.verifier_key()}", "# comment", ""])
    assert [v.verifier_key() for v in logs[ORIGIN]] == [vkey, IMPOSTOR.verifier_key()]


def test_keygen_prints_a_usable_key_pair(capsys: pytest.CaptureFixture[str]) -> None:
    assert witness.main(["keygen", "witness.example/new"]) == 0

    private, public = capsys.readouterr().out.splitlines()
    signer = CosignatureSigner.from_private_key(private)
    assert signer.verifier_key() == public
    assert CosignatureVerifier.from_string(public).name == "witness.example/new"


def test_make_app_reads_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "witness.key"
    key_file.write_text(WITNESS.private_key_string() + "\n" + WITNESS.verifier_key() + "\n")
    monkeypatch.setenv("AURIC_WITNESS_KEY_FILE", str(key_file))
    monkeypatch.setenv("AURIC_WITNESS_LOGS", LOG.verifier_key() + "\n")
    monkeypatch.setenv("AURIC_WITNESS_STATE", str(tmp_path / "state.sqlite3"))

    app = make_app(prefix="/witness/")

    note = checkpoint_note(leaves(2))
    assert_cosigned(call(app, format_add_checkpoint(0, [], note), path="/witness/add-checkpoint"), note)


def test_make_app_refuses_an_incomplete_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AURIC_WITNESS_KEY_FILE", "AURIC_WITNESS_LOGS", "AURIC_WITNESS_STATE"):
        monkeypatch.delenv(name, raising=False)
    state = str(tmp_path / "state.sqlite3")

    with pytest.raises(witness.ConfigurationError, match="private key"):
        make_app(logs=[LOG.verifier_key()], state=state)
    with pytest.raises(witness.ConfigurationError, match="no log"):
        make_app(key=WITNESS.private_key_string(), state=state)
    with pytest.raises(witness.ConfigurationError, match="state"):
        make_app(key=WITNESS.private_key_string(), logs=[LOG.verifier_key()])
    with pytest.raises(NoteError, match="type"):  # a log's key is no witness key
        make_app(key=LOG.private_key_string(), logs=[LOG.verifier_key()], state=state)


def test_the_witness_imports_no_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys, auric.provenance.witness; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
