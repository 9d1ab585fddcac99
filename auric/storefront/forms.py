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
