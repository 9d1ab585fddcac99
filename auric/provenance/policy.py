"""C2SP tlog-policy: which logs and witnesses a verifier trusts, and how many witnesses must cosign.

A checkpoint is valid under a policy when one of the policy's logs signed it and the witnesses
that cosigned it satisfy the quorum, a tree of k-of-n groups. The format (c2sp.org/tlog-policy,
descended from Sigsum's policy file) is line based::

    log <vkey> [<url>]
    witness <name> <vkey> [<url>]
    group <name> <all|any|k> <member>...
    quorum <name|none>

Parsing is strict — names defined before use, one quorum line, no duplicate keys or names, each
name a group member at most once — because a verifier that guesses what a policy meant is a
verifier an attacker can steer. No Django here: the offline verifier and the monitor use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auric.provenance import note

NONE = "none"  # the predefined empty quorum: no cosignature needed

LOG_KEY_TYPE = note.ED25519  # checkpoints are signed with Ed25519 note keys (c2sp.org/tlog-checkpoint)
COSIGNATURE_KEY_TYPE = note.COSIGNATURE_V1  # witnesses cosign with tlog-cosignature/v1 keys

# Far above the 32 logs, witnesses and groups the spec asks implementations to support.
MAX_ITEMS = 256
MAX_POLICY_BYTES = 1 << 20

_WHITESPACE = re.compile(r"[ \t]+")
_ALLOWED_CHARS = re.compile(r"^[\t\n\x20-\x7e\x80-\U0010ffff]*$")
_THRESHOLD = re.compile(r"^[1-9][0-9]{0,3}$")


class PolicyError(ValueError):
    """A policy file that does not follow c2sp.org/tlog-policy; the message names the line."""


@dataclass(frozen=True)
class VerifierKey:
    """A signed-note verifier key (``name+keyid+base64``), taken apart."""

    text: str
    name: str
    key_type: int
    public_key: bytes


@dataclass(frozen=True)
class PolicyLog:
    key: VerifierKey
    url: str | None = None

    @property
    def origin(self) -> str:
        """The log's key name, which must be the origin line of its checkpoints."""
        return self.key.name


@dataclass(frozen=True)
class PolicyWitness:
    name: str
    key: VerifierKey
    url: str | None = None


@dataclass(frozen=True)
class PolicyGroup:
    name: str
    threshold: int
    members: tuple[str, ...]
    keyword: str | None = None  # "all" or "any" when written so; kept to format the policy back


def parse_verifier_key(text: str) -> VerifierKey:
    """Split and check a ``name+keyid+base64`` key: the key id must match the name and key."""
    try:
        verifier = note.verifier_from_string(text)
    except note.NoteError as error:
        raise PolicyError(f"{text!r} is not a usable verifier key: {error}") from error
    return VerifierKey(text=text, name=verifier.name, key_type=verifier.type_byte, public_key=verifier.public_key_bytes)


@dataclass(frozen=True)
class Policy:
    logs: tuple[PolicyLog, ...]
    witnesses: tuple[PolicyWitness, ...]
    groups: tuple[PolicyGroup, ...]
    quorum: str

    # --- what a verifier asks ---------------------------------------------------------------

    def log_verifier_keys(self) -> list[str]:
        return [log.key.text for log in self.logs]

    def log_for_origin(self, origin: str) -> PolicyLog | None:
        return next((log for log in self.logs if log.origin == origin), None)

    def witness(self, name: str) -> PolicyWitness | None:
        return next((w for w in self.witnesses if w.name == name), None)

    def group(self, name: str) -> PolicyGroup | None:
        return next((g for g in self.groups if g.name == name), None)

    def check_cosignatures(self, note_text: str) -> set[str]:
        """Names of the policy's witnesses whose cosignature on this note verifies.

        Each witness is checked on its own, so one witness's bad or missing cosignature cannot
        hide another's good one; a bad line only means that witness does not count.
        """
        verified: set[str] = set()
        for witness in self.witnesses:
            try:
                verifier = note.CosignatureVerifier.from_string(witness.key.text)
                note.open_note(note_text, [verifier])
            except note.NoteError:
                continue
            verified.add(witness.name)
        return verified

    def quorum_met(self, verified_witness_names: Iterable[str]) -> bool:
        return self._witnessed(self.quorum, frozenset(verified_witness_names))

    def _witnessed(self, name: str, verified: frozenset[str]) -> bool:
        if name == NONE:
            return True
        group = self.group(name)
        if group is None:
            return name in verified
        return sum(self._witnessed(member, verified) for member in group.members) >= group.threshold

    def describe_quorum(self) -> str:
        """The quorum in words for error messages: ``2`` for a flat group of witnesses."""
        if self.quorum == NONE:
            return "no cosignature"
        group = self.group(self.quorum)
        if group is None:
            return f"witness {self.quorum}"
        if all(self.group(member) is None for member in group.members):
            return str(group.threshold)
        return self._describe(self.quorum)

    def _describe(self, name: str) -> str:
        group = self.group(name)
        if group is None:
            return name
        members = ", ".join(self._describe(member) for member in group.members)
        return f"{group.threshold} of ({members})"

    def format(self) -> str:
        """The policy as a file ``parse_policy`` reads back to an equal Policy."""
        lines = [_join("log", log.key.text, log.url) for log in self.logs]
        lines += [_join("witness", w.name, w.key.text, w.url) for w in self.witnesses]
        lines += [_join("group", g.name, g.keyword or str(g.threshold), *g.members) for g in self.groups]
        lines.append(f"quorum {self.quorum}")
        return "\n".join(lines) + "\n"


def _join(*items: str | None) -> str:
    return " ".join(item for item in items if item)


def format_policy(
    *,
    log_keys: Sequence[str],
    witnesses: Sequence[tuple[str, str] | tuple[str, str, str | None]] = (),
    threshold: int = 0,
    log_urls: Sequence[str | None] = (),
    group_name: str = "witnesses",
) -> str:
    """A policy for the usual case: these logs, these witnesses, any ``threshold`` of them.

    ``threshold`` 0 writes ``quorum none``. The text is checked by parsing it back, so nothing
    this function writes can be refused by a verifier.
    """
    lines = [_join("log", key, log_urls[i] if i < len(log_urls) else None) for i, key in enumerate(log_keys)]
    names = []
    for witness in witnesses:
        name, vkey = witness[0], witness[1]
        url = witness[2] if len(witness) > 2 else None
        names.append(name)
        lines.append(_join("witness", name, vkey, url))
    if threshold < 0 or threshold > len(names):
        raise PolicyError(f"a quorum of {threshold} needs at least {threshold} witnesses, not {len(names)}")
    if threshold == 0:
        lines.append(f"quorum {NONE}")
    else:
        keyword = "all" if threshold == len(names) > 1 else "any" if threshold == 1 else str(threshold)
        lines.append(_join("group", group_name, keyword, *names))
        lines.append(f"quorum {group_name}")
    text = "\n".join(lines) + "\n"
    parse_policy(text)
    return text


class _Parser:
    def __init__(self) -> None:
        self.logs: list[PolicyLog] = []
        self.witnesses: list[PolicyWitness] = []
        self.groups: list[PolicyGroup] = []
        self.quorum: str | None = None
        self.names: set[str] = {NONE}
        self.listed: set[str] = set()  # names already used as a group member
        self.keys: set[bytes] = set()

    def key(self, text: str, expected_type: int, what: str) -> VerifierKey:
        key = parse_verifier_key(text)
        if key.key_type != expected_type:
            raise PolicyError(
                f"{what} key {key.name!r} has signature type 0x{key.key_type:02x}, not 0x{expected_type:02x}"
            )
        if key.public_key in self.keys:
            raise PolicyError(f"{what} key {key.name!r} is listed twice (the same public key)")
        self.keys.add(key.public_key)
        return key

    def define(self, name: str) -> None:
        if name == NONE:
            raise PolicyError(f"{NONE!r} is predefined and cannot be redefined")
        if name in self.names:
            raise PolicyError(f"name {name!r} is defined twice")
        self.names.add(name)

    def log(self, args: list[str]) -> None:
        if len(args) not in (1, 2):
            raise PolicyError("a log line is: log <vkey> [<url>]")
        self.logs.append(PolicyLog(self.key(args[0], LOG_KEY_TYPE, "log"), args[1] if len(args) == 2 else None))

    def witness(self, args: list[str]) -> None:
        if len(args) not in (2, 3):
            raise PolicyError("a witness line is: witness <name> <vkey> [<url>]")
        self.define(args[0])
        key = self.key(args[1], COSIGNATURE_KEY_TYPE, "witness")
        self.witnesses.append(PolicyWitness(args[0], key, args[2] if len(args) == 3 else None))

    def group(self, args: list[str]) -> None:
        if len(args) < 3:
            raise PolicyError("a group line is: group <name> <all|any|k> <member>...")
        name, how, members = args[0], args[1], args[2:]
        self.define(name)
        for member in members:
            if member == NONE:
                raise PolicyError(f"{NONE!r} cannot be a group member")
            if member not in self.names or member == name:
                raise PolicyError(f"group {name!r}: member {member!r} is not defined on an earlier line")
            if member in self.listed:
                raise PolicyError(f"group {name!r}: {member!r} is already a member of a group")
            self.listed.add(member)
        if how == "all":
            threshold, keyword = len(members), "all"
        elif how == "any":
            threshold, keyword = 1, "any"
        elif _THRESHOLD.match(how):
            threshold, keyword = int(how), None
            if threshold > len(members):
                raise PolicyError(f"group {name!r}: threshold {threshold} is more than its {len(members)} members")
        else:
            raise PolicyError(f"group {name!r}: threshold {how!r} is not all, any or a number from 1")
        self.groups.append(PolicyGroup(name, threshold, tuple(members), keyword))

    def set_quorum(self, args: list[str]) -> None:
        if len(args) != 1:
            raise PolicyError("a quorum line is: quorum <name|none>")
        if self.quorum is not None:
            raise PolicyError("a policy has exactly one quorum line")
        if args[0] not in self.names:
            raise PolicyError(f"quorum {args[0]!r} is not defined on an earlier line")
        self.quorum = args[0]


def parse_policy(text: str) -> Policy:
    """Read a c2sp.org/tlog-policy file; PolicyError says which line is wrong and why."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_POLICY_BYTES:
        raise PolicyError("the policy is larger than 1 MiB")
    if not _ALLOWED_CHARS.match(text):
        raise PolicyError("the policy may hold no control characters but tab and newline")
    parser = _Parser()
    keywords = {"log": parser.log, "witness": parser.witness, "group": parser.group, "quorum": parser.set_quorum}
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        keyword, *args = _WHITESPACE.split(stripped)
        handler = keywords.get(keyword)
        try:
            if handler is None:
                raise PolicyError(f"unknown keyword {keyword!r}")
            handler(args)
            if max(len(parser.logs), len(parser.witnesses), len(parser.groups)) > MAX_ITEMS:
                raise PolicyError(f"more than {MAX_ITEMS} logs, witnesses or groups")
        except PolicyError as error:
            raise PolicyError(f"line {number}: {error}") from None
    if parser.quorum is None:
        raise PolicyError("the policy has no quorum line (write 'quorum none' to need no witness)")
    return Policy(tuple(parser.logs), tuple(parser.witnesses), tuple(parser.groups), parser.quorum)
