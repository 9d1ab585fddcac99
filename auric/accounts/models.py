"""Accounts: shoppers and staff share one user table; staff rights come from groups. Apps and
scripts call the API with personal bearer tokens (`ApiToken`).

Personal data beyond the login name moves to the privacy vault (a later step); this table keeps
only what authentication needs.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    preferred_language = models.CharField(max_length=10, blank=True)

    class Meta:
        db_table = "accounts_user"


class ApiToken(models.Model):
    """A bearer token for apps and scripts, acting as its user.

    Only a short prefix (to find the row) and the SHA-256 of the secret are stored; the secret is
    shown once, when `accounts.services.issue_api_token` creates it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    key_prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
