"""Shopper pages through the Django test client, on a shop built by the real services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.utils import timezone

from auric.core.views import server_error
from auric.pricing import services as pricing

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


# --- home -----------------------------------------------------------------------------------


def test_home_shows_todays_gold_price_and_live_new_arrivals_only(client, shop):
    response = client.get("/")
    page = text(response)
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in page
    assert "今日金价" in page and "¥780.00" in page
    assert "/p/gufa-bangle/" in page and "/p/diamond-ring/" in page
    assert "/p/draft-bangle/" not in page


def test_home_features_the_limited_collection(client, shop):
    page = text(client.get("/"))
    assert "传承" in page and "限量 99 件" in page


# --- listings -------------------------------------------------------------------------------


def test_category_page_lists_the_category_styles(client, shop):
    page = text(client.get("/c/bangles/"))
    assert "/p/gufa-bangle/" in page and "/p/k18-bangle/" in page
    assert "/p/diamond-ring/" not in page


def test_unknown_category_is_404(client, shop):
    assert client.get("/c/no-such-category/").status_code == 404


def test_search_finds_bangles_by_chinese_words(client, shop):
    page = text(client.get("/search", {"q": "古法 手镯"}))
    assert "共 2 款" in page
    assert "/p/gufa-bangle/" in page and "/p/k18-bangle/" in page


def test_fineness_filter_narrows_the_results(client, shop):
    page = text(client.get("/search", {"q": "古法 手镯", "fineness": "gold-990"}))
    assert "共 1 款" in page
    assert "/p/gufa-bangle/" in page and "/p/k18-bangle/" not in page


def test_facet_links_keep_the_query_and_toggle_their_filter(client, shop):
    page = text(client.get("/search", {"q": "手镯"}))
    assert "fineness=gold-990" in page
    filtered = text(client.get("/search", {"q": "手镯", "fineness": "gold-990"}))
    assert 'aria-current="true"' in filtered  # the chosen value is marked, and its link removes it


def test_sorting_by_price_orders_cards(client, shop):
    page = text(client.get("/c/bangles/", {"sort": "price_desc"}))
    assert page.index("/p/gufa-bangle/") < page.index("/p/k18-bangle/")
    page = text(client.get("/c/bangles/", {"sort": "price_asc"}))
    assert page.index("/p/k18-bangle/") < page.index("/p/gufa-bangle/")


def test_a_filter_it_cannot_read_is_left_out_not_an_error(client, shop):
    response = client.get("/search", {"q": "手镯", "price_range": "cheap"})
    assert response.status_code == 200
    assert "部分筛选条件无法识别" in text(response)


# --- product page ---------------------------------------------------------------------------


def test_product_page_breaks_the_price_into_weight_times_gold_price_plus_labour(client, shop):
    page = text(client.get("/p/gufa-bangle/"))
    # GF001-A: 30.125 g × ¥780.00 = ¥23,497.50; labour ¥20/g × 30.125 g = ¥602.50
    for expected in ("30.125 g", "× ¥780.00", "= ¥23,497.50", "+ ¥602.50", "= ¥24,100.00"):
        assert expected in page
    assert "<s" in page and "¥30,000.00" in page  # anchor price struck through
    assert "7 天无理由退货" in page


def test_choosing_a_piece_prices_that_pieces_exact_weight(client, shop):
    page = text(client.get("/p/gufa-bangle/", {"piece": "GF001-C"}))
    # 31.010 g × 780 = 24,187.80; + 20 × 31.010 = 620.20
    assert "= ¥24,187.80" in page and "+ ¥620.20" in page and "= ¥24,808.00" in page
    assert 'value="GF001-C" checked' in page


def test_every_available_piece_is_listed_with_serial_weight_and_price(client, shop):
    page = text(client.get("/p/gufa-bangle/"))
    for serial, weight in (("GF001-A", "30.125 g"), ("GF001-B", "28.500 g"), ("GF001-C", "31.010 g")):
        assert serial in page and weight in page
    assert "¥22,800.00" in page  # GF001-B: 28.5 × 800


def test_an_unknown_piece_falls_back_to_the_first_available_one(client, shop):
    page = text(client.get("/p/gufa-bangle/", {"piece": "NOPE"}))
    assert 'value="GF001-A" checked' in page


@pytest.mark.parametrize("slug", ["no-such-style", "draft-bangle"])
def test_unknown_or_draft_style_is_404(client, shop, slug):
    assert client.get(f"/p/{slug}/").status_code == 404


def test_stones_show_gia_grades_with_gb_equivalents_and_the_certificate(client, shop):
    page = text(client.get("/p/diamond-ring/"))
    assert "0.50 ct" in page
    assert "G · GB G(97)" in page and "VS1 · GB VS1" in page
    assert "极好 EX" in page and "很好 VG" in page
    assert "GIA" in page and "2141234567" in page
    assert (timezone.localdate() - timedelta(days=30)).strftime("%Y-%m-%d") in page
    assert "一口价" in page


def test_metal_is_shown_with_its_gb_11887_mark(client, shop):
    page = text(client.get("/p/diamond-ring/"))
    assert "18K" in page and "750‰, GB 11887" in page


def test_public_price_log_shows_old_and_new_price_and_reason(client, shop):
    page = text(client.get("/p/diamond-ring/"))
    assert "¥13,800.00 → ¥12,800.00" in page
    assert "定价调整" in page


def test_customised_style_is_labelled_not_returnable(client, shop):
    page = text(client.get("/p/k18-bangle/"))
    assert "定制商品：不支持退货" in page
    assert "7 天无理由退货" not in page


def test_availability_by_store_and_online(client, shop):
    page = text(client.get("/p/gufa-bangle/"))
    assert "上海" in page and "南京西路店" in page
    assert "线上：1 件现货可发" in page


def test_flash_price_shows_its_label_and_end_time(client, shop):
    ends = timezone.now() + timedelta(hours=5)
    pricing.create_flash_price(
        style=shop.ring,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=ends,
        percent_off=Decimal("10"),
        label="双十一",
    )
    page = text(client.get("/p/diamond-ring/"))
    assert "双十一" in page and "¥11,520.00" in page
    assert "限时价截至 " + timezone.localtime(ends).strftime("%Y-%m-%d %H:%M") in page


def test_product_page_keeps_the_strict_policy_without_a_3d_model(client, shop):
    policy = client.get("/p/gufa-bangle/")["Content-Security-Policy"]
    assert "style-src 'self';" in policy and "unsafe-inline" not in policy


def test_3d_model_page_allows_only_model_viewers_own_stylesheet(client, shop):
    from tests.e2e.test_shopper_journey import add_model

    add_model(shop.ring)
    response = client.get("/p/diamond-ring/")
    policy = response["Content-Security-Policy"]
    assert "style-src 'self' 'sha256-" in policy and "unsafe-inline" not in policy
    page = text(response)
    assert 'ar ar-modes="webxr scene-viewer quick-look" camera-controls' in page
    assert 'type="module" src="/static/storefront/vendor/model-viewer/model-viewer.min.js"' in page


def test_gallery_offers_webp_and_jpeg_at_several_widths(client, shop):
    page = text(client.get("/p/gufa-bangle/"))
    assert '<source type="image/webp" srcset="' in page and " 640w" in page
    assert '<source type="image/jpeg"' in page and 'sizes="' in page
    assert 'alt="足金手镯"' in page


# --- language -------------------------------------------------------------------------------


def test_language_switch_to_english_and_back(client, shop):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/p/gufa-bangle/"}, follow=True)
    page = text(response)
    assert '<html lang="en">' in page
    assert "Ancient-method pure gold bangle" in page and "How this price is made" in page
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)
    assert '<html lang="zh-Hans">' in text(response)


def test_language_form_posts_with_csrf_token_to_setlang(client, shop):
    page = text(client.get("/"))
    assert 'action="/i18n/setlang/"' in page and "csrfmiddlewaretoken" in page
    assert 'value="en"' in page and 'value="zh-hans"' in page


# --- accounts -------------------------------------------------------------------------------


def test_registration_creates_a_shopper_and_logs_them_in(client, db):
    response = client.post(
        "/account/register/",
        {
            "username": "mei",
            "email": "mei@example.com",
            "password1": "golden-bangle-42",
            "password2": "golden-bangle-42",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="mei")
    assert not user.is_staff and not user.is_superuser
    assert "你好，mei" in text(client.get("/"))


def test_registration_refuses_a_weak_password(client, db):
    response = client.post("/account/register/", {"username": "mei", "password1": "12345", "password2": "12345"})
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="mei").exists()


def test_login_and_logout(client, db):
    get_user_model().objects.create_user("lin", password="golden-bangle-42")
    response = client.post("/account/login/", {"username": "lin", "password": "golden-bangle-42"})
    assert response.status_code == 302
    assert "你好，lin" in text(client.get("/"))
    client.post("/account/logout/")
    assert "你好，lin" not in text(client.get("/"))


def test_registration_never_redirects_off_site(client, db):
    response = client.post(
        "/account/register/",
        {
            "username": "mei",
            "password1": "golden-bangle-42",
            "password2": "golden-bangle-42",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


# --- errors ---------------------------------------------------------------------------------


def test_404_page_is_translated_and_links_home(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in text(response) and 'href="/"' in text(response)


def test_500_page_renders_without_context(db):
    response = server_error(RequestFactory().get("/p/x/"))
    assert response.status_code == 500
    assert "出错了" in response.content.decode() and "site.css" in response.content.decode()
