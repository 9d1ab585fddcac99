"""Consents (COMPLIANCE D1) and the personalisation switch (D6): the service, the API and the page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from auric.accounts.models import Consent, User
from auric.accounts.services import issue_api_token
from auric.core.errors import ValidationFailed
from auric.privacy import consents

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # a test password
D1_KINDS = ("location", "biometric_step_up", "marketing", "share_with_franchisees", "cross_border_transfer")
SWITCH = "personalised_recommendations"


@pytest.fixture
def member(db) -> User:
    return User.objects.create_user(username="nana", password=PASSWORD)


@pytest.fixture
def api(member) -> Client:
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_api_token(user=member, name='test').secret}"
    return client


@pytest.fixture
def browser(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def newer_marketing_text(monkeypatch) -> consents.ConsentText:
    """The marketing text gets a second wording, as a legal review would add it."""
    newer = consents.ConsentText(
        "marketing-2027-01", "Auric may send you offers by e-mail.", "Auric 可通过电子邮件发送优惠。"
    )
    monkeypatch.setitem(consents.TEXTS, "marketing", (*consents.TEXTS["marketing"], newer))
    return newer


# --- D1: separate, versioned, timestamped, withdrawable, default off ------------------------------


def test_d1_every_listed_kind_is_a_separate_consent_and_off_until_the_shopper_agrees(member):
    states = consents.current(member)

    assert set(D1_KINDS) <= set(states)
    for kind in D1_KINDS:
        assert states[kind].granted is False and states[kind].is_default
        assert consents.has_consent(member, kind) is False


def test_d1_agreeing_to_one_kind_leaves_every_other_kind_as_it_was(member):
    consents.grant(member, "location", consents.current_text("location").version)

    states = consents.current(member)

    assert states["location"].granted is True
    assert [k for k in D1_KINDS if states[k].granted] == ["location"]


def test_d1_a_grant_keeps_the_text_version_the_exact_wording_shown_its_language_and_the_time(member):
    text = consents.current_text("cross_border_transfer")

    row = consents.grant(member, "cross_border_transfer", text.version, channel="app", language="zh-hans")

    row.refresh_from_db()
    assert (row.text_version, row.text, row.language, row.channel) == (text.version, text.zh_hans, "zh-hans", "app")
    assert row.at is not None


def test_d1_a_new_wording_is_a_new_version_and_the_older_agreement_still_says_what_was_agreed_to(
    member, newer_marketing_text
):
    older = consents.TEXTS["marketing"][0]
    consents.grant(member, "marketing", older.version, language="en")

    consents.grant(member, "marketing", newer_marketing_text.version, language="en")

    history = consents.history(member)
    assert [(h["text_version"], h["text"]) for h in history] == [
        (newer_marketing_text.version, newer_marketing_text.en),
        (older.version, older.en),
    ]
    assert consents.current(member)["marketing"].text_version == newer_marketing_text.version


def test_d1_a_text_version_that_does_not_exist_is_refused_and_records_nothing(member):
    with pytest.raises(ValidationFailed):
        consents.grant(member, "marketing", "marketing-1999-01")

    assert not Consent.objects.exists()


def test_d1_withdrawing_adds_a_row_and_leaves_the_earlier_agreement_untouched(member):
    agreed = consents.grant(member, "share_with_franchisees", consents.current_text("share_with_franchisees").version)
    before = Consent.objects.filter(pk=agreed.pk).values().get()

    consents.withdraw(member, "share_with_franchisees")
    consents.grant(member, "share_with_franchisees", consents.current_text("share_with_franchisees").version)
    consents.withdraw(member, "share_with_franchisees")

    assert Consent.objects.filter(pk=agreed.pk).values().get() == before
    assert [h["granted"] for h in consents.history(member)] == [False, True, False, True]
    assert consents.has_consent(member, "share_with_franchisees") is False


def test_d1_the_api_lists_each_consent_with_the_text_to_show_in_the_shoppers_language(api):
    listed = {c["kind"]: c for c in api.get("/api/v1/account/consents", HTTP_ACCEPT_LANGUAGE="en").json()}

    assert listed["location"]["current_text"] == consents.current_text("location").en
    assert listed["location"]["current_text_version"] == consents.current_text("location").version
    assert listed["location"]["at"] is None and listed["location"]["text_version"] == ""


def test_d1_the_api_records_the_time_and_version_of_a_grant(api, member):
    body = api.post("/api/v1/account/consents/biometric_step_up", {"granted": True}, content_type="application/json")

    row = Consent.objects.get(user=member)
    assert body.status_code == 201
    assert body.json()["text_version"] == row.text_version == consents.current_text("biometric_step_up").version
    assert body.json()["at"] is not None


def test_d1_an_unknown_text_version_in_the_api_is_a_422_problem(api, member):
    response = api.post(
        "/api/v1/account/consents/marketing",
        {"granted": True, "text_version": "marketing-1999-01"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert not Consent.objects.filter(user=member).exists()


def test_d1_my_history_holds_only_my_own_consents(api, member):
    other = User.objects.create_user(username="lin", password=PASSWORD)
    consents.grant(other, "marketing", consents.current_text("marketing").version)
    consents.withdraw(member, "location")

    history = api.get("/api/v1/account/consents/history").json()

    assert [(h["kind"], h["granted"]) for h in history] == [("location", False)]


def test_d1_consents_need_a_signed_in_shopper():
    anonymous = Client()

    granted = anonymous.post("/api/v1/account/consents/marketing", {"granted": True}, content_type="application/json")

    assert granted.status_code == 401
    assert anonymous.get("/api/v1/account/consents").status_code == 401
    assert anonymous.get("/account/privacy/").status_code == 302
    assert not Consent.objects.exists()


def test_d1_the_page_form_needs_the_csrf_token(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    response = browser.post("/account/privacy/consents/marketing/", {"granted": "1"})

    assert response.status_code == 403
    assert not Consent.objects.exists()


def test_d1_the_page_says_an_unknown_consent_changed_nothing(browser, member):
    page = browser.post("/account/privacy/consents/sell_my_data/", {"granted": "1"}, follow=True)

    assert 'class="message error"' in page.content.decode()
    assert not Consent.objects.exists()


# --- D6: personalisation can be switched off; prices never depend on the profile -------------------


def test_d6_personalised_recommendations_are_on_until_the_shopper_switches_them_off(member):
    assert consents.current(member)[SWITCH].granted is True

    consents.withdraw(member, SWITCH)

    assert consents.has_consent(member, SWITCH) is False
    assert consents.current(member)[SWITCH].is_default is False


def test_d6_the_privacy_page_has_the_switch_and_switching_off_is_recorded_and_confirmed(browser, member):
    page = browser.get("/account/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="personalisation"' in page and f'data-testid="consent-{SWITCH}"' in page

    after = browser.post(f"/account/privacy/consents/{SWITCH}/", {"granted": "0"}, follow=True)

    assert after.redirect_chain[-1][0] == "/account/privacy/"
    assert 'class="message success"' in after.content.decode()
    assert consents.has_consent(member, SWITCH) is False
    row = Consent.objects.get(user=member)
    assert (row.kind, row.granted, row.channel) == (SWITCH, False, "web")


def test_d6_switching_back_on_records_the_current_text(browser, member):
    consents.withdraw(member, SWITCH)

    browser.post(f"/account/privacy/consents/{SWITCH}/", {"granted": "1"})

    assert consents.has_consent(member, SWITCH) is True
    latest = Consent.objects.filter(user=member).order_by("-id").first()
    assert latest is not None and latest.text_version == consents.current_text(SWITCH).version


def test_d6_a_closed_or_anonymous_shopper_gets_no_personalisation(member):
    member.is_active = False
    member.save()

    assert consents.has_consent(member, SWITCH) is False
    assert consents.has_consent(None, SWITCH) is False


def test_d6_the_product_price_is_the_same_with_the_switch_on_or_off_and_for_a_visitor(browser, member, gold_piece):
    url = f"/p/{gold_piece.variant.style.slug}/?piece={gold_piece.serial_number}"
    with_switch_on = browser.get(url).content.decode()
    cache.clear()
    consents.withdraw(member, SWITCH)
    with_switch_off = browser.get(url).content.decode()
    cache.clear()
    visitor = Client().get(url).content.decode()

    price = _price_text(with_switch_on)
    assert "8,000.00" in price
    assert price == _price_text(with_switch_off) == _price_text(visitor)


def _price_text(page: str) -> str:
    """The final price element of a product page (empty when the page shows none)."""
    start = page.find('data-testid="final-price"')
    return page[start : page.find("</strong>", start)] if start >= 0 else ""
