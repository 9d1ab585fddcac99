"""Shopper pages that change things: add to cart, the cart, checkout and the account's orders.

Thin: the checkout, orders and payments services decide; these views read the form, call them and
show their errors. Every form is a CSRF-protected POST; every page works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auric.accounts import identity, stepup
from auric.catalog.models import Piece
from auric.checkout import services as checkout
from auric.checkout.shipping import DeliveryChoice
from auric.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from auric.orders import returns
from auric.orders import services as orders
from auric.orders.models import Order, ReturnLine, ReturnRequest
from auric.orders.states import TABS, State
from auric.payments import services as payments
from auric.pricing.services import PriceUnavailable
from auric.storefront import shopping
from auric.storefront.forms import CheckoutForm

PAYMENT_PROVIDER = "sandbox"
STATE_LABELS: dict[str, Any] = {
    State.PENDING_PAYMENT: gettext_lazy("Pending payment"),
    State.PAID: gettext_lazy("Paid"),
    State.PROCESSING: gettext_lazy("Processing"),
    State.SHIPPED: gettext_lazy("Shipped"),
    State.READY_FOR_PICKUP: gettext_lazy("Ready for pickup"),
    State.DELIVERED: gettext_lazy("Delivered"),
    State.PICKED_UP: gettext_lazy("Picked up"),
    State.COMPLETED: gettext_lazy("Completed"),
    State.CANCELLED: gettext_lazy("Cancelled"),
    State.REFUNDED: gettext_lazy("Refunded"),
}
# Cart line status → what the shopper reads.
LINE_PROBLEMS: dict[str, Any] = {
    "reserved": lambda: _("Someone is checking out this piece right now"),
    "sold": lambda: _("This piece has been sold"),
    "in_transit": lambda: _("This piece is being moved between stores"),
    "quarantined": lambda: _("This piece is not for sale at the moment"),
    "not_in_stock": lambda: _("This piece is not in stock"),
    "insufficient": lambda: _("Not enough left"),
    "no_price": lambda: _("No price can be worked out now"),
}


def problem_text(status: str) -> str:
    text = LINE_PROBLEMS.get(status)
    return str(text()) if text else ""


# --- cart -----------------------------------------------------------------------------------------
@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("piece_id", "")
    piece = (
        Piece.objects.select_related("style", "stock").filter(pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 12
        else None
    )
    if piece is None:
        raise Http404("No such piece")
    cart = shopping.shopper_cart(request, create=True)
    assert cart is not None
    try:
        checkout.add_piece(cart=cart, piece=piece)
    except NotFound as exc:
        raise Http404("No such piece") from exc
    except Conflict:
        messages.error(request, _("Sorry, piece %(serial)s is no longer available.") % {"serial": piece.serial_number})
    except ValidationFailed:
        messages.error(request, _("Your cart is full."))
    else:
        messages.success(request, _("Piece %(serial)s is in your cart.") % {"serial": piece.serial_number})
    return HttpResponseRedirect(reverse("storefront:cart"))


@require_POST
def cart_remove(request: HttpRequest, line_id: int) -> HttpResponse:
    cart = shopping.shopper_cart(request)
    if cart is None:
        raise Http404("No cart")
    try:
        checkout.remove_line(cart=cart, line_id=line_id)
    except NotFound as exc:
        raise Http404("No such line") from exc
    messages.success(request, _("Removed from your cart."))
    return HttpResponseRedirect(reverse("storefront:cart"))


def _lines(summary: shopping.CartSummary | None) -> list[dict[str, Any]]:
    if summary is None:
        return []
    return [{"view": v, "problem": problem_text(v.status)} for v in summary.lines]


@require_GET
def cart_page(request: HttpRequest) -> HttpResponse:
    cart = shopping.shopper_cart(request)
    summary = shopping.cart_summary(cart) if cart is not None else None
    return render(request, "storefront/cart.html", {"summary": summary, "lines": _lines(summary)})


# --- checkout -------------------------------------------------------------------------------------
def _delivery(form: CheckoutForm) -> DeliveryChoice:
    if form.cleaned_data["delivery"] == "pickup":
        store = form.cleaned_data.get("store")
        if not store:
            raise ValidationFailed(errors={"delivery.store_id": ["Required for pickup"]})
        return DeliveryChoice.pickup(store, contact_phone=form.cleaned_data.get("pickup_phone") or "")
    return DeliveryChoice.ship(form.address())


@login_required
@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest) -> HttpResponse:
    cart = checkout.get_cart(user=request.user)
    assert cart is not None
    form = CheckoutForm(request.POST or None)
    price_changed: dict[str, Any] | None = None
    error = ""
    if request.method == "GET":
        try:
            checkout.start_checkout(cart=cart)  # the price lock starts when the shopper sees the price
        except PriceUnavailable:
            error = _("A price cannot be worked out right now; please try again later.")
    elif form.is_valid() and request.POST.get("action") != "review":
        try:
            delivery = _delivery(form)
            order = orders.place_order(
                cart=cart,
                user=request.user,
                delivery=delivery,
                coupon_code=form.cleaned_data.get("coupon") or "",
                invoice=form.invoice_request(),
                customised_confirmed=form.cleaned_data.get("customised_confirmed") or False,
                actor=request.user,
            )
        except checkout.PriceChanged as exc:
            price_changed = {"old": exc.extra.get("old_total"), "new": exc.extra.get("new_total")}
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
            error = _("Please check the highlighted fields.") if exc.errors else exc.detail
        except Conflict as exc:
            error = _unavailable_text(exc)
        else:
            return _pay(request, order)
    summary = shopping.cart_summary(cart)
    if not summary.lines:
        return HttpResponseRedirect(reverse("storefront:cart"))
    method = (form.data.get("delivery") if form.is_bound else "") or "ship"
    stores = shopping.pickup_stores(summary)
    # The nearest-ready store is chosen until the shopper picks another.
    selected_store = str(form.data.get("store", "")) or (str(stores[0].location.pk) if stores else "")
    context = {
        "form": form,
        "summary": summary,
        "lines": _lines(summary),
        "review": shopping.review(summary, method=method, coupon_code=form.data.get("coupon", "")),
        "stores": stores,
        "selected_store": selected_store,
        "has_customised": any(v.is_customised for v in summary.lines),
        "price_changed": price_changed,
        "error": error,
    }
    return render(request, "storefront/checkout.html", context, status=409 if price_changed else 200)


def _unavailable_text(exc: DomainError) -> str:
    if getattr(exc, "code", "") == "coupon_exhausted":
        return _("This coupon has been used up.")
    if "piece_id" in exc.extra or getattr(exc, "code", "") == "piece_unavailable":
        return _("A piece in your cart was reserved or sold meanwhile. Nothing was ordered; please review your cart.")
    return _("The order could not be placed: %(reason)s") % {"reason": exc.detail}


def _step_up_with_code(request: HttpRequest, required: stepup.StepUpRequired, code: str) -> None:
    """The no-JavaScript path: a code from the authenticator app, posted with the pay form."""
    problem = required.problem()
    stepup.step_up_with_totp(user=request.user, purpose=problem["purpose"], binding=problem["binding"], code=code)  # type: ignore[arg-type]


def _pay(request: HttpRequest, order: Order) -> HttpResponse:
    code = "".join(request.POST.get("totp_code", "").split())[:8]
    try:
        try:
            payment = payments.start_payment(order=order, provider=PAYMENT_PROVIDER, actor=request.user)
        except stepup.StepUpRequired as required:
            if not code or "binding" not in required.extra:
                raise
            _step_up_with_code(request, required, code)
            payment = payments.start_payment(order=order, provider=PAYMENT_PROVIDER, actor=request.user)
    except stepup.StepUpRequired as required:
        return _step_up_page(request, order, required)
    except identity.IdentityVerificationRequired:  # D4: the day's purchases reach the threshold
        next_url = reverse("storefront:order", args=[order.number])
        return HttpResponseRedirect(f"{reverse('storefront:identity')}?{urlencode({'next': next_url})}")
    except stepup.StepUpFailed as failed:
        messages.error(request, _("The confirmation was not accepted: %(reason)s") % {"reason": failed.detail})
        return HttpResponseRedirect(reverse("storefront:order", args=[order.number]))
    except DomainError:
        messages.error(request, _("Payment could not be started; you can pay from your order page."))
        return HttpResponseRedirect(reverse("storefront:order", args=[order.number]))
    return HttpResponseRedirect(payment.redirect_url)


def _step_up_page(request: HttpRequest, order: Order, required: stepup.StepUpRequired) -> HttpResponse:
    context = {
        **stepup.step_up_context(required),
        "order": order,
        "next_action": reverse("storefront:order_pay", args=[order.number]),
    }
    return render(request, "storefront/step_up.html", context, status=403)


# --- account orders -------------------------------------------------------------------------------
TAB_KEYS = tuple(TABS)
TAB_LABELS: dict[str, Any] = {
    "to_pay": lambda: _("To pay"),
    "to_ship": lambda: _("To ship"),
    "to_receive": lambda: _("To receive"),
    "to_review": lambda: _("To review"),
    "after_sales": lambda: _("After-sales"),
}


@login_required
@require_GET
def orders_page(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "")
    tab = tab if tab in TABS else ""
    tabs = [
        {"key": key, "label": TAB_LABELS[key]() if key in TAB_LABELS else TABS[key][0], "selected": key == tab}
        for key in TAB_KEYS
    ]
    orders_list = list(shopping.orders_for(request.user, tab=tab)[:50])
    return render(request, "storefront/orders.html", {"tabs": tabs, "tab": tab, "orders": orders_list})


def _own(request: HttpRequest, number: str) -> Order:
    order = shopping.order_for(request.user, number)
    if order is None:
        raise Http404("No such order")
    return order


@login_required
@require_GET
def order_page(request: HttpRequest, number: str) -> HttpResponse:
    order = _own(request, number)
    context = {
        "order": order,
        "is_pending": order.state == State.PENDING_PAYMENT,
        "show_pickup_code": order.delivery_method == Order.Delivery.PICKUP
        and order.state in (State.READY_FOR_PICKUP, State.PICKED_UP)
        and bool(order.pickup_code),
        **_return_context(order),
    }
    return render(request, "storefront/order.html", context)


# --- returns (R1, R2): the owner asks to send lines back inside the window -------------------------
RETURN_STATE_LABELS: dict[str, Any] = {
    ReturnRequest.State.REQUESTED: gettext_lazy("Return requested"),
    ReturnRequest.State.APPROVED: gettext_lazy("Return approved"),
    ReturnRequest.State.RECEIVED: gettext_lazy("Return received"),
    ReturnRequest.State.REFUNDED: gettext_lazy("Return refunded"),
    ReturnRequest.State.REJECTED: gettext_lazy("Return rejected"),
}
RETURN_REASONS: tuple[tuple[str, Any], ...] = (
    (ReturnLine.Reason.NO_REASON, gettext_lazy("No reason (7-day return)")),
    (ReturnLine.Reason.DEFECTIVE, gettext_lazy("Defective")),
    (ReturnLine.Reason.WRONG_SIZE, gettext_lazy("Wrong size")),
    (ReturnLine.Reason.NOT_AS_DESCRIBED, gettext_lazy("Not as described")),
    (ReturnLine.Reason.OTHER, gettext_lazy("Other")),
)


def _return_context(order: Order) -> dict[str, Any]:
    """The order's returns (with their lines) and the lines that can still be returned now."""
    order_returns = list(order.returns.prefetch_related("lines__order_line"))
    taken = {
        rl.order_line_id
        for r in order_returns
        if r.state in (*ReturnRequest.OPEN_STATES, ReturnRequest.State.REFUNDED)
        for rl in r.lines.all()
    }
    window_open = (
        order.state in returns.RETURNABLE_STATES
        and order.return_window_ends_at is not None
        and timezone.now() <= order.return_window_ends_at
    )
    returnable = [line for line in order.lines.all() if line.pk not in taken] if window_open else []
    return {
        "returns": [{"request": r, "label": RETURN_STATE_LABELS.get(r.state, r.state)} for r in order_returns],
        "returnable_lines": returnable,
        "return_reasons": RETURN_REASONS,
    }


@login_required
@require_POST
def order_return(request: HttpRequest, number: str) -> HttpResponse:
    order = _own(request, number)
    reason = request.POST.get("reason", "")
    line_ids = [int(raw) for raw in request.POST.getlist("line") if raw.isdigit() and len(raw) < 12]
    try:
        returns.request_return(order=order, lines=[(pk, reason) for pk in line_ids], actor=request.user)
    except NotFound as exc:
        raise Http404("No such order") from exc
    except returns.CustomisedNotReturnable:
        messages.error(request, _("Customised pieces can only be returned when defective."))
    except returns.ReturnWindowClosed:
        messages.error(request, _("The return window of this order has closed."))
    except Conflict:
        messages.error(request, _("These pieces cannot be returned now."))
    except ValidationFailed:
        messages.error(request, _("Choose the pieces to return and a reason."))
    else:
        messages.success(request, _("Your return request was sent. We will tell you when it is approved."))
    return HttpResponseRedirect(reverse("storefront:order", args=[order.number]))


@login_required
@require_POST
def order_pay(request: HttpRequest, number: str) -> HttpResponse:
    order = _own(request, number)
    return _pay(request, order)


@login_required
@require_POST
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    order = _own(request, number)
    try:
        orders.cancel_order(order=order, actor=request.user, reason="cancelled by the shopper")
    except Conflict:
        messages.error(request, _("This order can no longer be cancelled."))
    else:
        messages.success(request, _("Your order is cancelled."))
    return HttpResponseRedirect(reverse("storefront:order", args=[order.number]))
