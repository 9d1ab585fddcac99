""" "Fake one, pay ten" (假一赔十): the holder claims a piece is not as certified; an independent re-test
at another store (a CLAIM-gate inspection, dual readings) or a third-party report confirmed by staff
decides it, once; an upheld claim pays ten times the price — what the order paid through the
refund path, the rest as a payout — and every step is in the piece's history without a person."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from auric.accounts import roles
from auric.core.errors import PermissionDenied, ValidationFailed
from auric.orders.models import Order
from auric.orders.services import place_order
from auric.payments.models import Refund
from auric.payments.services import start_payment
from auric.payments.webhooks import deliver_sandbox_callback
from auric.quality.models import Gate
from auric.warranty import claims
from auric.warranty.models import GuaranteeClaim, Payout, TermsEntitlement, WarrantyTerms
from auric.warranty.terms import seed_default_terms
from tests.checkout.conftest import other_store, stocked_piece  # noqa: F401
from tests.warranty.support import log_text, logged
from tests.warranty.trade import inspected, operator, staff_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def bought(shopper, store, cart_of, ship, django_capture_on_commit_callbacks, settings):
    """A 足金 ring of 5.000 g bought for 300.00 at the store and paid through the sandbox provider."""
    settings.AURIC_SANDBOX_PAYMENTS = True
    seed_default_terms(WarrantyTerms, TermsEntitlement)
    ring = stocked_piece(store, fixed_price="300.00", weight="5.000")
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(cart=cart_of(shopper, ring), user=shopper, delivery=ship)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_sandbox_callback(payment=start_payment(order=order, provider="sandbox"), status="succeeded")
    order.refresh_from_db()
    assert order.state == "paid"
    return order, ring


@pytest.fixture
def lab(other_store):  # noqa: F811
    """Inspectors at another store than the one that sold the ring: the independent re-test."""
    return other_store, (
        staff_at(other_store, "lab-wang", roles.QC_INSPECTOR),
        staff_at(other_store, "lab-li", roles.QC_INSPECTOR),
    )


@pytest.fixture
def claims_staff(db):
    return operator("claims-ops")


def file(shopper, ring, **changes):
    return claims.file_claim(user=shopper, piece=ring, **{"ground": "fineness", "detail": "成色不足", **changes})


def retest(claim, lab, *, fineness):
    station, inspectors = lab
    return inspected(claim.piece, station, inspectors, gate=Gate.CLAIM, weight="5.003", fineness=fineness)


def test_the_holder_files_a_claim_and_the_log_shows_it_without_personal_data(bought, shopper):
    _, ring = bought

    claim = file(shopper, ring)

    assert (claim.state, claim.price_paid, claim.currency) == ("filed", Decimal("300.00"), "CNY")
    [statement] = logged("guarantee.claimed")
    assert statement["data"] == {"claim": claim.reference, "ground": "fineness", "report": None}
    assert "成色不足" not in log_text() and shopper.username not in log_text()


def test_someone_who_does_not_hold_the_piece_cannot_claim(bought, other_shopper):
    _, ring = bought

    with pytest.raises(claims.ClaimNotFound):
        file(other_shopper, ring)
    assert not GuaranteeClaim.objects.exists()


def test_bad_claims_are_refused(bought, shopper):
    _, ring = bought
    with pytest.raises(ValidationFailed) as error:
        file(shopper, ring, ground="looks_cheap", detail="x" * 1001)
    assert set(error.value.errors) == {"ground", "detail"}
    file(shopper, ring)
    with pytest.raises(claims.ClaimOpenAlready):
        file(shopper, ring)
    assert GuaranteeClaim.objects.count() == 1


def test_a_failed_independent_retest_upholds_the_claim_and_ten_times_the_price_is_paid(
    bought, shopper, lab, claims_staff, django_capture_on_commit_callbacks
):
    order, ring = bought
    claim = file(shopper, ring)
    # The re-test at another store measures 985.0‰ on a piece marked 足金 (≥ 990‰): it fails
    with django_capture_on_commit_callbacks(execute=True):
        inspection = retest(claim, lab, fineness="985.0")
    assert inspection.state == "failed"

    claims.link_retest(claim=claim, inspection=inspection, actor=claims_staff)
    decided = claims.decide_claim(claim=claim, upheld=True, basis="retest", actor=claims_staff)
    assert (decided.state, decided.compensation) == ("upheld", Decimal("3000.00"))
    with django_capture_on_commit_callbacks(execute=True):
        paid = claims.compensate_claim(claim=claim, payout_method="bank_transfer", actor=claims_staff)

    # 300.00 back through the payment (no more than the order paid), 2700.00 owed as a payout
    assert (paid.state, paid.refund_amount) == ("compensated", Decimal("300.00"))
    refund = Refund.objects.get()
    assert (refund.amount, refund.state, refund.key) == (Decimal("300.00"), "succeeded", f"claim:{claim.reference}")
    assert Order.objects.get(pk=order.pk).refunded_total == Decimal("300.00")
    payout = Payout.objects.get(claim=claim)
    assert (payout.amount, payout.reason, payout.state) == (Decimal("2700.00"), "compensation", "owed")
    # every step in the history
    assert [s["data"]["outcome"] for s in logged("guarantee.decided")] == ["upheld"]
    assert logged("guarantee.decided")[0]["data"]["retest"] == "failed"
    assert logged("guarantee.compensated")[0]["data"] == {
        "claim": claim.reference,
        "total": "3000.00",
        "refunded": "300.00",
        "paid_out": "2700.00",
        "currency": "CNY",
    }
    assert any(s["data"]["gate"] == "claim" for s in logged("qc.failed"))

    # compensating again pays nothing more
    claims.compensate_claim(claim=claim, payout_method="bank_transfer", actor=claims_staff)
    assert (Refund.objects.count(), Payout.objects.count()) == (1, 1)


def test_the_retest_must_be_independent_of_the_selling_store(bought, shopper, store, inspectors, lab, claims_staff):
    _, ring = bought
    claim = file(shopper, ring)
    at_seller = inspected(ring, store, inspectors, gate=Gate.CLAIM, weight="5.003", fineness="985.0")

    with pytest.raises(claims.ClaimNotDecidable, match="another store"):
        claims.link_retest(claim=claim, inspection=at_seller, actor=claims_staff)


def test_a_passed_retest_cannot_uphold_and_the_claim_is_rejected_with_its_reason(bought, shopper, lab, claims_staff):
    _, ring = bought
    claim = file(shopper, ring)
    claims.link_retest(claim=claim, inspection=retest(claim, lab, fineness="999.1"), actor=claims_staff)

    with pytest.raises(claims.ClaimNotDecidable):
        claims.decide_claim(claim=claim, upheld=True, basis="retest", actor=claims_staff)
    with pytest.raises(ValidationFailed):
        claims.decide_claim(claim=claim, upheld=False, actor=claims_staff)  # no reason
    rejected = claims.decide_claim(
        claim=claim, upheld=False, reason="Re-test 999.1‰ meets the 足金 mark", actor=claims_staff
    )

    assert (rejected.state, rejected.compensation, rejected.decision_reason) == (
        "rejected",
        None,
        "Re-test 999.1‰ meets the 足金 mark",
    )
    assert logged("guarantee.decided")[0]["data"]["outcome"] == "rejected"
    assert "meets" not in log_text()
    with pytest.raises(claims.ClaimNotDecidable):
        claims.compensate_claim(claim=claim, payout_method="cash", actor=claims_staff)


def test_a_claim_decided_once_cannot_be_decided_again(bought, shopper, claims_staff):
    _, ring = bought
    claim = file(shopper, ring)
    claims.decide_claim(claim=claim, upheld=False, reason="No evidence", actor=claims_staff)

    with pytest.raises(claims.ClaimDecidedAlready):
        claims.decide_claim(claim=claim, upheld=False, reason="Again", actor=claims_staff)
    assert GuaranteeClaim.objects.get(pk=claim.pk).decision_reason == "No evidence"


def test_only_claims_staff_decide(bought, shopper, other_shopper):
    _, ring = bought
    claim = file(shopper, ring)
    with pytest.raises(PermissionDenied):
        claims.decide_claim(claim=claim, upheld=False, reason="no", actor=other_shopper)
    assert GuaranteeClaim.objects.get(pk=claim.pk).state == "filed"


def test_a_third_party_report_confirmed_by_staff_upholds_the_claim(bought, shopper, claims_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from auric.warranty import reports

    _, ring = bought
    report = reports.attach_report(
        piece=ring,
        issuer="NJQSIC 南京",
        report_number="NJ-2026-0042",
        upload=SimpleUploadedFile("r.pdf", b"%PDF-1.7\n report", content_type="application/pdf"),
        user=shopper,
    )
    claim = file(shopper, ring, report=report)

    with pytest.raises(claims.ClaimNotDecidable):
        claims.decide_claim(claim=claim, upheld=True, basis="report", actor=claims_staff)  # mismatch not stated
    decided = claims.decide_claim(
        claim=claim, upheld=True, basis="report", reason="Report: 985‰, below 足金", actor=claims_staff
    )

    assert (decided.state, decided.basis, decided.compensation) == ("upheld", "report", Decimal("3000.00"))
    assert logged("guarantee.claimed")[0]["data"]["report"] == report.sha256


@pytest.mark.django_db(transaction=True)
def test_a_claim_decided_concurrently_is_decided_once(bought, shopper, claims_staff):
    _, ring = bought
    claim = file(shopper, ring)
    outcomes: list[str] = []
    barrier = threading.Barrier(3)

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            claims.decide_claim(claim=claim, upheld=False, reason=f"decision {n}", actor=claims_staff)
            outcomes.append("decided")
        except claims.ClaimDecidedAlready as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["decided", "guarantee_claim_decided", "guarantee_claim_decided"]
    assert len(logged("guarantee.decided")) == 1
