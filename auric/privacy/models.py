"""The personal-data vault's tables. They live in the `vault` database alias, never in the commerce one.

A stored value (`PersonalValue`, reached by its random token) holds no plaintext: its parts are
split across segment tables (identity, contact, address area, street), each row encrypted with
AES-256-GCM under its own random data key, which is kept only wrapped by the key-encryption key.
`BlindIndex` answers exact lookups with keyed HMACs; `RevealLog` records every read and every
refused read; `KeyRotation` records the progress of a re-wrap under a new key-encryption key.
See docs/privacy.md and docs/adr/0008-personal-data-vault.md.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NAME = "name", "Name"
    PHONE = "phone", "Phone"
    EMAIL = "email", "E-mail"
    ADDRESS = "address", "Address"
    TAX_ID = "tax_id", "Tax ID"
    ID_NUMBER = "id_number", "Identity-document number"
    BIRTHDAY = "birthday", "Birthday"
    TOTP_SECRET = "totp_secret", "Authenticator-app secret"


class Purpose(models.TextChoices):
    SHIP_PARCEL = "ship_parcel", _("Ship a parcel")
    HAND_OVER_PICKUP = "hand_over_pickup", _("Hand over a pickup")
    ISSUE_INVOICE = "issue_invoice", _("Issue a tax invoice")
    SEND_NOTIFICATION = "send_notification", _("Send a notification the shopper asked for")
    HANDLE_TICKET = "handle_ticket", _("Handle a service ticket")
    SHOW_OWNER = "show_owner", _("Show the owner their own data")
    VERIFY_IDENTITY = "verify_identity", _("Verify identity for a large transaction")
    VERIFY_SECOND_FACTOR = "verify_second_factor", _("Check a code from your authenticator app")


class Segment(models.TextChoices):
    IDENTITY = "identity", "Identity"
    CONTACT = "contact", "Contact"
    AREA = "area", "Address area"
    STREET = "street", "Street address"


class PersonalValue(models.Model):
    """One stored value: its kind and masked form only. The parts live encrypted in the segments."""

    token = models.CharField(max_length=40, primary_key=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    masked = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.masked}"


class SegmentRow(models.Model):
    """A part of a value under its own data key; the associated data binds it to kind, segment and owner."""

    token = models.CharField(max_length=40, primary_key=True)
    record = models.ForeignKey(PersonalValue, on_delete=models.CASCADE, related_name="+")
    ciphertext = models.BinaryField()
    wrapped_key = models.BinaryField()
    kek_id = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    segment: Segment  # set by each concrete table
    objects = models.Manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.segment} {self.token} of {self.record_id}"


class IdentitySegment(SegmentRow):
    segment = Segment.IDENTITY


class ContactSegment(SegmentRow):
    segment = Segment.CONTACT


class AreaSegment(SegmentRow):
    segment = Segment.AREA


class StreetSegment(SegmentRow):
    segment = Segment.STREET


SEGMENT_MODELS: dict[str, type[SegmentRow]] = {
    Segment.IDENTITY: IdentitySegment,
    Segment.CONTACT: ContactSegment,
    Segment.AREA: AreaSegment,
    Segment.STREET: StreetSegment,
}


class BlindIndex(models.Model):
    """HMAC-SHA256 (its own key) of a normalised value: exact lookups without decrypting anything."""

    kind = models.CharField(max_length=12, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    record = models.ForeignKey(PersonalValue, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["kind", "digest"], name="privacy_blind_kind_digest")]
        constraints = [models.UniqueConstraint(fields=["record", "kind"], name="privacy_blind_one_per_record")]

    def __str__(self) -> str:
        return f"{self.kind} {self.digest[:12]}…"


class RevealLog(models.Model):
    """Every read of a personal value and every refused read: who, in which role, why, when."""

    class Outcome(models.TextChoices):
        REVEALED = "revealed", "Revealed"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed integrity check"
        ERASED = "erased", "Already erased"

    token = models.CharField(max_length=40, db_index=True)
    kind = models.CharField(max_length=12, blank=True)
    purpose = models.CharField(max_length=24)
    actor_label = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.REVEALED)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.purpose} {self.outcome} {self.token}"


class KeyRotation(models.Model):
    """One re-wrap of every data key under a new key-encryption key; re-running resumes it."""

    to_key_id = models.CharField(max_length=64)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    rewrapped = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"rotation to {self.to_key_id}: {self.rewrapped}/{self.total}"
