"""Accounts: shoppers and staff share one user table; staff rights come from groups.

Personal data beyond the login name moves to the privacy vault (a later step); this table keeps
only what authentication needs.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    preferred_language = models.CharField(max_length=10, blank=True)

    class Meta:
        db_table = "accounts_user"
