"""The JSON API: one NinjaAPI at /api/v1 with problem+json errors. Apps contribute routers."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from auric.core.errors import PROBLEM_CONTENT_TYPE, DomainError, problem

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Auric API",
    version="1",
    description="Catalog, search, metal prices and availability of an Auric shop.",
    urls_namespace="api",
    docs_url="/docs",
)


def problem_response(body: dict, status: int) -> HttpResponse:
    return JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def _field_path(loc: list) -> str:
    # ninja locations start with the source ("body", "query", "path"); keep the field path.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(p for p in parts if p not in {"payload", "data"}) or "request"


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem_response(exc.problem(), exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_path(list(error.get("loc", []))), []).append(str(error.get("msg", "invalid")))
    return problem_response(problem(422, "validation_error", "Some values are not valid", errors=errors), 422)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(problem(401, "unauthenticated", "Authentication required"), 401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(problem(exc.status_code, "http_error", str(exc.message)), exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(problem(404, "not_found", "Not found", str(exc) or "No such resource"), 404)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error on %s", request.path)
    return problem_response(problem(500, "server_error", "Something went wrong on our side"), 500)
