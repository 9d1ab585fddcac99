"""Domain errors and their problem+json (RFC 9457) form.

Services raise a `DomainError` subclass; the API turns it into `application/problem+json` with the
status, a stable `type`, a human `detail` and, for bad input, `errors` keyed by field. Titles are
written in English and marked with `gettext_noop`; the problem carries them in the request's
language (RFC 9457 lets the title follow content negotiation; `type` and `code` never change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext, gettext_noop

PROBLEM_CONTENT_TYPE = "application/problem+json"


RESERVED_MEMBERS = frozenset({"type", "title", "status", "detail", "errors"})


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = gettext_noop("The request cannot be carried out")

    def __init__(self, detail: str = "", *, errors: Mapping[str, Sequence[str]] | None = None, **extra: Any):
        super().__init__(detail or self.title)
        if clash := RESERVED_MEMBERS & extra.keys():
            raise TypeError(f"Extra problem members may not replace {sorted(clash)}")
        self.detail = detail or self.title
        self.errors = {k: list(v) for k, v in (errors or {}).items()}
        self.extra = extra

    def problem(self) -> dict[str, Any]:
        return problem(self.status, self.code, self.title, self.detail, errors=self.errors, **self.extra)


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"
    title = gettext_noop("Some values are not valid")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = gettext_noop("Not found")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = gettext_noop("The request conflicts with the current state")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    title = gettext_noop("You may not do this")


def problem(
    status: int,
    code: str,
    title: str,
    detail: str = "",
    *,
    errors: Mapping[str, Sequence[str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": f"/problems/{code}", "title": gettext(title), "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = {k: list(v) for k, v in errors.items()}
    body.update(extra)
    return body
