"""Shopper account forms. Registration makes shoppers only: never staff, never superusers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class RegistrationForm(UserCreationForm):
    email = forms.EmailField(label=_("Email (optional)"), required=False)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.is_staff = False
        user.is_superuser = False
        user.preferred_language = (get_language() or "")[:10]
        if commit:
            user.save()
        return user


# The checkout services' field messages (English), as the shopper reads them.
SERVICE_MESSAGES: dict[str, Any] = {
    "Required": _("This field is required."),
    "Not a valid phone number": _("Not a valid phone number"),
    "Six digits": _("Six digits"),
    "Required to ship": _("Enter the delivery address."),
    "Required for pickup": _("Choose a store."),
    "No such store": _("Choose a store."),
    "Unknown coupon": _("No such coupon."),
    "Expired": _("This coupon has expired."),
    "Not valid yet": _("This coupon is not valid yet."),
    "Sign in to use a coupon": _("Log in to use a coupon."),
    "Required for customised pieces": _("Please confirm: customised pieces cannot be returned unless defective."),
    "A company needs its tax number (统一社会信用代码, 15–20 characters)": _(
        "A company invoice needs its tax ID (统一社会信用代码, 15–20 characters)."
    ),
}


class CheckoutForm(forms.Form):
    """The checkout page's fields. Validation of the address, invoice and coupon is the checkout
    services' (their errors are shown on these fields); this form only reads the input."""

    delivery = forms.ChoiceField(
        label=_("Delivery"),
        choices=(("ship", _("Ship to my address")), ("pickup", _("Pick up in a store"))),
        widget=forms.RadioSelect,
        initial="ship",
    )
    name = forms.CharField(label=_("Recipient"), max_length=120, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=30, required=False)
    region = forms.CharField(label=_("Province / region"), max_length=120, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    district = forms.CharField(label=_("District"), max_length=120, required=False)
    street = forms.CharField(label=_("Street and number"), max_length=120, required=False)
    detail = forms.CharField(label=_("Building, floor, room"), max_length=120, required=False)
    postcode = forms.CharField(label=_("Postcode (optional)"), max_length=12, required=False)
    store = forms.IntegerField(label=_("Store"), required=False, min_value=1)
    pickup_phone = forms.CharField(label=_("Contact phone (optional)"), max_length=30, required=False)
    coupon = forms.CharField(label=_("Coupon code"), max_length=40, required=False)
    invoice = forms.ChoiceField(
        label=_("Invoice"),
        choices=(("", _("No invoice")), ("personal", _("Personal")), ("company", _("Company"))),
        widget=forms.RadioSelect,
        required=False,
        initial="",
    )
    invoice_title = forms.CharField(label=_("Invoice title (name or company)"), max_length=200, required=False)
    invoice_tax_id = forms.CharField(label=_("Tax ID (统一社会信用代码)"), max_length=20, required=False)
    invoice_address = forms.CharField(label=_("Company address"), max_length=200, required=False)
    invoice_phone = forms.CharField(label=_("Company phone"), max_length=30, required=False)
    invoice_bank = forms.CharField(label=_("Bank"), max_length=200, required=False)
    invoice_account = forms.CharField(label=_("Bank account"), max_length=40, required=False)
    customised_confirmed = forms.BooleanField(
        label=_("I understand that customised pieces cannot be returned unless defective."), required=False
    )

    ADDRESS_FIELDS = ("name", "phone", "region", "city", "district", "street", "detail", "postcode")

    def address(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(k) or "" for k in self.ADDRESS_FIELDS}

    def invoice_request(self) -> dict[str, str] | None:
        kind = self.cleaned_data.get("invoice") or ""
        if not kind:
            return None
        data = {"kind": kind}
        for key in ("title", "tax_id", "address", "phone", "bank", "account"):
            data[key] = self.cleaned_data.get(f"invoice_{key}") or ""
        return data

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put a service's field errors (`address.city`, `invoice.tax_id`, `coupon`, ...) on our fields."""
        for key, messages in errors.items():
            prefix, _dot, name = key.partition(".")
            field = {
                "address": name,
                "invoice": f"invoice_{name}" if name != "kind" else "invoice",
                "delivery": "store" if name == "store_id" else "delivery",
            }.get(prefix, prefix)
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, str(SERVICE_MESSAGES.get(message, message)))
