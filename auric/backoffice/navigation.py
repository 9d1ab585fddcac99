"""The back-office sidebar (UNFOLD["SIDEBAR"]["navigation"] points here), built per request.

Each link shows only when the user may open it. Links are admin URL names, so this module imports
no other app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _


def _may(*permissions: str) -> Callable[[HttpRequest], bool]:
    def check(request: HttpRequest) -> bool:
        return any(request.user.has_perm(p) for p in permissions)

    return check


def _view(model: str) -> Callable[[HttpRequest], bool]:
    app_label, name = model.split(".")
    return _may(*(f"{app_label}.{action}_{name}" for action in ("view", "change")))


def _item(title: str, icon: str, url_name: str, permission: Callable[[HttpRequest], bool]) -> dict[str, Any]:
    return {"title": title, "icon": icon, "link": reverse(url_name), "permission": permission}


def sidebar_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "title": _("Overview"),
            "items": [_item(_("Dashboard"), "dashboard", "admin:index", lambda request: True)],
        },
        {
            "title": _("Catalog"),
            "collapsible": True,
            "items": [
                _item(_("Styles"), "diamond", "admin:catalog_style_changelist", _view("catalog.style")),
                _item(_("Variants"), "tune", "admin:catalog_variant_changelist", _view("catalog.variant")),
                _item(_("Pieces"), "qr_code_2", "admin:catalog_piece_changelist", _view("catalog.piece")),
                _item(_("Categories"), "account_tree", "admin:catalog_category_changelist", _view("catalog.category")),
                _item(
                    _("Collections"), "collections", "admin:catalog_collection_changelist", _view("catalog.collection")
                ),
                _item(_("Tags"), "sell", "admin:catalog_tag_changelist", _view("catalog.tag")),
            ],
        },
        {
            "title": _("Pricing"),
            "collapsible": True,
            "items": [
                _item(_("Metal prices"), "finance", "admin:pricing_metalprice_changelist", _view("pricing.metalprice")),
                _item(
                    _("Import metal prices (CSV)"),
                    "upload_file",
                    "admin:pricing_metalprice_import",
                    _may("pricing.add_metalprice"),
                ),
                _item(_("Flash prices"), "bolt", "admin:pricing_flashprice_changelist", _view("pricing.flashprice")),
                _item(
                    _("Price changes"), "history", "admin:pricing_pricechange_changelist", _view("pricing.pricechange")
                ),
            ],
        },
        {
            "title": _("Inventory"),
            "collapsible": True,
            "items": [
                _item(
                    _("Piece stock"),
                    "inventory_2",
                    "admin:inventory_piecestock_changelist",
                    _view("inventory.piecestock"),
                ),
                _item(
                    _("Import pieces and stock (CSV)"),
                    "upload_file",
                    "admin:inventory_piecestock_import",
                    _import_pieces_allowed,
                ),
                _item(
                    _("Stock journal"),
                    "receipt_long",
                    "admin:inventory_stockmovement_changelist",
                    _view("inventory.stockmovement"),
                ),
                _item(
                    _("Reservations"),
                    "lock_clock",
                    "admin:inventory_reservation_changelist",
                    _view("inventory.reservation"),
                ),
                _item(
                    _("Transfers"), "local_shipping", "admin:inventory_transfer_changelist", _view("inventory.transfer")
                ),
                _item(
                    _("Quantity stock"),
                    "stacks",
                    "admin:inventory_stocklevel_changelist",
                    _view("inventory.stocklevel"),
                ),
                _item(_("Locations"), "storefront", "admin:inventory_location_changelist", _view("inventory.location")),
                _item(
                    _("Franchises"), "handshake", "admin:inventory_franchise_changelist", _view("inventory.franchise")
                ),
            ],
        },
        {
            "title": _("Orders"),
            "collapsible": True,
            "items": [
                _item(_("Orders"), "receipt", "admin:orders_order_changelist", _view("orders.order")),
                _item(_("Payments"), "payments", "admin:payments_payment_changelist", _view("payments.payment")),
                _item(_("Refunds"), "currency_exchange", "admin:payments_refund_changelist", _view("payments.refund")),
                _item(
                    _("Provider callbacks"),
                    "webhook",
                    "admin:payments_providercallback_changelist",
                    _view("payments.providercallback"),
                ),
            ],
        },
        {
            "title": _("Quality control"),
            "collapsible": True,
            "items": [
                _item(
                    _("Inspection queue"), "qr_code_scanner", "admin:quality_inspection_queue", _may("quality.inspect")
                ),
                _item(
                    _("Inspections"), "fact_check", "admin:quality_inspection_changelist", _view("quality.inspection")
                ),
                _item(_("QC pass rates"), "monitoring", "admin:quality_inspection_stats", _view("quality.inspection")),
                _item(
                    _("Spot-check plans"),
                    "shuffle",
                    "admin:quality_samplingplan_changelist",
                    _view("quality.samplingplan"),
                ),
                _item(_("Tolerances"), "straighten", "admin:quality_tolerance_changelist", _view("quality.tolerance")),
            ],
        },
        {
            "title": _("Suppliers & quality"),
            "collapsible": True,
            "items": [
                _item(_("Suppliers"), "factory", "admin:quality_supplier_changelist", _view("quality.supplier")),
                _item(
                    _("Supplier audits"),
                    "checklist",
                    "admin:quality_supplieraudit_changelist",
                    _view("quality.supplieraudit"),
                ),
                _item(
                    _("Supply receipts"),
                    "move_to_inbox",
                    "admin:quality_supplyreceipt_changelist",
                    _view("quality.supplyreceipt"),
                ),
                _item(
                    _("Supplier claims"),
                    "report",
                    "admin:quality_supplierclaim_changelist",
                    _view("quality.supplierclaim"),
                ),
                _item(
                    _("Required certifications"),
                    "workspace_premium",
                    "admin:quality_requiredcertification_changelist",
                    _view("quality.requiredcertification"),
                ),
                _item(_("Complaints"), "feedback", "admin:quality_complaint_changelist", _view("quality.complaint")),
                _item(
                    _("Monthly elimination"),
                    "trending_down",
                    "admin:quality_eliminationrun_changelist",
                    _view("quality.eliminationrun"),
                ),
                _item(
                    _("Elimination proposals"),
                    "rule",
                    "admin:quality_eliminationresult_changelist",
                    _view("quality.eliminationresult"),
                ),
                _item(
                    _("Elimination policy"),
                    "tune",
                    "admin:quality_eliminationpolicy_changelist",
                    _view("quality.eliminationpolicy"),
                ),
                _item(_("Public quality report"), "public", "storefront:quality_report", lambda request: True),
            ],
        },
        {
            "title": _("Warranty"),
            "collapsible": True,
            "items": [
                _item(
                    _("Service requests"),
                    "build",
                    "admin:warranty_servicerequest_changelist",
                    _view("warranty.servicerequest"),
                ),
                _item(
                    _("Warranty cards"),
                    "verified",
                    "admin:warranty_warrantycard_changelist",
                    _view("warranty.warrantycard"),
                ),
                _item(
                    _("Warranty terms"),
                    "gavel",
                    "admin:warranty_warrantyterms_changelist",
                    _view("warranty.warrantyterms"),
                ),
            ],
        },
        {
            "title": _("System"),
            "collapsible": True,
            "items": [
                _item(_("Users"), "person", "admin:accounts_user_changelist", _view("accounts.user")),
                _item(_("Roles"), "group", "admin:auth_group_changelist", _view("auth.group")),
                _item(_("Audit log"), "policy", "admin:core_auditentry_changelist", _view("core.auditentry")),
                _item(_("Outbox events"), "outbox", "admin:core_outboxevent_changelist", _view("core.outboxevent")),
                _item(_("Handler runs"), "play_circle", "admin:core_handlerrun_changelist", _view("core.handlerrun")),
            ],
        },
    ]


def _import_pieces_allowed(request: HttpRequest) -> bool:
    from auric.accounts.roles import PIECE_IMPORT_PERMISSION, is_store_scoped

    return request.user.has_perm(PIECE_IMPORT_PERMISSION) and not is_store_scoped(request.user)
