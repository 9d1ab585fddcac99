"""The signals the risk engine knows, and how a rule set turns their values into a score and an
outcome. Pure functions: no database, so the arithmetic is tested on its own.

A rule gives a signal a weight, a threshold and (for counts over time) a window in days. A signal
*fires* when its value reaches the threshold (or, for `account_age`, stays below it); a fired signal
adds its weight to the score. The score is compared with the rule set's thresholds:
score ≥ block_at → block, ≥ hold_at → hold, ≥ step_up_at → step-up, else allow. A signal whose value
is unknown (no device id, an IP the database cannot place, a guest with no history) never fires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ORDER = "order"
LOGIN = "login"


@dataclass(frozen=True)
class SignalSpec:
    code: str
    label: str
    subjects: frozenset[str]
    weight: int
    threshold: Decimal
    window_days: int
    help: str
    below: bool = False  # fires when the value is below the threshold (account age)


def _spec(code: str, label: str, subjects: Iterable[str], weight: int, threshold: str, window: int, help: str,
          below: bool = False) -> SignalSpec:  # fmt: skip
    return SignalSpec(code, label, frozenset(subjects), weight, Decimal(threshold), window, help, below)


# The defaults are the seed rule set (migration 0002). Calibrated so that a first order from a new
# account on a new device is allowed (10 + 10 < 40), and the scenario — four address changes in
# a day, a value far above the shopper's history, a new device — is held (≥ 60) but not blocked.
SIGNALS: tuple[SignalSpec, ...] = (
    _spec("address_changes", "Shipping-address changes", [ORDER], 30, "3", 1,
          "Times the account's orders in the window went to another address than the order before (this one included)."),
    _spec("distinct_addresses", "Distinct shipping addresses", [ORDER], 15, "4", 30,
          "Different shipping addresses on the account's orders in the window (this one included)."),
    _spec("account_age", "New account", [ORDER, LOGIN], 10, "7", 0,
          "Account age in days; fires while younger than the threshold. A guest counts as age 0.", below=True),
    _spec("new_device", "New device", [ORDER, LOGIN], 10, "1", 0,
          "1 when the account was never seen on this device (or no device id was sent)."),
    _spec("shared_device", "Many accounts on one device", [ORDER, LOGIN], 25, "3", 30,
          "Accounts seen on this device in the window (this one included): coupon and referral abuse."),
    _spec("ip_region_mismatch", "IP region differs from the shipping region", [ORDER], 10, "1", 0,
          "1 when the offline IP database places the client in another province (or country) than the address."),
    _spec("login_region_new", "Sign-in from a new region", [LOGIN], 10, "1", 90,
          "1 when no earlier sign-in of the account in the window came from this region."),
    _spec("order_velocity", "Order velocity", [ORDER], 15, "3", 1,
          "Orders the account placed in the window (this one included)."),
    _spec("value_vs_history", "Value against the shopper's history", [ORDER], 20, "3", 365,
          "Order total ÷ the larger of the shopper's largest paid order in the window and "
          "AURIC_RISK_VALUE_BASELINE."),
    _spec("failed_payments", "Failed payments", [ORDER], 15, "2", 7,
          "Failed payments of the account in the window."),
    _spec("new_passkey", "New passkey before a big order", [ORDER], 20, "50000", 1,
          "The order total when a passkey was added in the window (else 0); fires at or above the threshold."),
)  # fmt: skip
BY_CODE: dict[str, SignalSpec] = {spec.code: spec for spec in SIGNALS}
DEFAULT_THRESHOLDS = {"step_up_at": 40, "hold_at": 60, "block_at": 150}


@dataclass(frozen=True)
class RuleTerms:
    signal: str
    weight: int
    threshold: Decimal
    window_days: int
    enabled: bool = True


@dataclass(frozen=True)
class Observation:
    """A signal's measured value (None: unknown) and the words a reviewer reads."""

    value: Decimal | None
    detail: str


def plain(number: Decimal) -> str:
    """50000.00 → "50000", 2.50 → "2.5": how a reviewer reads a threshold or a value."""
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class SignalResult:
    signal: str
    label: str
    value: Decimal | None
    threshold: Decimal
    window_days: int
    weight: int
    fired: bool
    points: int
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "label": self.label,
            "value": None if self.value is None else plain(self.value),
            "threshold": plain(self.threshold),
            "window_days": self.window_days,
            "weight": self.weight,
            "fired": self.fired,
            "points": self.points,
            "detail": self.detail,
        }

    def reason(self) -> str:
        comparison = "<" if BY_CODE[self.signal].below else "≥"
        return f"{self.label}: {self.detail} ({comparison} {plain(self.threshold)}) → +{self.points}"


@dataclass(frozen=True)
class Score:
    total: int
    outcome: str
    results: tuple[SignalResult, ...]

    @property
    def reasons(self) -> list[str]:
        return [r.reason() for r in self.results if r.fired]


def fires(spec: SignalSpec, value: Decimal | None, threshold: Decimal) -> bool:
    if value is None:
        return False
    return value < threshold if spec.below else value >= threshold


def outcome_for(total: int, *, step_up_at: int, hold_at: int, block_at: int) -> str:
    if total >= block_at:
        return "block"
    if total >= hold_at:
        return "hold"
    if total >= step_up_at:
        return "step_up"
    return "allow"


def evaluate(
    *,
    subject: str,
    rules: Iterable[RuleTerms],
    observe: Callable[[RuleTerms], Observation],
    step_up_at: int,
    hold_at: int,
    block_at: int,
) -> Score:
    """Score one order or sign-in: every enabled rule of a signal that applies to the subject is
    observed, in the catalogue's order, and recorded whether it fired or not."""
    results = []
    order = {spec.code: i for i, spec in enumerate(SIGNALS)}
    for rule in sorted(rules, key=lambda r: order.get(r.signal, len(order))):
        spec = BY_CODE.get(rule.signal)
        if spec is None or not rule.enabled or subject not in spec.subjects:
            continue
        seen = observe(rule)
        fired = fires(spec, seen.value, rule.threshold)
        results.append(
            SignalResult(
                signal=spec.code,
                label=spec.label,
                value=seen.value,
                threshold=rule.threshold,
                window_days=rule.window_days,
                weight=rule.weight,
                fired=fired,
                points=rule.weight if fired else 0,
                detail=seen.detail,
            )
        )
    total = sum(r.points for r in results)
    return Score(
        total=total,
        outcome=outcome_for(total, step_up_at=step_up_at, hold_at=hold_at, block_at=block_at),
        results=tuple(results),
    )


def default_rules() -> list[RuleTerms]:
    return [RuleTerms(s.code, s.weight, s.threshold, s.window_days) for s in SIGNALS]
