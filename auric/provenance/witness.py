"""A standalone C2SP tlog-witness: a partner cosigns our checkpoints with its own key, without our platform.

A lab, a franchisee or an auditor runs this to vouch that the log it watches only ever grew: it
cosigns a checkpoint (c2sp.org/tlog-cosignature, Ed25519 ``cosignature/v1``) only if the log
proves it consistent with the last checkpoint this witness cosigned, and it never cosigns two
checkpoints that contradict each other. That record is one row per log origin in a SQLite file,
checked and advanced in a single ``BEGIN IMMEDIATE`` transaction, so concurrent requests (several
gunicorn workers, several threads) cannot both pass the check against the same old state.

It implements ``POST <prefix>/add-checkpoint`` of c2sp.org/tlog-witness v1 with its status codes
(404 unknown log, 403 unsigned or badly signed, 400 malformed, 409 + ``text/x.tlog.size`` for a
stale old size, 422 inconsistent). It imports nothing from Django or the rest of Auric except the
Merkle proofs and note formats, so it can be copied out with ``tlog.py`` and ``note.py``.

Run it::

    python -m auric.provenance.witness keygen witness.example/lab1 > witness.key   # keep the first line secret
    python -m auric.provenance.witness serve --key-file witness.key \\
        --log 'auric.example/log+1234abcd+AQ...' --state witness.sqlite3 --port 8080

or under gunicorn (``make_app`` reads the same settings from its arguments or the environment
variables ``AURIC_WITNESS_KEY_FILE``, ``AURIC_WITNESS_LOGS`` — one ``[origin=]vkey`` per line — and
``AURIC_WITNESS_STATE``)::

    gunicorn -w 2 'auric.provenance.witness:make_app(key_file="witness.key", logs=["auric.example/log+…"], state="witness.sqlite3")'

Give the log operator your verifier key (the second line of ``keygen``) and your URL.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.simple_server import make_server

from auric.provenance import tlog
from auric.provenance.note import (
    CosignatureSigner,
    MalformedNote,
    NoteError,
    Verifier,
    decode_base64,
    open_checkpoint,
    parse_checkpoint,
    parse_decimal,
    signature_lines,
    split_note,
)

logger = logging.getLogger(__name__)

MAX_PROOF_LINES = 63  # tlog-witness: a client MUST NOT send more
MAX_REQUEST_BYTES = 256 * 1024  # a checkpoint with 100 signatures and 63 proof lines is far smaller
MAX_STORED_SIZE = 2**63 - 1  # SQLite integers are signed 64-bit
SIZE_CONTENT_TYPE = "text/x.tlog.size"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
}


class Refused(Exception):
    """An add-checkpoint request answered with an error status; ``body`` is what the client reads."""

    def __init__(self, status: int, message: str, *, content_type: str = "text/plain; charset=utf-8") -> None:
        super().__init__(message)
        self.status = status
        self.body = message if message.endswith("\n") else message + "\n"
        self.content_type = content_type


class ConfigurationError(ValueError):
    """The witness cannot start: a missing key, log list or state file."""


def _conflict(size: int, why: str) -> Refused:
    logger.info("409: %s", why)
    return Refused(409, f"{size}\n", content_type=SIZE_CONTENT_TYPE)


# --- the request --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddCheckpointRequest:
    """An add-checkpoint body: the size the client believes we cosigned, a proof from it, the checkpoint note."""

    old_size: int
    proof: list[bytes]
    checkpoint_note: str


def parse_add_checkpoint(body: bytes | str) -> AddCheckpointRequest:
    """Parse an add-checkpoint request body strictly (MalformedNote); the note is not verified here."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedNote("request is not valid UTF-8") from error
    header, sep, note_text = body.partition("\n\n")
    if not sep:
        raise MalformedNote("request has no blank line before the checkpoint")
    lines = header.split("\n")
    if not lines[0].startswith("old "):
        raise MalformedNote("request starts with an old size line")
    old_size = parse_decimal(lines[0].removeprefix("old "), "old size")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise MalformedNote(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = [decode_base64(line, f"proof line {n}") for n, line in enumerate(lines[1:], start=1)]
    if any(len(item) != tlog.HASH_SIZE for item in proof):
        raise MalformedNote(f"consistency proof hashes are {tlog.HASH_SIZE} bytes")
    split_note(note_text)
    return AddCheckpointRequest(old_size=old_size, proof=proof, checkpoint_note=note_text)


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], checkpoint_note: str) -> bytes:
    """The request body a log sends (the inverse of ``parse_add_checkpoint``)."""
    lines = [f"old {old_size}", *(base64.b64encode(item).decode() for item in proof)]
    return ("\n".join(lines) + "\n\n" + checkpoint_note).encode()


# --- the state ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cosigned:
    """The latest checkpoint this witness cosigned for one log."""

    size: int
    root: bytes


class WitnessState:
    """Per log origin, the last cosigned (size, root), in a SQLite file shared by every worker.

    Each call opens its own connection, so one state object is safe across threads and processes.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS cosigned ("
                " origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, updated_at INTEGER NOT NULL)"
            )
            # Signed checkpoints that failed the consistency check: possible evidence of a forked log.
            db.execute(
                "CREATE TABLE IF NOT EXISTS refused ("
                " id INTEGER PRIMARY KEY, origin TEXT NOT NULL, received_at INTEGER NOT NULL,"
                " reason TEXT NOT NULL, request TEXT NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are the explicit BEGIN IMMEDIATE below.
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")  # take the write lock before reading, so the check and update are atomic
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def latest(self, origin: str) -> Cosigned | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT size, root FROM cosigned WHERE origin = ?", (origin,)).fetchone()
        return Cosigned(size=row[0], root=bytes(row[1])) if row else None

    def advance(self, origin: str, old_size: int, proof: Sequence[bytes], new: Cosigned) -> None:
        """Record ``new`` as cosigned if it extends what we cosigned from ``old_size``, atomically.

        Raises Refused 409 when ``old_size`` is not our size (or the same size has another root), and
        Refused 422 when the proof does not show ``new`` to be an append-only extension.
        """
        with self._write_transaction() as db:
            row = db.execute("SELECT size, root FROM cosigned WHERE origin = ?", (origin,)).fetchone()
            stored = Cosigned(size=row[0], root=bytes(row[1])) if row else None
            stored_size = stored.size if stored else 0
            if old_size != stored_size:
                raise _conflict(stored_size, f"{origin}: old size {old_size}, we cosigned {stored_size}")
            if stored is not None and new.size == stored.size and new.root != stored.root:
                raise _conflict(stored_size, f"{origin}: a second root for size {stored_size}")
            if stored is not None and stored.size > 0:  # every tree extends the empty one: nothing to prove
                try:
                    tlog.verify_consistency(stored.size, new.size, stored.root, new.root, proof)
                except tlog.InvalidProof as error:
                    raise Refused(422, f"consistency proof: {error}") from error
            # Compare-and-swap: the row must still be the one we checked (the lock already ensures it).
            now = int(time.time())
            if stored is None:
                db.execute(
                    "INSERT INTO cosigned (origin, size, root, updated_at) VALUES (?, ?, ?, ?)",
                    (origin, new.size, new.root, now),
                )
            else:
                updated = db.execute(
                    "UPDATE cosigned SET size = ?, root = ?, updated_at = ? WHERE origin = ? AND size = ? AND root = ?",
                    (new.size, new.root, now, origin, stored.size, stored.root),
                )
                if updated.rowcount != 1:
                    raise RuntimeError("the witness state changed under a write lock")

    def record_refusal(self, origin: str, reason: str, request: str) -> None:
        with self._write_transaction() as db:
            db.execute(
                "INSERT INTO refused (origin, received_at, reason, request) VALUES (?, ?, ?, ?)",
                (origin, int(time.time()), reason, request),
            )

    def refusals(self, origin: str) -> list[tuple[str, str]]:
        """(reason, request) of each signed but inconsistent checkpoint received for ``origin``."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT reason, request FROM refused WHERE origin = ? ORDER BY id", (origin,)).fetchall()
        return [(str(reason), str(request)) for reason, request in rows]


# --- the service --------------------------------------------------------------------------------


@dataclass
class Witness:
    """The witness logic: which logs it follows (origin → their note verifier keys), its key, its state."""

    signer: CosignatureSigner
    logs: Mapping[str, Sequence[Verifier]]
    state: WitnessState

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line(s) for a valid request, else Refused with the protocol's status."""
        try:
            request = parse_add_checkpoint(body)
            origin = parse_checkpoint(request.checkpoint_note).origin  # unverified: only to pick the keys
        except NoteError as error:
            raise Refused(400, f"malformed request: {error}") from error
        keys = self.logs.get(origin)
        if not keys:
            raise Refused(404, f"unknown log origin {origin!r}")
        try:
            checkpoint, opened = open_checkpoint(request.checkpoint_note, list(keys), origin=origin)
        except MalformedNote as error:
            raise Refused(400, f"malformed checkpoint: {error}") from error
        except NoteError as error:
            raise Refused(403, f"checkpoint not signed by the log's key: {error}") from error
        if request.old_size > checkpoint.size:
            raise Refused(400, f"old size {request.old_size} is larger than the checkpoint size {checkpoint.size}")
        if checkpoint.size > MAX_STORED_SIZE:
            raise Refused(400, f"checkpoint size {checkpoint.size} is too large")
        if checkpoint.size == 0 and checkpoint.root != tlog.EMPTY_ROOT:
            raise Refused(422, "a checkpoint of size 0 must have the empty tree's root")
        if request.old_size == 0 and request.proof:
            raise Refused(422, "the consistency proof from size 0 must be empty")
        try:
            self.state.advance(origin, request.old_size, request.proof, Cosigned(checkpoint.size, checkpoint.root))
        except Refused as refused:
            if refused.status == 422:
                logger.warning("%s: refused checkpoint %s: %s", origin, checkpoint.size, refused)
                self.state.record_refusal(origin, str(refused), body.decode())
            raise
        # Persisted before answering, as the protocol requires: only now may the cosignature leave.
        return "".join(signature_lines(opened.text, [self.signer]))


def _read_body(environ: Mapping[str, Any]) -> bytes:
    length_text = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if not length_text:
        if environ.get("wsgi.input_terminated"):  # chunked bodies under gunicorn
            body: bytes = stream.read(MAX_REQUEST_BYTES + 1)
            if len(body) > MAX_REQUEST_BYTES:
                raise Refused(413, f"request larger than {MAX_REQUEST_BYTES} bytes")
            return body
        raise Refused(411, "Content-Length required")
    try:
        length = int(length_text)
    except ValueError as error:
        raise Refused(400, "bad Content-Length") from error
    if not 0 <= length <= MAX_REQUEST_BYTES:
        raise Refused(413, f"request larger than {MAX_REQUEST_BYTES} bytes")
    return bytes(stream.read(length))


class WitnessApp:
    """The WSGI application: ``POST <prefix>/add-checkpoint``, nothing else."""

    def __init__(self, witness: Witness, *, prefix: str = "") -> None:
        self.witness = witness
        self.path = prefix.rstrip("/") + "/add-checkpoint"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status, content_type, body, headers = 200, "text/plain; charset=utf-8", "", []
        try:
            if environ.get("PATH_INFO", "") != self.path:
                raise Refused(404, "not found")
            if environ.get("REQUEST_METHOD") != "POST":
                headers.append(("Allow", "POST"))
                raise Refused(405, "use POST")
            body = self.witness.add_checkpoint(_read_body(environ))
        except Refused as refused:
            status, content_type, body = refused.status, refused.content_type, refused.body
        except Exception:
            logger.exception("add-checkpoint failed")
            status, body = 500, "internal error\n"
        encoded = body.encode()
        headers += [("Content-Type", content_type), ("Content-Length", str(len(encoded)))]
        start_response(f"{status} {_REASONS[status]}", headers)
        return [encoded]


# --- configuration ------------------------------------------------------------------------------


def parse_log_spec(spec: str) -> tuple[str, Verifier]:
    """``origin=vkey`` or a bare ``vkey`` (the origin is then the key's name, as tlog-checkpoint advises)."""
    origin, sep, vkey = spec.strip().partition("=")
    if not sep or "+" in origin:  # no origin given: the '=' was the key's base64 padding
        vkey = spec.strip()
        verifier = Verifier.from_string(vkey)
        return verifier.name, verifier
    if not origin:
        raise NoteError(f"empty origin in {spec!r}")
    return origin, Verifier.from_string(vkey)


def parse_logs(specs: Iterable[str]) -> dict[str, list[Verifier]]:
    logs: dict[str, list[Verifier]] = {}
    for spec in specs:
        if spec.strip() and not spec.lstrip().startswith("#"):
            origin, verifier = parse_log_spec(spec)
            logs.setdefault(origin, []).append(verifier)
    return logs


def make_app(
    *,
    key: str | None = None,
    key_file: str | None = None,
    logs: Iterable[str] | None = None,
    state: str | None = None,
    prefix: str = "",
) -> WitnessApp:
    """Build the WSGI app from arguments, falling back to AURIC_WITNESS_KEY_FILE / _LOGS / _STATE."""
    if key is None:
        path = key_file or os.environ.get("AURIC_WITNESS_KEY_FILE")
        if not path:
            raise ConfigurationError("the witness needs its private key: key_file=… or AURIC_WITNESS_KEY_FILE")
        words = Path(path).read_text().split()
        if not words:
            raise ConfigurationError(f"{path} is empty: it should start with the PRIVATE+KEY+… line")
        key = words[0]
    if logs is None:
        logs = os.environ.get("AURIC_WITNESS_LOGS", "").splitlines()
    log_keys = parse_logs(logs)
    if not log_keys:
        raise ConfigurationError("the witness follows no log: logs=[…] or AURIC_WITNESS_LOGS")
    state_path = state or os.environ.get("AURIC_WITNESS_STATE")
    if not state_path:
        raise ConfigurationError("the witness needs a state file: state=… or AURIC_WITNESS_STATE")
    witness = Witness(signer=CosignatureSigner.from_private_key(key), logs=log_keys, state=WitnessState(state_path))
    return WitnessApp(witness, prefix=prefix)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m auric.provenance.witness", description=(__doc__ or "").split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="print a new private key (keep it secret) and its verifier key")
    keygen.add_argument("name", help="the witness's name, e.g. witness.example.com/lab1")
    serve = commands.add_parser("serve", help="serve POST /add-checkpoint")
    serve.add_argument("--key-file", required=True, help="file whose first line is the PRIVATE+KEY+… string")
    serve.add_argument("--log", action="append", required=True, metavar="[ORIGIN=]VKEY", help="a log to witness")
    serve.add_argument("--state", required=True, help="SQLite file of the last cosigned checkpoints")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--prefix", default="", help="submission prefix before /add-checkpoint")
    args = parser.parse_args(argv)

    if args.command == "keygen":
        try:
            signer = CosignatureSigner.generate(args.name)
        except NoteError as error:
            parser.error(str(error))
        print(signer.private_key_string())
        print(signer.verifier_key())
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        app = make_app(key_file=args.key_file, logs=args.log, state=args.state, prefix=args.prefix)
    except (NoteError, ConfigurationError, OSError) as error:
        parser.error(str(error))
    print(f"witness {app.witness.signer.verifier_key()}", file=sys.stderr)
    print(f"serving http://{args.host}:{args.port}{app.path}", file=sys.stderr)
    with make_server(args.host, args.port, app) as server:
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
