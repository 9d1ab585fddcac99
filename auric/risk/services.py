"""Risk use cases: screen an order or a sign-in, publish a new rule-set version, decide a review,
forget the client data of a deleted account.

Screening an order (called by the `orders.OrderPlaced` handler, in-process right after the order
commits): measure every signal, score it with the active rule set, store the decision with its
reasons, then act through the order services — never by writing orders directly:

- allow: nothing;
- step-up: `orders.require_step_up_for_payment` (a guest cannot step up: held instead);
- hold: `orders.hold_order` (payment and fulfilment refused) and a review case opens;
- block: `orders.cancel_order` with the reasons (a paid order cannot be cancelled: held instead).

A deleted account (`accounts.AccountDeleted`) loses its device sightings and the client data of its
decisions (`erase_account_client_data`); scores, outcomes, rule versions and reasons stay for the
audit of past decisions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.core.errors import Conflict, PermissionDenied, ValidationFailed
from auric.core.transactions import service_transaction
from auric.orders import services as orders
from auric.orders.models import Order
from auric.orders.states import State
from auric.risk import context, scoring, selectors
from auric.risk.context import ClientContext
from auric.risk.models import Decision, DeviceSighting, Outcome, ReviewCase, Rule, RuleSet, Subject

logger = logging.getLogger("auric.risk")

ACTOR = "risk engine"
MAX_WEIGHT = 1000
MAX_THRESHOLD = 10_000
SCREENED_STATES = (State.PENDING_PAYMENT, State.PAID)


class ReviewClosed(Conflict):
    code = "review_closed"
    title = "This review was already decided"


class SignInBlocked(PermissionDenied):
    """A sign-in without a session to end (a bearer token about to be issued) that the rules block.
    Same problem as the middleware's answer to a blocked form or passkey sign-in."""

    code = "login_blocked"
    title = gettext_noop("This sign-in was refused")

    def __init__(self) -> None:
        super().__init__("This sign-in looks unsafe and was refused. Contact customer service if it was you.")


@dataclass(frozen=True)
class RuleSpec:
    signal: str
    weight: int
    threshold: Decimal
    window_days: int = 0
    enabled: bool = True


# --- rule sets ------------------------------------------------------------------------------------


def active_rule_set() -> RuleSet:
    """The rule set in force; the seed version when none was ever published."""
    rule_set = RuleSet.objects.filter(is_active=True).first()
    if rule_set is not None:
        return rule_set
    return publish_rule_set(
        rules=[RuleSpec(r.signal, r.weight, r.threshold, r.window_days) for r in scoring.default_rules()],
        note="default rules",
        **scoring.DEFAULT_THRESHOLDS,
    )


def _check_rules(rules: Sequence[RuleSpec], step_up_at: int, hold_at: int, block_at: int) -> None:
    errors: dict[str, list[str]] = {}
    if not 0 < step_up_at <= hold_at <= block_at <= MAX_THRESHOLD:
        errors["thresholds"] = [f"0 < step-up ≤ hold ≤ block ≤ {MAX_THRESHOLD}"]
    seen: set[str] = set()
    for rule in rules:
        if rule.signal not in scoring.BY_CODE:
            errors[f"rules.{rule.signal}"] = ["Unknown signal"]
        elif rule.signal in seen:
            errors[f"rules.{rule.signal}"] = ["Listed twice"]
        seen.add(rule.signal)
        if not 0 <= rule.weight <= MAX_WEIGHT:
            errors[f"rules.{rule.signal}.weight"] = [f"0 to {MAX_WEIGHT}"]
        try:
            if not rule.threshold.is_finite() or rule.threshold < 0 or rule.threshold >= Decimal("1e10"):
                raise InvalidOperation
        except (InvalidOperation, AttributeError):
            errors[f"rules.{rule.signal}.threshold"] = ["A non-negative number below 10 000 000 000"]
        if not 0 <= rule.window_days <= 3650:
            errors[f"rules.{rule.signal}.window_days"] = ["0 to 3650 days"]
    if errors:
        raise ValidationFailed("The rule set is not valid; nothing was changed.", errors=errors)


def publish_rule_set(
    *,
    rules: Sequence[RuleSpec],
    step_up_at: int,
    hold_at: int,
    block_at: int,
    note: str = "",
    actor: Any = None,
) -> RuleSet:
    """Save the rules as the next version and make it the active one; earlier versions stay as they
    were (decisions point at them). Signals left out are not scored by this version."""
    _check_rules(rules, step_up_at, hold_at, block_at)
    with transaction.atomic():
        # Lock the current active row so two publishers queue; the partial unique index backs it up.
        list(RuleSet.objects.select_for_update().filter(is_active=True))
        version = (RuleSet.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        RuleSet.objects.filter(is_active=True).update(is_active=False)
        try:
            with transaction.atomic():
                rule_set = RuleSet.objects.create(
                    version=version,
                    is_active=True,
                    note=note.strip()[:300],
                    step_up_at=step_up_at,
                    hold_at=hold_at,
                    block_at=block_at,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
        except IntegrityError as exc:
            raise Conflict("Another version was published at the same moment; reload and try again.") from exc
        Rule.objects.bulk_create(
            Rule(
                rule_set=rule_set,
                signal=r.signal,
                enabled=r.enabled,
                weight=r.weight,
                threshold=r.threshold,
                window_days=r.window_days,
            )
            for r in rules
        )
    logger.info("risk rule set v%s published by %s", version, getattr(actor, "pk", actor))
    return rule_set


def _active_terms() -> tuple[RuleSet, list[scoring.RuleTerms]]:
    """The rule set in force and its rules, read in one query (the rules with their set joined);
    a set without rules, or none at all, costs the extra reads of `active_rule_set`."""
    rules = list(Rule.objects.filter(rule_set__is_active=True).select_related("rule_set"))
    if rules:
        rule_set = rules[0].rule_set
    else:
        rule_set = active_rule_set()
        rules = list(rule_set.rules.all())
    return rule_set, [scoring.RuleTerms(r.signal, r.weight, r.threshold, r.window_days, r.enabled) for r in rules]


def _thresholds(rule_set: RuleSet) -> dict[str, int]:
    return {"step_up_at": rule_set.step_up_at, "hold_at": rule_set.hold_at, "block_at": rule_set.block_at}


# --- devices --------------------------------------------------------------------------------------


def record_sighting(
    *, user: Any, client: ClientContext | None, now: datetime, sightings: selectors.DeviceSightings | None = None
) -> None:
    """Remember that this account used this device (after scoring, so it is not "known" yet). With
    the sightings the scoring read (same transaction), one query: an insert or an update."""
    device = client.device if client is not None else ""
    if not device or not getattr(user, "is_authenticated", False):
        return
    known = sightings.knows(user) if sightings is not None else None
    if not known:
        DeviceSighting.objects.bulk_create([DeviceSighting(device=device, user=user, first_seen=now, last_seen=now)],
                                           ignore_conflicts=True)  # fmt: skip
        if known is False:
            return
    DeviceSighting.objects.filter(device=device, user=user, last_seen__lt=now).update(
        last_seen=now, times=F("times") + 1
    )


# --- orders ---------------------------------------------------------------------------------------


def screen_order(
    *, order_id: int, client: ClientContext | None, source_event: UUID | None = None, now: datetime | None = None
) -> Decision | None:
    """Score a placed order and act on the outcome (see the module docstring), in one transaction.

    Once per order: a redelivered event, or the payment start that screened it first
    (`screen_before_payment`), gets the first decision. An order that was cancelled (or went further
    than paid) meanwhile is not screened: None."""
    now = now or timezone.now()
    with service_transaction():
        order = Order.objects.select_related("user").select_for_update(of=("self",)).filter(pk=order_id).first()
        if order is None or order.state not in SCREENED_STATES:
            return None
        # Under the order's lock: screened by the event, or by a payment that came first, not both.
        if done := Decision.objects.filter(order=order, subject=Subject.ORDER).first():
            return done
        rule_set, terms = _active_terms()
        reads = selectors.OrderReads.of(order, client)
        score = scoring.evaluate(
            subject=scoring.ORDER,
            rules=terms,
            observe=lambda rule: selectors.observe_order(rule, order=order, client=client, now=now, reads=reads),
            **_thresholds(rule_set),
        )
        outcome, reasons = score.outcome, score.reasons
        if outcome == Outcome.STEP_UP and order.user_id is None:
            outcome = Outcome.HOLD
            reasons.append("A step-up was due, but a guest order has no account to step up: held instead.")
        if outcome == Outcome.BLOCK and order.state != State.PENDING_PAYMENT:
            outcome = Outcome.HOLD
            reasons.append(f"A block was due, but the order is already {order.state}: held instead.")
        if outcome == Outcome.STEP_UP and order.state != State.PENDING_PAYMENT:
            reasons.append("A step-up was due, but the order is already paid: recorded only.")
        decision = Decision.objects.create(
            subject=Subject.ORDER,
            order=order,
            user=order.user,
            rule_set=rule_set,
            score=score.total,
            outcome=outcome,
            signals=[r.as_json() for r in score.results],
            reasons=reasons or ["No signal fired."],
            client=client.stored() if client is not None else {},
            amount=order.total,
            currency=order.currency,
            source_event=source_event,
            decided_at=now,
        )
        record_sighting(user=order.user, client=client, now=now, sightings=reads.sightings)
        _act_on_order(order, decision, now)
    logger.info("risk: order %s scored %s → %s", order.number, decision.score, decision.outcome)
    return decision


@orders.check_before_payment
def screen_before_payment(order: Order) -> bool:
    """A payment never starts before its order was screened: when the OrderPlaced event has not been
    handled yet (it is delivered after the checkout's response, or by a worker), the payment start
    screens the order itself, with its own client. True when it screened (the order may have changed)."""
    if Decision.objects.filter(order=order, subject=Subject.ORDER).exists():
        return False
    return screen_order(order_id=order.pk, client=context.current()) is not None


def _summary(decision: Decision) -> str:
    fired = [s["label"] for s in decision.signals if s["fired"]]
    return f"risk score {decision.score} (rules v{decision.rule_set.version}): {', '.join(fired) or 'no signal'}"


def _act_on_order(order: Order, decision: Decision, now: datetime) -> None:
    if decision.outcome == Outcome.STEP_UP and order.state == State.PENDING_PAYMENT:
        orders.require_step_up_for_payment(order=order)
    elif decision.outcome == Outcome.HOLD:
        review_until = now + timedelta(hours=int(settings.AURIC_RISK_REVIEW_HOURS))
        orders.hold_order(order=order, reason=_summary(decision), actor=ACTOR, review_until=review_until)
        ReviewCase.objects.create(decision=decision, order=order, opened_at=now)
    elif decision.outcome == Outcome.BLOCK:
        orders.cancel_order(order=order, actor=ACTOR, reason=f"blocked: {_summary(decision)}"[:300])


# --- the review queue -----------------------------------------------------------------------------


def _open_case(case: ReviewCase) -> ReviewCase:
    locked = ReviewCase.objects.select_for_update().select_related("order").get(pk=case.pk)
    if locked.state != ReviewCase.State.OPEN:
        raise ReviewClosed(f"This review is already {locked.state}.", state=locked.state)
    return locked


def _note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why in a note.", errors={"note": ["Required"]})
    if len(note) > 2000:
        raise ValidationFailed(errors={"note": ["At most 2000 characters"]})
    return note


def approve_review(*, case: ReviewCase, actor: Any, note: str) -> ReviewCase:
    """The order is fine: the hold is released (an unpaid order gets a fresh payment window)."""
    note = _note(note)
    with transaction.atomic():
        case = _open_case(case)
        orders.release_hold(order=case.order, actor=actor, note=note)
        return _decide(case, ReviewCase.State.APPROVED, actor, note)


def reject_review(*, case: ReviewCase, actor: Any, note: str) -> ReviewCase:
    """The order is fraud: an unpaid order is cancelled (stock and coupon given back). A paid order
    stays held — refund it from the order page; the hold keeps it from being shipped."""
    note = _note(note)
    with transaction.atomic():
        case = _open_case(case)
        if case.order.state == State.PENDING_PAYMENT:
            orders.cancel_order(order=case.order, actor=actor, reason=f"rejected in risk review: {note}"[:300])
        return _decide(case, ReviewCase.State.REJECTED, actor, note)


def _decide(case: ReviewCase, state: str, actor: Any, note: str) -> ReviewCase:
    case.state = state
    case.decided_at = timezone.now()
    case.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    case.note = note
    case.save(update_fields=["state", "decided_at", "decided_by", "note"])
    return case


def close_reviews_of(*, order_id: int, why: str) -> int:
    """The order ended without a review (expired unpaid, cancelled by the shopper): close its case."""
    with transaction.atomic():
        return ReviewCase.objects.filter(order_id=order_id, state=ReviewCase.State.OPEN).update(
            state=ReviewCase.State.CLOSED, decided_at=timezone.now(), note=why[:2000]
        )


# --- sign-ins -------------------------------------------------------------------------------------


def screen_login(*, user: Any, client: ClientContext | None, now: datetime | None = None) -> Decision:
    """Score a sign-in and record the decision. A block asks the middleware to end the session
    (`client.end_session`); step-up and hold are recorded for staff to see (docs/risk.md)."""
    now = now or timezone.now()
    with transaction.atomic():
        rule_set, terms = _active_terms()
        score = scoring.evaluate(
            subject=scoring.LOGIN,
            rules=terms,
            observe=lambda rule: selectors.observe_login(rule, user=user, client=client, now=now),
            **_thresholds(rule_set),
        )
        decision = Decision.objects.create(
            subject=Subject.LOGIN,
            user=user,
            rule_set=rule_set,
            score=score.total,
            outcome=score.outcome,
            signals=[r.as_json() for r in score.results],
            reasons=score.reasons or ["No signal fired."],
            client=client.stored() if client is not None else {},
            decided_at=now,
        )
        record_sighting(user=user, client=client, now=now)
    if decision.outcome == Outcome.BLOCK and client is not None:
        client.end_session = True
    return decision


# --- a deleted account --------------------------------------------------------------------------

# Signals whose sentence says where the client was (the IP's region) or where the order went (its
# masked address); the other signals' sentences hold counts, ages and amounts only.
CLIENT_DETAIL_SIGNALS = frozenset({"ip_region_mismatch", "login_region_new"})
ERASED_DETAIL = "client details erased with the account"
# What a staff note on a deleted account's review case becomes: notes are free text and may name the
# shopper (a call back, a name or number checked), and the order's tax record does not need them.
ERASED_NOTE = "[erased with the account]"
ERASED_CLIENT: dict[str, str] = {**dict.fromkeys(ClientContext().stored(), ""), "erased": "with the account"}
# The states a held order can still be in: its review is needed whoever owned it.
REVIEWABLE_STATES = (State.PENDING_PAYMENT, State.PAID)


@dataclass(frozen=True)
class ErasedClientData:
    sightings_deleted: int
    decisions_stripped: int
    reviews_closed: int
    reviews_left_open: int
    notes_erased: int = 0


def _scrub(text: str, personal: Sequence[str]) -> str:
    for value in personal:
        text = text.replace(value, "…")
    return text


def _strip_client(decision: Decision) -> bool:
    """Replace the decision's client data, and every sentence that repeats it, by ERASED_*; keep the
    score, outcome, rule set, each signal's code, value, threshold, weight and points, and the
    reasons' shape. Whether anything changed (False on a second run)."""
    client = decision.client if isinstance(decision.client, dict) else {}
    values = {v for v in client.values() if isinstance(v, str) and v} - set(ERASED_CLIENT.values())
    personal = sorted(values, key=len, reverse=True)  # longest first: a whole region before a part of it
    renamed: dict[str, str] = {}  # "<label>: <old detail>" → "<label>: <new detail>"
    signals = []
    for signal in decision.signals or []:
        signal = dict(signal)
        detail = str(signal.get("detail", ""))
        erased = ERASED_DETAIL if signal.get("signal") in CLIENT_DETAIL_SIGNALS else _scrub(detail, personal)
        if erased != detail:
            renamed[f"{signal.get('label', '')}: {detail}"] = f"{signal.get('label', '')}: {erased}"
            signal["detail"] = erased
        signals.append(signal)
    reasons = []
    for reason in decision.reasons or []:
        for old, new in renamed.items():
            if reason.startswith(old):
                reason = new + reason[len(old) :]
                break
        reasons.append(_scrub(reason, personal))
    changed = (client, signals, reasons) != (ERASED_CLIENT, decision.signals, decision.reasons)
    decision.client, decision.signals, decision.reasons = dict(ERASED_CLIENT), signals, reasons
    return changed


def erase_account_client_data(*, user_id: int, now: datetime | None = None) -> ErasedClientData:
    """Forget what the engine kept of a deleted account's clients, in one transaction: its device
    sightings go; its decisions (sign-ins and orders) lose their client data (IP network and region,
    device hash, user agent) and the sentences naming its regions or addresses; the staff notes of
    its review cases (free text, which may name the shopper) become `ERASED_NOTE`. Score, outcome,
    rule set, signal codes, values and points, and who decided a review and when, stay, so past
    decisions can still be audited. Open reviews of orders that ended are closed; one of an order
    still payable or paid (which the deletion should have refused) stays open for staff, with a
    warning logged. Running it again changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        sightings_deleted, _ = DeviceSighting.objects.filter(user_id=user_id).delete()
        stripped = []
        decisions = Decision.objects.filter(Q(user_id=user_id) | Q(order__user_id=user_id)).only(
            "pk", "client", "signals", "reasons"
        )
        for decision in decisions.order_by("pk").iterator(chunk_size=500):
            if _strip_client(decision):
                stripped.append(decision)
        Decision.objects.bulk_update(stripped, ["client", "signals", "reasons"], batch_size=500)
        # Staff write the notes of decided (and any noted open) cases; a closed case's note is the
        # system's own reason ("The order was cancelled before the review."), kept.
        notes_erased = (
            ReviewCase.objects.filter(Q(order__user_id=user_id) | Q(decision__user_id=user_id))
            .exclude(state=ReviewCase.State.CLOSED)
            .exclude(note__in=("", ERASED_NOTE))
            .update(note=ERASED_NOTE)
        )
        open_cases = ReviewCase.objects.filter(order__user_id=user_id, state=ReviewCase.State.OPEN)
        left_open = list(open_cases.filter(order__state__in=REVIEWABLE_STATES).values_list("order_id", flat=True))
        closed = open_cases.exclude(order__state__in=REVIEWABLE_STATES).update(
            state=ReviewCase.State.CLOSED, decided_at=now, note="The account was deleted after its order ended."
        )
    if left_open:
        logger.warning("risk: account %s deleted with open reviews of orders %s; left open", user_id, left_open)
    return ErasedClientData(sightings_deleted, len(stripped), closed, len(left_open), notes_erased)
