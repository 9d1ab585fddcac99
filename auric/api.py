"""The JSON API: one NinjaAPI at /api/v1 with problem+json errors. Apps contribute routers.

This module also holds what every router shares, so the API reads the same everywhere: the
problem schema and the declared error responses, one pagination shape (`page`, `page_size` →
`count`, `pages`), one ordering parameter name (`ordering`), decimals as strings with a pattern,
and string types that refuse NUL bytes (PostgreSQL rejects them in text). The app routers are
imported when the URLs or the OpenAPI document are first built, so the apps may import this module.
"""

from __future__ import annotations

import json
import logging
import math
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger, render_template
from pydantic import ConfigDict, PlainSerializer, WithJsonSchema

from auric.core.errors import PROBLEM_CONTENT_TYPE, DomainError, problem

logger = logging.getLogger(__name__)

# --- shared types -----------------------------------------------------------------------------

NO_NUL = r"^[^\x00]*$"
MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 24
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


# A decimal in responses: always a JSON string such as "780.00", never a float.
DecimalStr = Annotated[
    Decimal,
    PlainSerializer(_decimal_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["780.00"]}),
]


def text(max_length: int, *, default: str = "", description: str = "") -> Any:
    """A free-text input field: bounded, and NUL bytes refused (422)."""
    return Field(default, max_length=max_length, pattern=NO_NUL, description=description)


class Problem(Schema):
    """RFC 9457 problem details; `errors` maps a field to its messages for bad input."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(..., examples=["/problems/validation_error"])
    title: str
    status: int
    detail: str | None = None
    errors: dict[str, list[str]] | None = None


_ERROR_TEXT = {
    400: "The request is malformed",
    401: "Authentication required",
    403: "Not allowed",
    404: "No such resource",
    409: "Conflicts with the current state",
    422: "Some values are not valid",
}


def errors(*codes: int) -> dict[int, type[Problem]]:
    return {code: Problem for code in codes}


# Every read may meet bad input (400 malformed, 422 invalid); writes add auth and conflicts.
READ_ERRORS = errors(400, 422)
WRITE_ERRORS = errors(400, 401, 403, 409, 422)


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"At most {MAX_PAGE_SIZE}")


class Page(Schema):
    """The one pagination envelope; list schemas extend it with `items`."""

    count: int = Field(..., description="Items over all pages")
    page: int
    page_size: int
    pages: int


def page_of(queryset: QuerySet[Any], query: PageQuery) -> dict[str, Any]:
    """A page of a queryset in the shared envelope. As in catalog browsing, there is always at least
    one page and a page past the end is answered with the last page (the `page` field says which)."""
    count = queryset.count()
    pages = max(1, math.ceil(count / query.page_size))
    page = min(query.page, pages)
    start = (page - 1) * query.page_size
    items = list(queryset[start : start + query.page_size]) if count else []
    return {"items": items, "count": count, "page": page, "page_size": query.page_size, "pages": pages}


# --- the API ------------------------------------------------------------------------------------


class AuricAPI(NinjaAPI):
    _routers_mounted = False

    def mount_routers(self) -> None:
        if self._routers_mounted:
            return
        self._routers_mounted = True
        from auric.accounts.api import router as accounts_router
        from auric.accounts.sms_api import router as sms_router
        from auric.catalog.api import router as catalog_router
        from auric.checkout.api import router as checkout_router
        from auric.inventory.api import router as inventory_router
        from auric.orders.api import router as orders_router
        from auric.payments.api import router as payments_router
        from auric.pricing.api import router as pricing_router
        from auric.privacy.api import router as privacy_router
        from auric.provenance.api import router as provenance_router
        from auric.quality.api import router as quality_router
        from auric.quality.supplier_api import router as supplier_router
        from auric.warranty.api import router as warranty_router
        from auric.warranty.buyback_api import router as buyback_router

        self.add_router("", catalog_router)
        self.add_router("", pricing_router)
        self.add_router("", inventory_router)
        self.add_router("", accounts_router)
        self.add_router("", sms_router)
        self.add_router("", checkout_router)
        self.add_router("", orders_router)
        self.add_router("", payments_router)
        self.add_router("", privacy_router)
        self.add_router("", provenance_router)
        self.add_router("", quality_router)
        self.add_router("", supplier_router)
        self.add_router("", warranty_router)
        self.add_router("", buyback_router)

    @property
    def urls(self) -> Any:
        self.mount_routers()
        return super().urls

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        self.mount_routers()
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        # Errors are served as application/problem+json; say so in the document.
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content")
                    if int(status) >= 400 and content and "application/json" in content:
                        response["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
                        response["description"] = _ERROR_TEXT.get(int(status), response.get("description", ""))
        return schema


class SwaggerWithCsrf(Swagger):
    """Swagger UI from ninja's own static files (no CDN), sending the CSRF token with "Try it out",
    so a logged-in operator can call the write endpoints from the explorer."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "add_csrf": True}
        return render_template(request, self.template, self.template_cdn, context)


api = AuricAPI(
    title="Auric API",
    version="1",
    description=(
        "Catalog, search, metal prices and availability of an Auric shop. Reads are public; writes need "
        "`Authorization: Bearer <token>` (or a browser session with CSRF) and the model permission. "
        "Errors are application/problem+json."
    ),
    urls_namespace="api",
    docs_url="/docs",
    docs=SwaggerWithCsrf(settings={"validatorUrl": None}),  # no call to validator.swagger.io
)


def problem_response(body: dict, status: int) -> HttpResponse:
    return JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def _field_path(loc: list) -> str:
    # ninja locations start with the source ("body", "query", "path"); keep the field path.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(p for p in parts if p not in {"payload", "data", "query", "filters", "paging"}) or "request"


_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem_response(exc.problem(), exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_path(list(error.get("loc", []))), []).append(str(error.get("msg", "invalid")))
    detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
    return problem_response(problem(422, "validation_error", "Some values are not valid", detail, errors=errors), 422)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        problem(401, "unauthenticated", "Authentication required", "Send Authorization: Bearer <token>"), 401
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    code = _CODES.get(status, "http_error")
    return problem_response(problem(status, code, _ERROR_TEXT.get(status, "Request failed"), str(exc.message)), status)


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return problem_response(problem(403, "forbidden", "You may not do this", str(exc) or ""), 403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(problem(404, "not_found", "Not found", str(exc) or "No such resource"), 404)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled API error on %s", request.path)
    return problem_response(problem(500, "server_error", "Something went wrong on our side"), 500)
