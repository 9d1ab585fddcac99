"""The log's static read API (C2SP tlog-tiles) under /log/: checkpoint, hash tiles, entry bundles.

Full tiles and bundles never change, so they are served as immutable for a year: a CDN or a mirror
that copies them (`manage.py export_log_tiles`) can answer every proof without us. Only the
checkpoint changes.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from auric.provenance import selectors, tiles
from auric.provenance.models import LogEntry

IMMUTABLE = "public, max-age=31536000, immutable"


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    latest = selectors.latest_checkpoint()
    if latest is None:
        raise Http404("The log is empty")
    response = HttpResponse(selectors.checkpoint_note(latest), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def policy(request: HttpRequest) -> HttpResponse:
    """The trust policy (C2SP tlog-policy) for the offline verifier and the monitor."""
    response = HttpResponse(selectors.policy_text(), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _tree_size() -> int:
    latest = selectors.latest_checkpoint()
    return latest.size if latest else 0


def tile_bytes(level: int | None, index: int, width: int | None, size: int) -> bytes:
    """A tile's contents in a tree of ``size`` leaves; Http404 when the tree does not have it."""
    level_of_counts = 0 if level is None else level
    full, partial = tiles.tile_counts(size, level_of_counts)
    wanted = width or tiles.TILE_WIDTH
    available = tiles.TILE_WIDTH if index < full else partial if index == full else 0
    if wanted > available:
        raise Http404("No such tile in this tree")
    if level is None:
        first = index * tiles.TILE_WIDTH
        entries = LogEntry.objects.filter(index__gte=first, index__lt=first + wanted).order_by("index")
        return tiles.encode_bundle(bytes(e) for e in entries.values_list("entry", flat=True))
    nodes = tiles.tile_nodes(level, index, wanted)
    stored = selectors.node_hashes(nodes)
    return tiles.encode_hashes([stored[node] for node in nodes])


@require_GET
def tile(request: HttpRequest, path: str) -> HttpResponse:
    try:
        level, index, width = tiles.parse_tile_path(f"tile/{path}")
    except tiles.TileError as error:
        raise Http404(str(error)) from error
    response = HttpResponse(tile_bytes(level, index, width, _tree_size()), content_type="application/octet-stream")
    # A partial tile is superseded by a wider one later; a full tile never changes.
    response["Cache-Control"] = IMMUTABLE if width is None else "public, max-age=60"
    return response
