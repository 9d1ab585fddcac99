"""Model fields shared across apps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models


def money_field(*, non_negative: bool = True, **kwargs: Any) -> models.DecimalField:
    """An amount with 2 decimal places (the currency lives in its own field)."""
    if non_negative:
        kwargs.setdefault("validators", [MinValueValidator(Decimal("0"))])
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)
