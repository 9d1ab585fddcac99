"""The monitor: consistent growth passes; a rewritten, forked or shrunken log raises the alarm."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from auric.provenance import note
from auric.provenance.monitor import (
    EXIT_ALARM,
    EXIT_ERROR,
    InconsistencyAlarm,
    MonitorError,
    check_once,
    main,
    run,
)
from auric.provenance.policy import Policy, parse_policy
from tests.provenance.offline_log import MemoryLog


class Served:
    """What a log serves at its base URL: a checkpoint note and its hash tiles."""

    def __init__(self, log: MemoryLog, checkpoint: str | None = None) -> None:
        self.log = log
        self.checkpoint = checkpoint or log.checkpoint()
        self.fetched: list[str] = []

    def __call__(self, path: str) -> bytes:
        self.fetched.append(path)
        if path == "checkpoint":
            return self.checkpoint.encode()
        try:
            return self.log.tile(path)
        except KeyError as error:
            raise MonitorError(f"fetching {path}: 404") from error


def grow(log: MemoryLog, count: int, tag: str = "entry") -> None:
    for number in range(count):
        log.append(f"{tag} {log.size} {number}".encode())


def fork_of(log: MemoryLog, *, keep: int) -> MemoryLog:
    """Another history under the same log and witness keys: the first ``keep`` entries, then others."""
    fork = MemoryLog(origin=log.origin)
    fork.signer, fork.witnesses = log.signer, log.witnesses
    for entry in log.entries[:keep]:
        fork.append(entry)
    return fork


@pytest.fixture
def log() -> MemoryLog:
    log = MemoryLog()
    grow(log, 5)
    return log


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "monitor" / "state.json"


def policy_of(log: MemoryLog, threshold: int | None = None) -> Policy:
    return parse_policy(log.policy(threshold=threshold))


def test_consistent_growth_passes(log: MemoryLog, state: Path) -> None:
    policy = policy_of(log)
    first = check_once(Served(log), policy, state)
    assert (first.status, first.size, first.quorum_met) == ("first", 5, True)

    grow(log, 600)  # across full tiles at level 0 and a partial tile at level 1
    served = Served(log)
    grew = check_once(served, policy, state)

    assert (grew.status, grew.old_size, grew.size) == ("grew", 5, 605)
    assert any(path.startswith("tile/0/") for path in served.fetched)
    assert json.loads(state.read_text())["size"] == 605
    assert check_once(Served(log), policy, state).status == "unchanged"

    grow(log, 1)
    assert check_once(Served(log), policy, state).status == "grew"


def test_growth_from_sizes_on_tile_boundaries(state: Path) -> None:
    log = MemoryLog()
    grow(log, 256)
    policy = policy_of(log)
    check_once(Served(log), policy, state)
    grow(log, 256)

    assert check_once(Served(log), policy, state).status == "grew"


def test_same_size_with_another_root_alarms_and_keeps_both_checkpoints(log: MemoryLog, state: Path) -> None:
    policy = policy_of(log)
    before = log.checkpoint()
    check_once(Served(log, before), policy, state)
    rewritten = fork_of(log, keep=2)
    grow(rewritten, 3, tag="rewritten")
    after = rewritten.checkpoint()

    with pytest.raises(InconsistencyAlarm) as caught:
        check_once(Served(rewritten, after), policy, state)

    assert caught.value.reason == "two different roots for tree size 5: history was rewritten"
    assert [path.read_text() for path in caught.value.evidence] == [before, after]
    assert all(path.parent == state.parent for path in caught.value.evidence)
    assert json.loads(state.read_text())["checkpoint"] == before  # the state never moves to the lie


def test_a_fork_with_a_valid_signature_but_an_inconsistent_root_alarms(
    log: MemoryLog, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = policy_of(log)
    before = log.checkpoint()
    check_once(Served(log, before), policy, state)
    fork = fork_of(log, keep=3)
    grow(fork, 40, tag="fork")  # a longer, validly signed and cosigned tree that dropped entries 3 and 4
    after = fork.checkpoint()

    assert run(Served(fork, after), policy, state, once=True) == EXIT_ALARM

    out = capsys.readouterr().out
    assert out.startswith("ALARM: size 43 is not consistent with size 5: the proof does not lead to the old root")
    assert before in out and after in out
    assert len(list(state.parent.glob("alarm-*.checkpoint"))) == 2


def test_a_shrinking_log_alarms(log: MemoryLog, state: Path) -> None:
    policy = policy_of(log)
    check_once(Served(log), policy, state)

    with pytest.raises(InconsistencyAlarm, match="the tree shrank from size 5 to 3"):
        check_once(Served(log, log.checkpoint(size=3)), policy, state)


def test_a_checkpoint_not_signed_by_the_policys_log_is_an_error_not_an_alarm(
    log: MemoryLog, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = policy_of(log)
    check_once(Served(log), policy, state)
    impostor = MemoryLog()
    grow(impostor, 9)

    assert run(Served(impostor), policy, state, once=True) == EXIT_ERROR

    assert "ERROR: the checkpoint is not signed by a log in the policy" in capsys.readouterr().err
    assert json.loads(state.read_text())["size"] == 5
    assert not list(state.parent.glob("alarm-*"))


def test_a_missing_witness_quorum_is_reported(log: MemoryLog, state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    served = Served(log, log.checkpoint(cosigners=["w2"]))

    assert run(served, policy_of(log, threshold=2), state, once=True) == 0

    captured = capsys.readouterr()
    assert "witnesses w2 (quorum NOT met)" in captured.out
    assert "WARNING: the checkpoint lacks the policy's witness quorum" in captured.err


def test_the_loop_retries_errors_and_stops_on_an_alarm(log: MemoryLog, state: Path) -> None:
    policy = policy_of(log)
    sleeps: list[float] = []
    served = Served(log)
    broken = Served(log, "not a checkpoint\n")
    answers = iter([served, broken, served])
    current = [next(answers)]

    def fetch(path: str) -> bytes:
        return current[0](path)

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        current[0] = next(answers, Served(log, log.checkpoint(size=2)))

    assert run(fetch, policy, state, interval=7, sleep=sleep) == EXIT_ALARM
    assert sleeps == [7, 7, 7]


def test_another_origin_in_the_state_file_is_an_error(log: MemoryLog, state: Path) -> None:
    other = MemoryLog(origin="example.test/other")
    grow(other, 2)
    check_once(Served(other), policy_of(other), state)

    with pytest.raises(MonitorError, match=r"the state file watches 'example\.test/other'"):
        check_once(Served(log), policy_of(log), state)


def test_a_tile_that_does_not_exist_is_an_error(log: MemoryLog, state: Path) -> None:
    policy = policy_of(log)
    check_once(Served(log), policy, state)
    grow(log, 3)
    served = Served(log)
    served.log = MemoryLog()  # serves no tiles at all

    with pytest.raises(MonitorError, match="404"):
        check_once(served, policy, state)


# --- over HTTP, through the command ---------------------------------------------------------------


@pytest.fixture
def http_log(log: MemoryLog) -> Iterator[tuple[str, Served]]:
    served = Served(log)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.removeprefix("/log/")
            try:
                body = served(path)
            except MonitorError:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/log/", served
    finally:
        server.shutdown()
        server.server_close()


def test_the_command_over_http(
    http_log: tuple[str, Served], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, served = http_log
    policy_file = tmp_path / "policy.txt"
    policy_file.write_text(served.log.policy())
    args = ["--url", url, "--policy", str(policy_file), "--state", str(tmp_path / "state.json"), "--once"]

    assert main(args) == 0
    grow(served.log, 300)
    served.checkpoint = served.log.checkpoint()
    assert main([*args, "--origin", served.log.origin]) == 0
    assert "consistent with size 5" in capsys.readouterr().out

    served.checkpoint = served.log.checkpoint(size=4)
    assert main(args) == EXIT_ALARM
    assert "ALARM: the tree shrank from size 305 to 4" in capsys.readouterr().out


def test_the_command_refuses_a_non_http_url(tmp_path: Path, log: MemoryLog) -> None:
    (tmp_path / "policy.txt").write_text(log.policy())
    args = ["--url", "file:///etc", "--policy", str(tmp_path / "policy.txt"), "--state", str(tmp_path / "s.json")]

    assert main([*args, "--once"]) == 2


def test_the_monitor_needs_only_the_log_key_from_the_policy(log: MemoryLog, state: Path) -> None:
    policy = parse_policy(f"log {log.signer.verifier_key()}\nquorum none\n")

    observation = check_once(Served(log, log.checkpoint(cosigners=[])), policy, state)

    assert observation.quorum_met and observation.witnesses == ()
    assert isinstance(note.parse_checkpoint(json.loads(state.read_text())["checkpoint"]), note.Checkpoint)
