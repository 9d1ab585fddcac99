"""A monitor: watch the log's checkpoints over time and raise the alarm if history is rewritten.

    python -m auric.provenance.monitor --url BASE --policy POLICY --state FILE [--interval S] [--once]

Each round fetches ``BASE/checkpoint`` (C2SP tlog-tiles), checks it is signed by the policy's log
(and reports whether the witness quorum cosigned it), and compares it with the last checkpoint
seen, kept in the state file: the same size must have the same root; a larger tree must be
consistent with the old one, by a consistency proof computed from the log's static hash tiles
(``BASE/tile/<L>/<N>[.p/<W>]``) and checked with ``tlog.verify_consistency``; a smaller tree is a
rollback. Any of those failures is an ALARM: both signed checkpoints are written next to the state
file as evidence — two signatures by the log on incompatible trees prove misbehaviour to anyone —
and the monitor exits 1. Fetch or signature errors exit 3 (or are retried when looping).

Anyone can run this without us (a partner, an auditor, a journalist): it needs only the public
files and the policy. No Django here.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from auric.provenance import note, tiles, tlog
from auric.provenance.policy import Policy, PolicyError, parse_policy

Fetch = Callable[[str], bytes]  # a path below the log's base URL ("checkpoint", "tile/0/000") → body

TIMEOUT_SECONDS = 20
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
EXIT_ALARM = 1
EXIT_ERROR = 3


class MonitorError(Exception):
    """The log could not be checked this round (unreachable, a bad signature, a bad tile)."""


class InconsistencyAlarm(Exception):
    """The log signed two checkpoints that cannot both be true; ``evidence`` holds their files."""

    def __init__(self, reason: str, old_note: str, new_note: str, evidence: tuple[Path, ...] = ()):
        super().__init__(reason)
        self.reason = reason
        self.old_note = old_note
        self.new_note = new_note
        self.evidence = evidence


@dataclass(frozen=True)
class Observation:
    status: str  # "first", "unchanged" or "grew"
    origin: str
    size: int
    root: bytes
    old_size: int | None
    witnesses: tuple[str, ...]
    quorum_met: bool

    def format(self) -> str:
        root = base64.b64encode(self.root).decode()
        quorum = "met" if self.quorum_met else "NOT met"
        cosigned = ", ".join(self.witnesses) or "none"
        what = {
            "first": "first checkpoint seen",
            "unchanged": "unchanged",
            "grew": f"consistent with size {self.old_size}",
        }[self.status]
        return f"OK {self.origin} size {self.size} root {root}: {what}; witnesses {cosigned} (quorum {quorum})"


def http_fetcher(base_url: str) -> Fetch:
    """A Fetch over HTTP(S) below ``base_url`` (e.g. https://example.com/log)."""
    scheme = urllib.parse.urlsplit(base_url).scheme
    if scheme not in ("http", "https"):
        raise MonitorError(f"the log URL must be http or https, not {scheme or 'nothing'}")
    base = base_url.rstrip("/")

    def fetch(path: str) -> bytes:
        request = urllib.request.Request(f"{base}/{path}", headers={"User-Agent": "auric-provenance-monitor/1"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except (urllib.error.URLError, OSError) as error:
            raise MonitorError(f"fetching {path}: {error}") from error
        if len(body) > MAX_RESPONSE_BYTES:
            raise MonitorError(f"fetching {path}: the response is too large")
        return body

    return fetch


@dataclass(frozen=True)
class _Seen:
    origin: str
    size: int
    root: bytes
    note: str


def _load_state(path: Path) -> _Seen | None:
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        return _Seen(state["origin"], int(state["size"]), base64.b64decode(state["root"]), str(state["checkpoint"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise MonitorError(f"the state file {path} is unreadable: {error}") from error


def _save_state(path: Path, seen: _Seen) -> None:
    state = {
        "origin": seen.origin,
        "size": seen.size,
        "root": base64.b64encode(seen.root).decode(),
        "checkpoint": seen.note,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a crash never leaves half a state (and forgets what we saw).
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as handle:
        json.dump(state, handle, indent=2)
        handle.write("\n")
    os.replace(handle.name, path)


def _keep_evidence(state_path: Path, old_note: str, new_note: str) -> tuple[Path, ...]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    paths = (
        state_path.parent / f"alarm-{stamp}-old.checkpoint",
        state_path.parent / f"alarm-{stamp}-new.checkpoint",
    )
    for path, text in zip(paths, (old_note, new_note), strict=True):
        path.write_text(text, encoding="utf-8")
    return paths


def _open(note_text: str, policy: Policy, origin: str | None) -> note.Checkpoint:
    try:
        checkpoint, _ = note.open_checkpoint(note_text, policy.log_verifier_keys())
    except note.NoteError as error:
        raise MonitorError(f"the checkpoint is not signed by a log in the policy: {error}") from error
    if policy.log_for_origin(checkpoint.origin) is None:
        raise MonitorError(f"the checkpoint's origin {checkpoint.origin!r} is not a log in the policy")
    if origin is not None and checkpoint.origin != origin:
        raise MonitorError(f"the checkpoint's origin is {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint


def _tile_fetcher(fetch: Fetch) -> tiles.TileFetcher:
    def fetch_tile(level: int, index: int, width: int | None) -> bytes:
        return fetch(tiles.tile_path(level, index, width))

    return fetch_tile


def check_once(fetch: Fetch, policy: Policy, state_path: Path, *, origin: str | None = None) -> Observation:
    """One round: fetch, verify, compare with the state, then remember the new checkpoint.

    Raises InconsistencyAlarm (after writing the evidence) when the log contradicts itself, and
    MonitorError when it could not be checked; the state only moves forward on success.
    """
    try:
        note_text = fetch("checkpoint").decode("utf-8")
    except UnicodeDecodeError as error:
        raise MonitorError("the checkpoint is not UTF-8 text") from error
    new = _open(note_text, policy, origin)
    cosigned = policy.check_cosignatures(note_text)
    seen = _load_state(state_path)

    def alarm(reason: str) -> InconsistencyAlarm:
        assert seen is not None
        evidence = _keep_evidence(state_path, seen.note, note_text)
        return InconsistencyAlarm(reason, seen.note, note_text, evidence)

    status = "first"
    if seen is not None:
        if seen.origin != new.origin:
            raise MonitorError(f"the state file watches {seen.origin!r}, this log is {new.origin!r}")
        if new.size == seen.size:
            if new.root != seen.root:
                raise alarm(f"two different roots for tree size {new.size}: history was rewritten")
            status = "unchanged"
        elif new.size < seen.size:
            raise alarm(f"the tree shrank from size {seen.size} to {new.size}")
        else:
            status = "grew"
            if seen.size > 0:
                try:
                    proof = tiles.TileHashReader(new.size, _tile_fetcher(fetch)).consistency_proof(seen.size)
                except tiles.TileError as error:
                    raise MonitorError(f"the log's tiles are malformed: {error}") from error
                try:
                    tlog.verify_consistency(seen.size, new.size, seen.root, new.root, proof)
                except tlog.InvalidProof as error:
                    raise alarm(f"size {new.size} is not consistent with size {seen.size}: {error}") from error
    _save_state(state_path, _Seen(new.origin, new.size, new.root, note_text))
    return Observation(
        status=status,
        origin=new.origin,
        size=new.size,
        root=new.root,
        old_size=seen.size if seen else None,
        witnesses=tuple(sorted(cosigned)),
        quorum_met=policy.quorum_met(cosigned),
    )


def _print_alarm(alarm: InconsistencyAlarm) -> None:
    print(f"ALARM: {alarm.reason}", flush=True)
    print("--- the checkpoint seen before ---\n" + alarm.old_note, end="", flush=True)
    print("--- the checkpoint now ---\n" + alarm.new_note, end="", flush=True)
    if alarm.evidence:
        print("evidence kept in " + ", ".join(str(path) for path in alarm.evidence), flush=True)


def run(
    fetch: Fetch,
    policy: Policy,
    state_path: Path,
    *,
    origin: str | None = None,
    interval: float = 300.0,
    once: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> int:
    """Check once, or forever every ``interval`` seconds; the exit status (alarms always stop)."""
    done = 0
    while True:
        try:
            observation = check_once(fetch, policy, state_path, origin=origin)
        except InconsistencyAlarm as alarm:
            _print_alarm(alarm)
            return EXIT_ALARM
        except MonitorError as error:
            print(f"ERROR: {error}", file=sys.stderr, flush=True)
            if once:
                return EXIT_ERROR
        else:
            print(observation.format(), flush=True)
            if not observation.quorum_met:
                print("WARNING: the checkpoint lacks the policy's witness quorum", file=sys.stderr, flush=True)
            if once:
                return 0
        done += 1
        if rounds is not None and done >= rounds:
            return 0
        sleep(interval)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m auric.provenance.monitor",
        description="Watch a transparency log's checkpoints and alarm on any inconsistency.",
    )
    parser.add_argument("--url", required=True, help="the log's base URL, e.g. https://example.com/log")
    parser.add_argument("--policy", type=Path, required=True, help="a c2sp.org/tlog-policy file")
    parser.add_argument("--state", type=Path, required=True, help="a JSON file remembering the last checkpoint")
    parser.add_argument("--origin", help="the log origin the checkpoints must name")
    parser.add_argument("--interval", type=float, default=300.0, help="seconds between checks (default 300)")
    parser.add_argument("--once", action="store_true", help="check once and exit")
    args = parser.parse_args(argv)
    try:
        policy = parse_policy(args.policy.read_text(encoding="utf-8"))
        fetch = http_fetcher(args.url)
    except (OSError, UnicodeDecodeError, PolicyError, MonitorError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        return run(fetch, policy, args.state, origin=args.origin, interval=args.interval, once=args.once)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
