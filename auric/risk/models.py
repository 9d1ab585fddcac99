"""Risk: versioned rule sets, the decisions they made (with every reason), the review queue, and the
devices seen per account.

A rule set is never edited in place: the back office saves each edit as a new version and makes it
the active one (`services.publish_rule_set`), so every decision names the exact rules that made it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from auric.core.fields import money_field


class Subject(models.TextChoices):
    ORDER = "order", "Order"
    LOGIN = "login", "Sign-in"


class Outcome(models.TextChoices):
    ALLOW = "allow", "Allow"
    STEP_UP = "step_up", "Require step-up"
    HOLD = "hold", "Hold for review"
    BLOCK = "block", "Block"


class RuleSet(models.Model):
    """One version of the rules: a weight per signal and the score thresholds of each outcome."""

    version = models.PositiveIntegerField(unique=True)
    is_active = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True, help_text="What changed and why")
    step_up_at = models.PositiveIntegerField(help_text="A score at or above this requires a step-up")
    hold_at = models.PositiveIntegerField(help_text="A score at or above this holds the order for review")
    block_at = models.PositiveIntegerField(help_text="A score at or above this blocks (cancels the order)")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = "rule set"
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_rule_set"
            ),
            models.CheckConstraint(
                condition=models.Q(step_up_at__lte=models.F("hold_at"), hold_at__lte=models.F("block_at")),
                name="rule_set_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}{' (active)' if self.is_active else ''}"


class Rule(models.Model):
    """How much one signal weighs in a version, and when it fires (see `scoring.SIGNALS`)."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    signal = models.CharField(max_length=40)
    enabled = models.BooleanField(default=True)
    weight = models.PositiveIntegerField(help_text="Points added when the signal fires")
    threshold = models.DecimalField(max_digits=12, decimal_places=2, help_text="Fires at or above this value")
    window_days = models.PositiveIntegerField(default=0, help_text="How far back it looks (0: not applicable)")

    class Meta:
        ordering = ["rule_set", "id"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "signal"], name="one_rule_per_signal")]

    def __str__(self) -> str:
        return f"{self.signal} ×{self.weight}"


class Decision(models.Model):
    """A score and what it led to, with the reasons: every signal's value, weight and points."""

    subject = models.CharField(max_length=10, choices=Subject.choices)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="risk_decisions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="risk_decisions"
    )
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="decisions")
    score = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # [{"signal", "label", "value", "threshold", "window_days", "weight", "fired", "points", "detail"}]
    signals = models.JSONField(default=list)
    reasons = models.JSONField(default=list, help_text="One sentence per fired signal, and any escalation")
    # What is kept of the client: IP network (/24), IP region, device hash, user agent (truncated).
    client = models.JSONField(default=dict, blank=True)
    amount = money_field(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # The outbox event that asked for it: a redelivered event finds this decision and changes nothing.
    source_event = models.UUIDField(null=True, blank=True, unique=True)
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["subject", "outcome", "decided_at"])]

    def __str__(self) -> str:
        target = f"order {self.order_id}" if self.order_id else f"sign-in of {self.user_id}"
        return f"{target}: {self.score} → {self.outcome}"


class ReviewCase(models.Model):
    """A held order waiting for a person: approve (release the hold) or reject (cancel), with a note."""

    class State(models.TextChoices):
        OPEN = "open", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CLOSED = "closed", "Closed (order ended meanwhile)"

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="review")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="risk_reviews")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    opened_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = "review case"
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(state="open"), name="one_open_review_per_order"
            )
        ]
        permissions = [("decide_reviewcase", "Can approve or reject held orders")]

    def __str__(self) -> str:
        return f"review of order {self.order_id} ({self.state})"

    @property
    def time_in_queue(self) -> timedelta:
        return (self.decided_at or timezone.now()) - self.opened_at


class DeviceSighting(models.Model):
    """An account seen on a device (at sign-in or checkout): new devices, many accounts on one device."""

    device = models.CharField(max_length=32, help_text="Keyed hash of the device id")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    times = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "user"], name="one_sighting_per_device_and_user")]
        indexes = [models.Index(fields=["user", "device"])]

    def __str__(self) -> str:
        return f"{self.device[:8]}… / {self.user_id}"
