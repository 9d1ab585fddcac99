"""Back-office CSV imports run as background jobs with a progress bar.

An upload page hands the file's bytes to `start_job()`, which runs the app's all-or-nothing import
service in a thread with its own database connection and keeps the job's state in the Django cache
under a random job id: `queued` → `running` (with `done`/`total` when the service reports
progress) → `finished` (the report) or `crashed`. The progress page polls a small fragment
(htmx, bundled with the admin theme) until the job ends. With several web processes the cache must
be shared (Redis) so any process can answer the poll; the local-memory default is fine for one.

Setting `AURIC_ADMIN_JOBS_IN_THREAD = False` runs the job inline (tests, and single-threaded
servers that must not start threads).
"""

from __future__ import annotations

import inspect
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

JOB_TTL_SECONDS = 6 * 3600
_KEY = "auric:admin-job:{}"

# The import runs `runner(data=bytes, actor=user, progress=callback)`; progress is optional.
Runner = Callable[..., Any]
Summarise = Callable[[Any], dict[str, Any]]


def _key(job_id: str) -> str:
    return _KEY.format(job_id)


def get_job(job_id: str) -> dict[str, Any] | None:
    try:
        uuid.UUID(job_id)
    except ValueError:
        return None
    return cache.get(_key(job_id))


def _update(job_id: str, **changes: Any) -> None:
    state = cache.get(_key(job_id)) or {}
    state.update(changes)
    cache.set(_key(job_id), state, JOB_TTL_SECONDS)


def start_job(*, kind: str, owner_id: int | None, runner: Runner, summarise: Summarise, data: bytes, actor: Any) -> str:
    """Start an import; returns the job id the progress page polls."""
    job_id = str(uuid.uuid4())
    cache.set(
        _key(job_id),
        {"kind": kind, "owner_id": owner_id, "state": "queued", "done": 0, "total": 0, "bytes": len(data)},
        JOB_TTL_SECONDS,
    )

    def progress(done: int, total: int) -> None:
        _update(job_id, state="running", done=done, total=total)

    def run() -> None:
        _update(job_id, state="running")
        try:
            kwargs: dict[str, Any] = {"data": data, "actor": actor}
            if "progress" in inspect.signature(runner).parameters:
                kwargs["progress"] = progress
            report = runner(**kwargs)
            _update(job_id, state="finished", result=summarise(report))
        except Exception:
            logger.exception("Back-office import %s (%s) crashed", job_id, kind)
            _update(job_id, state="crashed")

    if getattr(settings, "AURIC_ADMIN_JOBS_IN_THREAD", True):
        thread = threading.Thread(target=_in_own_connection(run), name=f"admin-import-{job_id[:8]}", daemon=True)
        thread.start()
    else:
        run()
    return job_id


def _in_own_connection(func: Callable[[], None]) -> Callable[[], None]:
    # A thread gets its own database connection from Django; close it when the job ends.
    def wrapper() -> None:
        close_old_connections()
        try:
            func()
        finally:
            connection.close()

    return wrapper


def percent(job: dict[str, Any]) -> int:
    if job.get("state") == "finished":
        return 100
    total = job.get("total") or 0
    return min(99, int(100 * job.get("done", 0) / total)) if total else 0
