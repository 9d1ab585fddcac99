"""Delivery: address validation, shipping fee rules and pickup lead time. No database writes.

Fee rules (settings, all amounts in the order currency):
- pickup in a store: free;
- ship: `AURIC_SHIPPING_FEE`, free when the goods value after discounts is at least
  `AURIC_FREE_SHIPPING_THRESHOLD`; parcels whose goods value is at least
  `AURIC_INSURED_SHIPPING_THRESHOLD` ship insured and add `AURIC_INSURED_SHIPPING_FEE`
  (insurance is charged even when the base fee is waived).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from auric.core.errors import ValidationFailed

CN_REQUIRED = ("name", "phone", "region", "city", "district", "street")
OTHER_REQUIRED = ("name", "phone", "country", "city", "street")
ADDRESS_FIELDS = ("name", "phone", "country", "region", "city", "district", "street", "detail", "postcode")
CN_MOBILE = re.compile(r"^(\+?86)?1[3-9]\d{9}$")
CN_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
INTERNATIONAL_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
CN_POSTCODE = re.compile(r"^\d{6}$")
OTHER_POSTCODE = re.compile(r"^[A-Za-z0-9 -]{2,12}$")
MAX_PART = 120


@dataclass(frozen=True)
class DeliveryChoice:
    """How the order reaches the shopper: `ship` with an address, or `pickup` at a store."""

    method: str  # "ship" | "pickup"
    address: dict[str, str] = field(default_factory=dict)
    store_id: int | None = None
    contact_phone: str = ""

    @classmethod
    def ship(cls, address: dict[str, Any]) -> DeliveryChoice:
        return cls(method="ship", address=clean_address(address))

    @classmethod
    def pickup(cls, store_id: int, contact_phone: str = "") -> DeliveryChoice:
        return cls(method="pickup", store_id=store_id, contact_phone=contact_phone)


@dataclass(frozen=True)
class ShippingQuote:
    fee: Decimal
    base_fee: Decimal
    insurance_fee: Decimal
    insured: bool


def _amount(name: str) -> Decimal:
    return Decimal(str(getattr(settings, name)))


def clean_address(raw: dict[str, Any]) -> dict[str, str]:
    """Chinese addresses need region (province) / city / district / street; others their own
    fields (country, city, street; region and postcode as their format has them)."""
    if not isinstance(raw, dict):
        raise ValidationFailed(errors={"address": ["An address is a set of named parts"]})
    address = {k: str(raw.get(k) or "").strip() for k in ADDRESS_FIELDS}
    address["country"] = (address["country"] or "CN").upper()
    errors: dict[str, list[str]] = {}
    for key, value in address.items():
        if len(value) > MAX_PART or "\x00" in value:
            errors[f"address.{key}"] = [f"At most {MAX_PART} characters"]
    is_cn = address["country"] == "CN"
    for key in CN_REQUIRED if is_cn else OTHER_REQUIRED:
        if not address[key]:
            errors.setdefault(f"address.{key}", []).append("Required")
    phone = re.sub(r"\s", "", address["phone"])
    if phone:
        ok = (CN_MOBILE.match(phone) or CN_LANDLINE.match(phone)) if is_cn else INTERNATIONAL_PHONE.match(phone)
        if not ok:
            errors.setdefault("address.phone", []).append("Not a valid phone number")
    postcode = address["postcode"]
    if postcode and not (CN_POSTCODE if is_cn else OTHER_POSTCODE).match(postcode):
        errors.setdefault("address.postcode", []).append("Six digits" if is_cn else "Not a valid postcode")
    if not re.fullmatch(r"[A-Z]{2}", address["country"]):
        errors.setdefault("address.country", []).append("An ISO 3166 two-letter code")
    if errors:
        raise ValidationFailed("The address is incomplete or not valid.", errors=errors)
    address["phone"] = phone
    return {k: v for k, v in address.items() if v}


def shipping_quote(*, method: str, goods_value: Decimal) -> ShippingQuote:
    zero = Decimal("0.00")
    if method == "pickup":
        return ShippingQuote(fee=zero, base_fee=zero, insurance_fee=zero, insured=False)
    base = zero if goods_value >= _amount("AURIC_FREE_SHIPPING_THRESHOLD") else _amount("AURIC_SHIPPING_FEE")
    insured = goods_value >= _amount("AURIC_INSURED_SHIPPING_THRESHOLD")
    insurance = _amount("AURIC_INSURED_SHIPPING_FEE") if insured else zero
    return ShippingQuote(fee=base + insurance, base_fee=base, insurance_fee=insurance, insured=insured)
