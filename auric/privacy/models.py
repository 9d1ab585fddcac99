"""Personal values behind tokens.

Commerce tables keep a token and a masked form; the value itself lives here and is read only
through `privacy.reveal(token, purpose)`, which logs every read. The security work turns this table
into a separate, encrypted, segmented vault behind the same interface.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    NAME = "name", "Name"
    PHONE = "phone", "Phone"
    EMAIL = "email", "E-mail"
    ADDRESS = "address", "Address"
    TAX_ID = "tax_id", "Tax ID"


class Purpose(models.TextChoices):
    SHIP_PARCEL = "ship_parcel", "Ship a parcel"
    HAND_OVER_PICKUP = "hand_over_pickup", "Hand over a pickup"
    ISSUE_INVOICE = "issue_invoice", "Issue a tax invoice"
    SEND_NOTIFICATION = "send_notification", "Send a notification the shopper asked for"
    HANDLE_TICKET = "handle_ticket", "Handle a service ticket"
    SHOW_OWNER = "show_owner", "Show the owner their own data"


class PersonalValue(models.Model):
    token = models.CharField(max_length=40, primary_key=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = models.JSONField()
    masked = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} {self.masked}"


class RevealLog(models.Model):
    """Every read of a personal value: who, why, when."""

    token = models.CharField(max_length=40, db_index=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    purpose = models.CharField(max_length=24, choices=Purpose.choices)
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.purpose} {self.token}"
