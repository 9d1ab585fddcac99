"""Back office for orders: a filtered list, a read-only detail page with lines, discounts, totals and
the timeline, and actions that call the order and payment services (never saving the model).

Personal data stays masked; the full address is revealed for shipping only on request, through
`auric.privacy.reveal` (logged), and shown once — with the recipient's name. Store staff (see
`accounts.roles`) see only the pickup orders of their own stores, and may mark them ready for
pickup, show the pickup contact (phone, name — `privacy.access.reveal_pickup_contact`, logged) and
hand them over (pickup code checked); another store's order is refused with a 403 page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter, RelatedDropdownFilter
from unfold.decorators import display

from auric import privacy
from auric.accounts import roles
from auric.core.admin import error_text
from auric.core.errors import DomainError
from auric.core.money import Money
from auric.inventory.admin import StoreScopedAdminMixin
from auric.orders import returns, services
from auric.orders.models import Order
from auric.orders.states import State
from auric.privacy import access
from auric.privacy.vault import RevealRefused, ValueErased
from auric.quality import selectors as quality_selectors

__all__ = ["OrderAdmin", "may_hand_over", "may_reveal_address", "refund_refusal"]

CHANGE_ORDER = "orders.change_order"
ADD_REFUND = "payments.add_refund"


def may_hand_over(user: Any, order: Order) -> bool:
    """Who may mark a pickup order ready and hand it over at the counter: staff with the change
    permission (operators), and store staff — but only for orders picked up at one of their own
    stores (`Location.staff`)."""
    if roles.is_store_scoped(user):
        return (
            order.delivery_method == Order.Delivery.PICKUP
            and order.pickup_location_id is not None
            and order.pickup_location_id in roles.store_location_ids(user)
        )
    return bool(user.has_perm(CHANGE_ORDER))


def may_reveal_address(user: Any) -> bool:
    """Who may reveal a shipping address (purpose ship_parcel, logged by the vault): operators with
    the change permission and customer service; never store-scoped or read-only (auditor) users."""
    if roles.is_store_scoped(user) or roles.is_read_only(user):
        return False
    return bool(user.has_perm(CHANGE_ORDER)) or roles.has_role(user, roles.CUSTOMER_SERVICE)


def refund_refusal(user: Any, amount: Decimal, *, already_refunded: Decimal = Decimal(0)) -> str | None:
    """Why this user may not refund this amount, or None when they may. The limit counts what the
    order was refunded before, so several small refunds cannot add up past it."""
    limit = roles.refund_limit(user)
    if limit is not None and already_refunded + amount > limit:
        return _("Refunds above %(limit)s need an operator.") % {"limit": limit}
    return None


def _to_processing(order: Order, actor: Any) -> None:
    if order.state == State.PAID:
        services.move_order(order=order, to=State.PROCESSING, actor=actor, note="processing")


@admin.register(Order)
class OrderAdmin(StoreScopedAdminMixin, ModelAdmin):
    location_lookups = ("pickup_location",)
    list_display = ("number", "state_label", "delivery_method", "pickup_location", "total", "placed_at")
    list_filter = (
        ("state", ChoicesDropdownFilter),
        "held_for_review",
        ("delivery_method", ChoicesDropdownFilter),
        ("pickup_location", RelatedDropdownFilter),
        ("placed_at", RangeDateFilter),
    )
    list_filter_submit = True
    search_fields = ("number",)
    list_select_related = ("pickup_location",)
    ordering = ("-placed_at", "-id")
    change_form_template = "admin/orders/order/change_form.html"
    fieldsets = (
        (None, {"fields": ("number", "state", "user", "placed_at", "pay_by", "paid_at", "delivered_at")}),
        (
            gettext_lazy("Delivery"),
            {
                "fields": (
                    "delivery_method",
                    "pickup_location",
                    "recipient_masked",
                    "address_masked",
                    "phone_masked",
                    "is_insured",
                    "insured_value",
                    "carrier",
                    "tracking_number",
                    "return_window_ends_at",
                    "closed_at",
                )
            },
        ),
        (
            gettext_lazy("Totals"),
            {"fields": ("currency", "subtotal", "discount_total", "shipping_total", "total", "refunded_total")},
        ),
        (gettext_lazy("Invoice"), {"fields": ("invoice", "customised_confirmed")}),
        (
            gettext_lazy("Review hold"),
            {"fields": ("held_for_review", "hold_reason", "held_at", "hold_released_at", "payment_step_up_required")},
        ),
    )

    @display(
        description=gettext_lazy("State"),
        ordering="state",
        label={
            State.PENDING_PAYMENT: "warning",
            State.PAID: "info",
            State.PROCESSING: "info",
            State.SHIPPED: "info",
            State.READY_FOR_PICKUP: "warning",
            State.DELIVERED: "success",
            State.PICKED_UP: "success",
            State.COMPLETED: "success",
            State.CANCELLED: "",
            State.REFUNDED: "danger",
        },
    )
    def state_label(self, obj: Order) -> tuple[str, str]:
        return obj.state, obj.get_state_display()

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        if roles.is_store_scoped(request.user):
            queryset = queryset.filter(delivery_method=Order.Delivery.PICKUP)
        return queryset

    def get_readonly_fields(self, request: HttpRequest, obj: Order | None = None) -> list[str]:
        return [f.name for f in Order._meta.fields]

    # Orders change only through services (the actions below), never through this form.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    # --- detail page -----------------------------------------------------------------------------

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        order = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if order is not None:
            context.update(self._order_context(request, order))
        return super().change_view(request, object_id, form_url, context)

    def _order_context(self, request: HttpRequest, order: Order) -> dict[str, Any]:
        user = request.user
        may_change = user.has_perm(CHANGE_ORDER) and not roles.is_store_scoped(user)
        at_counter = may_hand_over(user, order)
        is_ship = order.delivery_method == Order.Delivery.SHIP
        state = order.state
        # A held order is not fulfilled (move_order refuses it too); the review queue releases it.
        may_fulfil, at_counter = may_change and not order.held_for_review, at_counter and not order.held_for_review
        lines = list(order.lines.select_related("piece", "variant"))
        piece_ids = [line.piece_id for line in lines if line.piece_id]
        return {
            "order": order,
            "order_lines": lines,
            # Pieces still waiting for their outbound re-check (the order cannot leave before it passes).
            "outbound_gate": settings.AURIC_QC_OUTBOUND_GATE,
            "outbound_missing": set(quality_selectors.pieces_without_outbound_pass(piece_ids, since=order.paid_at))
            if order.paid_at and piece_ids
            else set(piece_ids),
            "order_discounts": list(order.discounts.all()),
            "timeline": list(order.transitions.select_related("actor")),
            "payments": list(order.payments.all()),
            "can_ship": may_fulfil and is_ship and state in (State.PAID, State.PROCESSING),
            "can_deliver": may_change and state == State.SHIPPED,
            "can_ready": at_counter and not is_ship and state in (State.PAID, State.PROCESSING),
            "can_pick_up": at_counter and not is_ship and state == State.READY_FOR_PICKUP,
            "can_cancel": may_change and state == State.PENDING_PAYMENT,
            "can_refund": user.has_perm(ADD_REFUND)
            and not roles.is_store_scoped(user)
            and state in services.PAID_STATES,
            "can_reveal": may_reveal_address(user) and is_ship and bool(order.address_token),
            "can_show_pickup_contact": at_counter
            and not is_ship
            and state in (State.PAID, State.PROCESSING, State.READY_FOR_PICKUP)
            and bool(order.phone_token or order.recipient_token),
            "refundable": order.total - order.refunded_total,
        }

    # --- action URLs -----------------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Callable[..., HttpResponse], name: str) -> Any:
            return path(f"<int:object_id>/{suffix}/", self.admin_site.admin_view(view), name=f"orders_order_{name}")

        return [
            route("ship", self.ship_view, "ship"),
            route("ready", self.ready_view, "ready"),
            route("picked-up", self.picked_up_view, "picked_up"),
            route("delivered", self.delivered_view, "delivered"),
            route("cancel", self.cancel_view, "cancel"),
            route("refund", self.refund_view, "refund"),
            route("reveal-address", self.reveal_address_view, "reveal_address"),
            route("pickup-contact", self.pickup_contact_view, "pickup_contact"),
            route("invoice", self.invoice_view, "invoice"),
            route("packing-slip", self.packing_slip_view, "packing_slip"),
            *super().get_urls(),
        ]

    def _order(self, request: HttpRequest, object_id: int, permission: str | None = CHANGE_ORDER) -> Order:
        """The order for an action; 403 without the permission, or for store staff (who may only
        print and use the counter actions, see `_counter_order`)."""
        if permission and not request.user.has_perm(permission):
            raise PermissionDenied
        if permission and roles.is_store_scoped(request.user):
            raise PermissionDenied
        order = self.get_object(request, str(object_id))  # store scope: 403 for another store's order
        if order is None:
            order = get_object_or_404(Order.objects.none(), pk=object_id)
        return order

    def _counter_order(self, request: HttpRequest, object_id: int) -> Order | HttpResponse:
        """The order for a counter action (ready for pickup, picked up), or a clear 403 page when the
        user may not hand it over: store staff only for the pickup orders of their own stores."""
        order = self._any_order(object_id)
        if may_hand_over(request.user, order):
            return order
        if not roles.is_store_scoped(request.user):
            raise PermissionDenied
        return self._not_your_store(
            request,
            _("Only the staff of this order's pickup store can hand it over at the counter. Nothing was changed."),
        )

    @staticmethod
    def _any_order(object_id: int) -> Order:
        """The order by id, whatever the user's stores (the caller checks them), or 404."""
        order = Order.objects.select_related("pickup_location").filter(pk=object_id).first()
        if order is None:
            order = get_object_or_404(Order.objects.none(), pk=object_id)
        return order

    def _not_your_store(self, request: HttpRequest, message: str) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": _("Not your store's order"),
            "message": message,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/order/refused.html", context, status=403)

    def _detail(self, order: Order) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))

    def _run(self, request: HttpRequest, order: Order, done: str, call: Callable[[], Any]) -> HttpResponseRedirect:
        """Run service calls in one transaction; a DomainError is shown and nothing is changed."""
        try:
            with transaction.atomic():
                call()
        except DomainError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, done)
        return self._detail(order)

    @staticmethod
    def _text(request: HttpRequest, name: str) -> str:
        return str(request.POST.get(name) or "").strip()

    def ship_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        order = self._order(request, object_id)
        if request.method != "POST":
            return self._detail(order)
        carrier, tracking = self._text(request, "carrier"), self._text(request, "tracking_number")
        if not carrier or not tracking:
            messages.error(request, _("Shipping needs a carrier and a tracking number."))
            return self._detail(order)
        if order.delivery_method != Order.Delivery.SHIP:
            messages.error(request, _("This order is picked up in a store, not shipped."))
            return self._detail(order)

        def ship() -> None:
            _to_processing(order, request.user)
            services.move_order(
                order=order,
                to=State.SHIPPED,
                actor=request.user,
                note=f"{carrier} {tracking}",
                carrier=carrier[:40],
                tracking_number=tracking[:60],
            )

        return self._run(request, order, _("Order shipped."), ship)

    def ready_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        order = self._counter_order(request, object_id)
        if not isinstance(order, Order):
            return order
        if request.method != "POST":
            return self._detail(order)
        if order.delivery_method != Order.Delivery.PICKUP:
            messages.error(request, _("This order is shipped, not picked up in a store."))
            return self._detail(order)

        def ready() -> None:
            _to_processing(order, request.user)
            services.move_order(
                order=order,
                to=State.READY_FOR_PICKUP,
                actor=request.user,
                note="ready for pickup",
                pickup_code=order.pickup_code or services.new_pickup_code(),
            )

        return self._run(request, order, _("Order ready for pickup."), ready)

    def picked_up_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        order = self._counter_order(request, object_id)
        if not isinstance(order, Order):
            return order
        if request.method != "POST":
            return self._detail(order)
        code = self._text(request, "pickup_code")
        if not order.pickup_code or not secrets.compare_digest(code.encode(), order.pickup_code.encode()):
            messages.error(request, _("The pickup code does not match; the order was not handed over."))
            return self._detail(order)
        return self._run(
            request,
            order,
            _("Order picked up."),
            lambda: returns.mark_picked_up(order=order, actor=request.user, code=code),
        )

    def delivered_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        order = self._order(request, object_id)
        if request.method != "POST":
            return self._detail(order)
        return self._run(
            request, order, _("Order delivered."), lambda: returns.mark_delivered(order=order, actor=request.user)
        )

    def cancel_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        order = self._order(request, object_id)
        if request.method != "POST":
            return self._detail(order)
        reason = self._text(request, "reason") or "cancelled by staff"
        return self._run(
            request,
            order,
            _("Order cancelled."),
            lambda: services.cancel_order(order=order, actor=request.user, reason=reason[:200]),
        )

    def refund_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        from auric.payments.services import refund_payment

        order = self._order(request, object_id, permission=ADD_REFUND)
        if request.method != "POST":
            return self._detail(order)
        try:
            amount = Decimal(self._text(request, "amount") or "x")
        except InvalidOperation:
            amount = Decimal(0)
        if self._text(request, "full"):
            amount = order.total - order.refunded_total
        reason = self._text(request, "reason")
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")) or not reason:
            messages.error(request, _("A refund needs a positive amount (to the fen) and a reason."))
            return self._detail(order)
        refusal = refund_refusal(request.user, amount, already_refunded=order.refunded_total)
        if refusal:
            messages.error(request, refusal)
            return self._detail(order)
        try:
            refund_payment(order=order, amount=Money(amount, order.currency), reason=reason, actor=request.user)
        except DomainError as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(
                request, _("Refunded %(amount)s %(currency)s.") % {"amount": amount, "currency": order.currency}
            )
        return self._detail(order)

    def reveal_address_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if not may_reveal_address(request.user):
            raise PermissionDenied
        order = self._order(request, object_id, permission=None)
        if request.method != "POST" or not order.address_token:
            return self._detail(order)
        address = privacy.reveal(order.address_token, "ship_parcel", actor=request.user)
        phone = privacy.reveal(order.phone_token, "ship_parcel", actor=request.user) if order.phone_token else ""
        recipient = (
            privacy.reveal(order.recipient_token, "ship_parcel", actor=request.user) if order.recipient_token else ""
        )
        return self._personal_page(
            request,
            order,
            "admin/orders/order/reveal_address.html",
            _("Shipping address of %(number)s") % {"number": order.number},
            address=address,
            phone=phone,
            recipient=recipient,
        )

    def _personal_page(
        self, request: HttpRequest, order: Order, template: str, title: str, **values: Any
    ) -> HttpResponse:
        """A page showing revealed personal data: never stored by a browser or a proxy."""
        context = {**self.admin_site.each_context(request), "title": title, "order": order, "opts": self.model._meta}
        response = TemplateResponse(request, template, {**context, **values})
        response["Cache-Control"] = "no-store"
        return response

    def pickup_contact_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The pickup contact (phone, name) of a pickup order, shown once at the counter. The vault
        decides and logs (`reveal_pickup_contact`): store staff and franchisees only for their own
        stores' orders, operators for any; a refusal is a 403 page and a `refused` log row. A GET
        reveals nothing."""
        order = self._any_order(object_id)
        user = request.user
        refused = _("Only the staff of this order's pickup store can see its pickup contact. Nothing was shown.")
        if request.method != "POST":
            if roles.is_store_scoped(user) and not access.may_reveal_pickup_contact(user, order):
                return self._not_your_store(request, refused)
            return self._detail(order)
        # Store users are left to the vault's check, so their attempt at a shipped order is logged.
        if order.delivery_method != Order.Delivery.PICKUP and not roles.is_store_scoped(user):
            messages.error(request, _("This order is shipped, not picked up in a store: it has no pickup contact."))
            return self._detail(order)
        try:
            contact = access.reveal_pickup_contact(order=order, actor=user)
        except RevealRefused:
            if roles.is_store_scoped(user):
                return self._not_your_store(request, refused)
            raise PermissionDenied from None
        except ValueErased:
            messages.error(request, _("The pickup contact was erased with the shopper's account."))
            return self._detail(order)
        if not (contact.phone or contact.name):
            messages.error(request, _("The shopper left no contact for this pickup order."))
            return self._detail(order)
        return self._personal_page(
            request,
            order,
            "admin/orders/order/pickup_contact.html",
            _("Pickup contact of %(number)s") % {"number": order.number},
            contact=contact,
        )

    def _printable(self, request: HttpRequest, object_id: int, template: str, title: str) -> HttpResponse:
        order = self._order(request, object_id, permission=None)
        context = {
            "title": title,
            "order": order,
            "order_lines": list(order.lines.all()),
            "order_discounts": list(order.discounts.all()),
            "invoice": order.invoice,
            "printed_at": timezone.now(),
        }
        return TemplateResponse(request, template, context)

    def invoice_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._printable(request, object_id, "admin/orders/order/invoice.html", _("Invoice"))

    def packing_slip_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._printable(request, object_id, "admin/orders/order/packing_slip.html", _("Packing slip"))
