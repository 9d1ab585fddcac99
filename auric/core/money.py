"""Money: a Decimal amount with an ISO 4217 currency. Never a float.

Amounts keep full precision through arithmetic; `quantized()` rounds to the currency's minor unit
with ROUND_HALF_UP, the rounding shoppers and tax authorities expect for prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, list_currencies

KNOWN_CURRENCIES = frozenset(list_currencies())


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of a currency: 0.01 for CNY, 1 for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Money never takes a float; pass a Decimal, int or str.")
    try:
        result = value if isinstance(value, Decimal) else Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"Not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"Not a finite amount: {value!r}")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "CNY"

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if self.currency not in KNOWN_CURRENCIES:
            raise ValueError(f"Unknown currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = "CNY") -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"Expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def quantized(self, step: Decimal | None = None) -> Money:
        """Round half up to `step` (default: the currency's minor unit)."""
        return Money(self.amount.quantize(step or minor_unit(self.currency), rounding=ROUND_HALF_UP), self.currency)

    def format(self, locale: str = "zh_CN") -> str:
        return format_currency(self.amount, self.currency, locale=locale)

    def __str__(self) -> str:
        return f"{self.quantized().amount} {self.currency}"


def babel_locale(language_code: str | None) -> str:
    """Django language code (zh-hans, en) to a Babel locale (zh_Hans_CN, en_US)."""
    code = (language_code or "zh-hans").lower()
    if code.startswith("zh"):
        return "zh_Hans_CN"
    if code.startswith("en"):
        return "en_US"
    return code.replace("-", "_")
