"""Audit the stored log against itself: would an edit that bypassed the triggers go unnoticed?

Checks, streaming so memory stays flat on a large log:
* every entry's bytes hash to the stored leaf, and every entry is a well-signed statement under
  the key registry the log itself records (``statements.KeyRegistry``);
* every stored interior node is the hash of its two stored children, and no node is missing;
* every checkpoint is signed by the log key, names the log's origin, and its root is the root the
  stored nodes give for its size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from auric.provenance import keys, selectors, tlog
from auric.provenance.models import LEVEL_SHIFT, Checkpoint, LogEntry, LogHead, TreeNode
from auric.provenance.note import NoteError, open_note, parse_checkpoint
from auric.provenance.statements import KeyRegistry, StatementError, parse_entry

CHUNK = 4096


@dataclass
class AuditReport:
    size: int = 0
    entries: int = 0
    nodes: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _chunks(size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, size, CHUNK):
        yield start, min(size, start + CHUNK)


def _level_hashes(level: int, start: int, end: int) -> dict[int, bytes]:
    low, high = (level << LEVEL_SHIFT) | start, (level << LEVEL_SHIFT) | (end - 1)
    rows = TreeNode.objects.filter(key__gte=low, key__lte=high).values_list("key", "hash")
    return {key & ((1 << LEVEL_SHIFT) - 1): bytes(digest) for key, digest in rows}


def _audit_entries(report: AuditReport, size: int) -> None:
    registry = KeyRegistry()
    expected = 0
    for start, end in _chunks(size):
        leaves = _level_hashes(0, start, end)
        for index, entry in LogEntry.objects.filter(index__gte=start, index__lt=end).values_list("index", "entry"):
            data = bytes(entry)
            if index != expected:
                report.problems.append(f"entries {expected}…{index - 1} are missing")
            expected = index + 1
            report.entries += 1
            if leaves.get(index) != tlog.leaf_hash(data):
                report.problems.append(f"entry {index}: its bytes do not hash to the stored leaf (edited?)")
                continue
            try:
                registry.check(index, parse_entry(data))
            except StatementError as error:
                report.problems.append(f"entry {index}: {error}")
    if expected != size:
        report.problems.append(f"the log head says {size} entries; {expected} are stored")


def _audit_nodes(report: AuditReport, size: int) -> None:
    level = 1
    while size >> level:
        count = size >> level
        for start, end in _chunks(count):
            parents = _level_hashes(level, start, end)
            children = _level_hashes(level - 1, 2 * start, 2 * end)
            for index in range(start, end):
                report.nodes += 1
                parent = parents.get(index)
                left, right = children.get(2 * index), children.get(2 * index + 1)
                if parent is None or left is None or right is None:
                    report.problems.append(f"node {level}/{index} or a child of it is missing")
                elif tlog.node_hash(left, right) != parent:
                    report.problems.append(f"node {level}/{index} is not the hash of its children (edited?)")
        level += 1


def _audit_checkpoints(report: AuditReport) -> None:
    verifier = keys.log_verifier_key()
    for checkpoint in Checkpoint.objects.order_by("size").iterator(chunk_size=500):
        report.checkpoints += 1
        try:
            body = parse_checkpoint(open_note(checkpoint.note, [verifier]).text)
        except NoteError as error:
            report.problems.append(f"checkpoint {checkpoint.size}: {error}")
            continue
        if (body.origin, body.size, body.root) != (keys.origin(), checkpoint.size, bytes(checkpoint.root)):
            report.problems.append(f"checkpoint {checkpoint.size}: the signed note differs from the stored row")
        try:
            root = selectors.root_at(checkpoint.size)
        except LookupError:
            report.problems.append(f"checkpoint {checkpoint.size}: nodes for its root are missing")
            continue
        if root != body.root:
            report.problems.append(f"checkpoint {checkpoint.size}: signed root differs from the stored tree's root")


def audit(progress: Callable[[str], None] | None = None) -> AuditReport:
    head = LogHead.objects.filter(origin=keys.origin()).first()
    report = AuditReport(size=head.size if head else 0)
    for name, step in (
        ("entries", lambda: _audit_entries(report, report.size)),
        ("nodes", lambda: _audit_nodes(report, report.size)),
        ("checkpoints", lambda: _audit_checkpoints(report)),
    ):
        if progress:
            progress(name)
        step()
    return report
