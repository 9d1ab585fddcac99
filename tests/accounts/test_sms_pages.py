"""The storefront's two-step sign-in with a phone number: plain forms, no inline script."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from auric import privacy
from auric.accounts import sms
from auric.accounts.models import User

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def inline_scripts(html: str) -> list[str]:
    return [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag]


def test_the_login_page_offers_sign_in_with_a_phone_number_without_inline_script(client):
    page = client.get("/account/login/?next=/cart/").content.decode()

    assert 'data-testid="phone-login-form"' in page
    assert 'action="/account/login/phone/"' in page and 'name="phone"' in page
    assert 'name="next" value="/cart/"' in page
    assert inline_scripts(page) == []


def test_sending_a_code_leads_to_the_code_form_and_the_code_signs_in(client):
    token, masked = privacy.store_masked("phone", PHONE)
    user = User.objects.create_user(username="mei", phone_token=token, phone_masked=masked)

    sent = client.post("/account/login/phone/", {"phone": PHONE, "next": "/cart/"})
    form = client.get(sent["Location"])
    signed_in = client.post("/account/login/phone/code/", {"code": sms.outbox[-1].message.params[0], "next": "/cart/"})

    assert sent.status_code == 302 and sent["Location"] == "/account/login/phone/code/?next=%2Fcart%2F"
    page = form.content.decode()
    assert "138****8000" in page and PHONE not in page
    assert 'name="code"' in page and inline_scripts(page) == []
    assert signed_in.status_code == 302 and signed_in["Location"] == "/cart/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_code_shows_the_form_again_with_an_error(client):
    client.post("/account/login/phone/", {"phone": PHONE})
    code = sms.outbox[-1].message.params[0]

    response = client.post("/account/login/phone/code/", {"code": f"{(int(code) + 1) % 1_000_000:06d}"})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_malformed_number_shows_the_first_form_again(client):
    response = client.post("/account/login/phone/", {"phone": "12345"})

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode() and sms.outbox == []


def test_asking_again_too_soon_says_how_long_to_wait(client):
    client.post("/account/login/phone/", {"phone": PHONE})

    response = client.post("/account/login/phone/", {"resend": "1"})

    assert response.status_code == 429
    assert 'role="alert"' in response.content.decode() and len(sms.outbox) == 1


def test_the_code_form_without_a_number_goes_back_to_the_first_step():
    response = Client().get("/account/login/phone/code/")

    assert response.status_code == 302 and response["Location"] == "/account/login/phone/"


def test_an_offsite_next_is_ignored(client):
    client.post("/account/login/phone/", {"phone": PHONE})

    response = client.post(
        "/account/login/phone/code/", {"code": sms.outbox[-1].message.params[0], "next": "https://evil.example/"}
    )

    assert response.status_code == 302 and response["Location"] == "/"
