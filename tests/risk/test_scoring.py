"""The arithmetic of a score, without the database."""

from __future__ import annotations

from decimal import Decimal

from auric.risk import scoring
from auric.risk.scoring import Observation, RuleTerms

THRESHOLDS = {"step_up_at": 40, "hold_at": 60, "block_at": 150}


def _score(values: dict[str, Decimal | None], rules: list[RuleTerms] | None = None, subject: str = "order"):
    return scoring.evaluate(
        subject=subject,
        rules=rules or scoring.default_rules(),
        observe=lambda rule: Observation(values.get(rule.signal), f"observed {values.get(rule.signal)}"),
        **THRESHOLDS,
    )


def test_outcomes_follow_the_thresholds():
    assert scoring.outcome_for(39, **THRESHOLDS) == "allow"
    assert scoring.outcome_for(40, **THRESHOLDS) == "step_up"
    assert scoring.outcome_for(60, **THRESHOLDS) == "hold"
    assert scoring.outcome_for(150, **THRESHOLDS) == "block"


def test_a_fired_signal_adds_its_weight_and_says_why():
    # given four address changes against a threshold of three
    score = _score({"address_changes": Decimal(4)})

    # then it adds its weight, and the reason names value, threshold and points
    fired = [r for r in score.results if r.fired]
    assert [(r.signal, r.points) for r in fired] == [("address_changes", 30)]
    assert score.total == 30
    assert score.reasons == ["Shipping-address changes: observed 4 (≥ 3) → +30"]


def test_account_age_fires_below_its_threshold():
    young, old = _score({"account_age": Decimal(2)}), _score({"account_age": Decimal(30)})

    assert young.total == 10 and "(< 7)" in young.reasons[0]
    assert old.total == 0


def test_an_unknown_value_never_fires_but_is_recorded():
    score = _score({})

    assert score.total == 0 and score.outcome == "allow"
    assert {r.signal for r in score.results} == {s.code for s in scoring.SIGNALS if "order" in s.subjects}
    assert all(r.value is None and not r.fired for r in score.results)


def test_disabled_rules_and_other_subjects_are_not_scored():
    rules = [
        RuleTerms("address_changes", 30, Decimal(3), 1, enabled=False),
        RuleTerms("login_region_new", 10, Decimal(1), 90),
    ]

    score = _score({"address_changes": Decimal(9), "login_region_new": Decimal(1)}, rules=rules)

    assert score.results == ()


def test_a_first_order_from_a_new_account_on_a_new_device_is_allowed():
    # the calibration the defaults promise (scoring module docstring)
    score = _score({"account_age": Decimal(0), "new_device": Decimal(1)})

    assert score.total == 20 and score.outcome == "allow"
