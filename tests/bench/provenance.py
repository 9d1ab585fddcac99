"""Benchmark the provenance log on the benchmark's PostgreSQL; writes a JSON of figures.

    DJANGO_SETTINGS_MODULE=auric.settings DATABASE_URL=… python tests/bench/provenance.py --out FILE

Measured, each beside a baseline from the same run (machines here are noisy; compare ratios):
* appends per second through the whole path — parse, Ed25519 verification, acceptance, sequencing
  in batches, tree nodes, one signed checkpoint per batch — against the bare Ed25519 verification
  rate;
* inclusion-proof latency server-side (the one query and the hashing) at 10k, 100k and 1M entries,
  and consistency-proof latency at 1M, against a one-row primary-key read;
* bytes per entry (entries, tree nodes and checkpoints on disk, indexes included).

The 100k and 1M trees are grown from synthetic leaf hashes written straight into the node table
(a real statement's leaf is a hash like any other; building a million signed statements would
measure the signer, not the log). The log's tables are emptied before and after (TRUNCATE).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auric.settings")

import django

django.setup()

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from rich.progress import Progress  # noqa: E402

from auric.provenance import selectors, services, tlog  # noqa: E402
from auric.provenance.append_only import APPEND_ONLY_TABLES  # noqa: E402
from auric.provenance.models import LEVEL_SHIFT, LogHead  # noqa: E402
from auric.provenance.statements import public_key_bytes, sign_statement, statement  # noqa: E402

TABLES = (*APPEND_ONLY_TABLES, "provenance_pendingentry", "provenance_loghead", "provenance_partykey")


def empty_log() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)}, provenance_party, provenance_piecerecord CASCADE")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def appends(count: int, batch: int) -> dict[str, float]:
    lab = Ed25519PrivateKey.generate()
    services.register_party(party_id="lab.bench", kind="lab", name="Bench lab", public_key=public_key_bytes(lab))
    services.integrate_all()
    now = timezone.now()
    entries = [
        sign_statement(
            statement(
                "certificate.issued",
                piece=f"pc_{number:020x}",
                party="lab.bench",
                data={"lab": "NGTC", "report": f"B{number:09d}", "grades": {"colour": "D", "clarity": "VS1"}},
                time=now,
            ),
            lab,
        ).entry_bytes()
        for number in range(count)
    ]
    # Baseline: the bare Ed25519 verification of the same statements.
    public = lab.public_key()
    from auric.provenance.statements import parse_entry, signing_message

    parsed = [parse_entry(entry) for entry in entries[:2000]]
    started = time.perf_counter()
    for item in parsed:
        public.verify(item.signature, signing_message(item.statement))
    verify_rate = len(parsed) / (time.perf_counter() - started)

    # Requests of `batch` entries; the sequencer runs once a sequencer batch has arrived (as
    # `sequence_log --loop` would under this load) and at the end.
    accepting = sequencing = 0.0
    every = max(1, settings.AURIC_PROVENANCE_BATCH // batch)
    for number, offset in enumerate(range(0, count, batch), start=1):
        started = time.perf_counter()
        services.accept_entries(entries[offset : offset + batch])
        accepting += time.perf_counter() - started
        if number % every == 0 or offset + batch >= count:
            started = time.perf_counter()
            services.integrate_all(limit=settings.AURIC_PROVENANCE_BATCH)
            sequencing += time.perf_counter() - started
    elapsed = accepting + sequencing
    return {
        "entries": count,
        "batch": batch,
        "appends_per_s": count / elapsed,
        "verify_per_s": verify_rate,
        "accept_us": accepting / count * 1e6,
        "sequence_us": sequencing / count * 1e6,
    }


def bytes_per_entry() -> float:
    size = LogHead.objects.get().size
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(pg_total_relation_size(c)) FROM unnest(%s::regclass[]) AS c",
            [["provenance_logentry", "provenance_treenode", "provenance_checkpoint"]],
        )
        (total,) = cursor.fetchone()
    return float(total) / size


def grow_synthetic(to_size: int, progress: Progress) -> None:
    """Extend the stored tree with synthetic leaves (COPY), as the sequencer would."""
    head = LogHead.objects.get()
    size = head.size
    edge = selectors.node_hashes(tlog.edge_nodes(size))
    task = progress.add_task(f"growing the tree to {to_size:,}", total=to_size - size)
    while size < to_size:
        step = min(50_000, to_size - size)
        leaves = [tlog.leaf_hash(os.urandom(16)) for _ in range(step)]
        created = tlog.new_nodes(size, leaves, edge.__getitem__)
        buffer = io.StringIO()
        for (level, index), digest in created.items():
            buffer.write(f"{(level << LEVEL_SHIFT) | index}\t\\\\x{digest.hex()}\n")
        with (
            connection.cursor() as cursor,
            cursor.connection.cursor().copy("COPY provenance_treenode (key, hash) FROM STDIN") as copy,
        ):
            copy.write(buffer.getvalue())
        size += step
        edge = {node: ({**edge, **created})[node] for node in tlog.edge_nodes(size)}
        progress.advance(task, step)
    root = tlog.hash_of_range(tlog.root_nodes(size), edge)
    LogHead.objects.filter(pk=head.pk).update(size=size, root=root)


def proof_latency(size: int, samples: int) -> dict[str, float]:
    rng = random.Random(size)
    timings = []
    for _ in range(samples):
        index = rng.randrange(size)
        started = time.perf_counter()
        selectors.inclusion_proof(index, size)
        timings.append((time.perf_counter() - started) * 1000)
    return {"size": size, "p50_ms": statistics.median(timings), "p95_ms": percentile(timings, 0.95)}


def consistency_latency(size: int, samples: int) -> dict[str, float]:
    rng = random.Random(-size)
    timings = []
    for _ in range(samples):
        old = rng.randrange(1, size)
        started = time.perf_counter()
        selectors.consistency_proof(old, size)
        timings.append((time.perf_counter() - started) * 1000)
    return {"size": size, "p50_ms": statistics.median(timings), "p95_ms": percentile(timings, 0.95)}


def row_read_latency(samples: int) -> float:
    """Baseline: one primary-key read of a tree node through the same ORM path."""
    from auric.provenance.models import TreeNode

    keys = list(TreeNode.objects.values_list("key", flat=True)[:samples])
    timings = []
    for key in keys:
        started = time.perf_counter()
        TreeNode.objects.filter(key=key).values_list("hash", flat=True).first()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--appends", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="entries per submission request")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("the provenance benchmark runs on PostgreSQL (DATABASE_URL)")
    results: dict[str, object] = {}
    empty_log()
    try:
        with override_settings(AURIC_PROVENANCE_SEQUENCE_ON_COMMIT=False):
            print(f"appending {args.appends:,} signed statements…", flush=True)
            results["appends"] = appends(args.appends, args.batch)
            results["bytes_per_entry"] = bytes_per_entry()
            results["row_read_ms"] = row_read_latency(500)
            sizes = [int(s) for s in args.sizes.split(",")]
            results["inclusion"] = []
            with Progress() as progress:
                for size in sizes:
                    if LogHead.objects.get().size < size:
                        grow_synthetic(size, progress)
                    results["inclusion"].append(proof_latency(size, args.samples))  # type: ignore[attr-defined]
            results["consistency"] = consistency_latency(sizes[-1], args.samples)
    finally:
        empty_log()
    results["date"] = timezone.now().isoformat()
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
