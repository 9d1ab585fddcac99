"""The benchmark ceiling: the cheapest response Django can give through the full middleware stack."""

from django.http import HttpRequest, HttpResponse


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")
