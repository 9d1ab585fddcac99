"""The benchmark's no-vault baseline table (see auric/demo/plain_privacy.py). Empty outside benchmarks."""

from __future__ import annotations

from django.db import models


class PlainPersonalValue(models.Model):
    """A personal value as a shop without a vault keeps it: readable, in the commerce database."""

    token = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=12)
    masked = models.CharField(max_length=200)
    value = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.masked}"
