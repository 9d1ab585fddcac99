"""Health probes and error pages."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from auric.core.errors import PROBLEM_CONTENT_TYPE, problem


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches no database."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means not ready
        return JsonResponse({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _wants_problem(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _wants_problem(request):
        return JsonResponse(
            problem(404, "not_found", "Not found", f"No resource at {request.path}"),
            status=404,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_problem(request):
        return JsonResponse(
            problem(500, "server_error", "Something went wrong on our side"),
            status=500,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    # No context processors: the failure may be in them.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
