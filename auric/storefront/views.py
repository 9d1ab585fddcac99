"""Shopper-facing pages: home, category and search listings, the product page and accounts.

Views are thin: they read request parameters, call selectors and services (catalog search,
pricing, inventory) and render. Every page works without JavaScript; the few scripts only enhance.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from auric.catalog.models import Category, localized
from auric.catalog.search import SORTS, BrowseFilters, BrowseResult, FacetValue, browse
from auric.checkout.events import SESSION_CART_KEY
from auric.checkout.services import merge_guest_cart
from auric.core.cache import CATALOG, cached
from auric.core.errors import ValidationFailed
from auric.core.middleware import strict_policy
from auric.inventory.models import Location
from auric.inventory.selectors import availability_by_location
from auric.pricing.models import PriceChange
from auric.pricing.services import PriceUnavailable, price_breakdown
from auric.storefront import selectors
from auric.storefront.forms import RegistrationForm

PER_PAGE = 24
MAX_QUERY_CHARS = 200
MAX_PARAM_CHARS = 60
# GET parameter → BrowseFilters field, for the filters a shopper can set from a listing.
FILTER_PARAMS = (
    "category",
    "metal",
    "fineness",
    "gem",
    "carat_range",
    "price_range",
    "cert_lab",
    "collection",
    "craft",
    "store",
    "in_stock_online",
)
# Facet name in BrowseResult.facets → (GET parameter, heading), in the order they are shown.
FACETS: tuple[tuple[str, str, Any], ...] = (
    ("category", "category", _("Category")),
    ("metal", "metal", _("Metal")),
    ("fineness", "fineness", _("Fineness")),
    ("gem", "gem", _("Gemstone")),
    ("carat", "carat_range", _("Carat")),
    ("price", "price_range", _("Price")),
    ("cert_lab", "cert_lab", _("Certificate")),
    ("in_stock_online", "in_stock_online", _("Availability")),
    ("store", "store", _("In store")),
)
SORT_LABELS = {
    "relevance": _("Best match"),
    "newest": _("Newest"),
    "price_asc": _("Price: low to high"),
    "price_desc": _("Price: high to low"),
    "popular": _("Most popular"),
}
PRICE_CHANGE_REASONS: dict[str, Any] = {
    PriceChange.Reason.METAL_PRICE: _("Metal price changed"),
    PriceChange.Reason.LABOUR_FEE: _("Labour fee changed"),
    PriceChange.Reason.FIXED_PRICE: _("Price set"),
    PriceChange.Reason.LIST_PRICE: _("List price changed"),
    PriceChange.Reason.FLASH_START: _("Limited-time price started"),
    PriceChange.Reason.FLASH_END: _("Limited-time price ended"),
}
# The product content is cached across shoppers (ADR 0007): its add-to-cart form carries this
# placeholder, replaced per request by the shopper's own CSRF token.
CSRF_PLACEHOLDER = "<!--csrf-->"
MODEL_VIEWER = Path(__file__).parent / "static" / "storefront" / "vendor" / "model-viewer" / "model-viewer.min.js"


@cache
def model_viewer_style_hashes() -> tuple[str, ...]:
    """CSP hashes of the <style> blocks <model-viewer> writes into its shadow root.

    The storefront policy forbids inline style; the vendored web component carries its own
    stylesheet in its template, so the product page allows exactly those bytes, by hash.
    """
    try:
        source = MODEL_VIEWER.read_text(encoding="utf-8")
    except OSError:
        return ()
    blocks = re.findall(r"<style>(.*?)</style>", source, flags=re.DOTALL)
    return tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'" for block in blocks
    )


def csp_with_model_viewer() -> str:
    """The strict policy plus what <model-viewer> needs: its own stylesheet (by hash) and
    WebAssembly compilation ('wasm-unsafe-eval', not JavaScript eval) for its mesh decoders."""
    return strict_policy(script_sources=("'wasm-unsafe-eval'",), style_sources=model_viewer_style_hashes())


# --- home -----------------------------------------------------------------------------------


def _fragment(request: HttpRequest, template: str, context: dict[str, Any]) -> str:
    return render_to_string(template, context, request)


def home(request: HttpRequest) -> HttpResponse:
    content = cached(
        area=CATALOG,
        parts=("home", get_language()),
        build=lambda: _fragment(request, "storefront/_home_content.html", {"page": selectors.home_page()}),
    )
    return render(request, "storefront/home.html", {"content": mark_safe(content)})  # nosec B308, B703 # noqa: S308 (our own render)


# --- listings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    selected: bool
    url: str


@dataclass(frozen=True)
class FacetGroup:
    name: str
    title: str
    links: list[FacetLink]


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    remove_url: str


def _clean_params(request: HttpRequest) -> dict[str, str]:
    params = {}
    for name in FILTER_PARAMS:
        value = request.GET.get(name, "").strip()[:MAX_PARAM_CHARS]
        if value:
            params[name] = value
    return params


def _filters(params: dict[str, str]) -> BrowseFilters:
    values: dict[str, Any] = {k: v for k, v in params.items() if k != "in_stock_online"}
    return BrowseFilters(**values, in_stock_online=params.get("in_stock_online") == "true")


def _url(path: str, params: QueryDict) -> str:
    query = params.urlencode()
    return f"{path}?{query}" if query else path


def _facet_groups(
    request: HttpRequest, result: BrowseResult, params: dict[str, str], category: Category | None
) -> tuple[list[FacetGroup], list[ActiveFilter]]:
    groups: list[FacetGroup] = []
    active: list[ActiveFilter] = []
    base = request.GET.copy()
    base.pop("page", None)
    for facet, param, title in FACETS:
        values: list[FacetValue] = result.facets.get(facet, [])
        if facet == "category":
            # Category pages narrow to subcategories; search offers top level and the chosen branch.
            current = category.slug if category else params.get("category", "")
            values = [v for v in values if v.parent == current or (not category and (not v.parent or v.selected))]
        links = []
        for value in values:
            query = base.copy()
            if facet == "category" and category is not None:
                query.pop("category", None)
                url = _url(reverse("storefront:category", args=[value.value]), query)
            else:
                if value.selected:
                    query.pop(param, None)
                else:
                    query[param] = value.value
                url = _url(request.path, query)
            links.append(FacetLink(value.localized_label, value.count, value.selected, url))
            if value.selected and not (facet == "category" and category is not None):
                removed = base.copy()
                removed.pop(param, None)
                active.append(ActiveFilter(f"{title}: {value.localized_label}", _url(request.path, removed)))
        if links:
            groups.append(FacetGroup(facet, str(title), links))
    return groups, active


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 6 else 1


def _listing(request: HttpRequest, *, category_slug: str = "") -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    parts = ("listing", get_language(), request.path, tuple(sorted(request.GET.lists())))
    built = cached(area=CATALOG, parts=parts, build=lambda: _listing_build(request, category_slug, query))
    if built.get("missing"):
        raise Http404("No such category")
    context = {"heading": built["heading"], "query": query, "content": mark_safe(built["content"])}  # nosec B308, B703 # noqa: S308
    return render(request, "storefront/listing.html", context)


def _listing_build(request: HttpRequest, category_slug: str, query: str) -> dict[str, Any]:
    category = None
    if category_slug:
        category = Category.objects.filter(slug=category_slug).first()
        if category is None:
            return {"missing": True}
    heading = localized(category, "name") if category else ""
    return {"heading": heading, "content": _listing_content(request, category=category, query=query)}


def _listing_content(request: HttpRequest, *, category: Category | None, query: str) -> str:
    params = _clean_params(request)
    if category is not None:
        params["category"] = category.slug
    sort = request.GET.get("sort", "")
    if sort not in SORTS:
        sort = "relevance" if query else "newest"
    notice = ""
    try:
        result = browse(query=query, filters=_filters(params), sort=sort, page=_page_number(request), per_page=PER_PAGE)
    except ValidationFailed:
        # A hand-edited or stale link: show the unfiltered listing rather than an error page.
        notice = str(_("Some filters were not understood and were left out."))
        params = {"category": category.slug} if category else {}
        result = browse(query=query, filters=_filters(params), sort=sort, page=1, per_page=PER_PAGE)
    items = selectors.with_cards(result.items)
    groups, active = _facet_groups(request, result, params, category)
    base = request.GET.copy()
    base.pop("page", None)
    sort_hidden = [(k, v) for k, values in base.lists() if k not in ("sort",) for v in values]

    def page_url(number: int) -> str:
        query = base.copy()
        query["page"] = str(number)
        return _url(request.path, query)

    context = {
        "category": category,
        "query": query,
        "result": result,
        "items": items,
        "facet_groups": groups,
        "active_filters": active,
        "clear_url": _url(request.path, QueryDict(f"q={query}" if query else "", mutable=False)),
        "sort": result.sort,
        "sorts": [(key, SORT_LABELS[key]) for key in SORTS if key != "relevance" or query],
        "sort_hidden": sort_hidden,
        "previous_url": page_url(result.page - 1) if result.page > 1 else "",
        "next_url": page_url(result.page + 1) if result.page < result.pages else "",
        "notice": notice,
        "categories": selectors.top_categories() if category is None and not query else [],
    }
    return _fragment(request, "storefront/_listing_content.html", context)


def category_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _listing(request, category_slug=slug[:MAX_PARAM_CHARS])


def search(request: HttpRequest) -> HttpResponse:
    return _listing(request)


# --- product --------------------------------------------------------------------------------


def product(request: HttpRequest, slug: str) -> HttpResponse:
    piece_serial = request.GET.get("piece", "")[:MAX_PARAM_CHARS]
    built = cached(
        area=CATALOG,
        parts=("product", get_language(), slug, piece_serial),
        build=lambda: _product_content(request, slug=slug, piece_serial=piece_serial),
    )
    if built.get("missing"):
        raise Http404("No such style on sale")
    token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
    content = built["content"].replace(CSRF_PLACEHOLDER, token, 1)
    context = {"content": mark_safe(content), "head": built["head"]}  # nosec B308, B703 # noqa: S308 (our own render)
    response = render(request, "storefront/product.html", context)
    if built["head"]["has_3d"]:
        response["Content-Security-Policy"] = csp_with_model_viewer()
    return response


def _product_content(request: HttpRequest, *, slug: str, piece_serial: str) -> dict[str, Any]:
    page = selectors.product_page(slug=slug, piece_serial=piece_serial)
    if page is None:
        return {"missing": True}
    breakdown = None
    price_missing = False
    if page.selected is not None:
        page.selected.style = page.style  # already loaded; spares pricing a query
        try:
            breakdown = price_breakdown(piece=page.selected)
        except PriceUnavailable:
            price_missing = True
    rows = availability_by_location(style=page.style)
    stores = [r for r in rows if r.location.kind == Location.Kind.STORE and r.total > 0]
    online = sum(r.total for r in rows if r.location.sells_online)
    context = {
        "page": page,
        "style": page.style,
        "selected": page.selected,
        "breakdown": breakdown,
        "price_missing": price_missing,
        "availability": [
            {"city": localized(r.location, "city"), "name": localized(r.location, "name"), "count": r.total}
            for r in stores
        ],
        "online_count": online,
    }
    head = {
        "title": localized(page.style, "title"),
        "description": localized(page.style, "description"),
        "needs_product_js": bool(page.spin_frames) or len(page.pieces) > 1,
        "has_3d": bool(page.models_3d),
    }
    return {"content": _fragment(request, "storefront/_product_content.html", context), "head": head}


# --- accounts -------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        # The guest cart's key survives the session key rotation at login (checkout's login hook
        # usually merged it already; then the key is gone and this does nothing).
        key = self.request.session.get(SESSION_CART_KEY, "")
        response = super().form_valid(form)
        key = self.request.session.pop(SESSION_CART_KEY, "") or key
        if key:
            merge_guest_cart(session_key=key, user=self.request.user)
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "storefront:home"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("storefront:home")


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(_safe_next(request))
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponseRedirect(_safe_next(request))
    return render(request, "registration/register.html", {"form": form, "next": _safe_next(request)})
