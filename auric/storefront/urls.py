from django.urls import path

from auric.storefront import (
    account_views,
    identity_views,
    phone_login_views,
    privacy_views,
    shop_views,
    views,
    warranty_views,
)

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category_page, name="category"),
    path("search", views.search, name="search"),
    path("p/<slug:slug>/", views.product, name="product"),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/login/phone/", phone_login_views.phone_login, name="phone_login"),
    path("account/login/phone/code/", phone_login_views.phone_login_code, name="phone_login_code"),
    path("account/logout/", views.LogoutView.as_view(), name="logout"),
    path("account/register/", views.register, name="register"),
    path("account/security/", account_views.security_page, name="account_security"),
    path("account/security/passkeys/<int:passkey_id>/remove/", account_views.passkey_remove, name="passkey_remove"),
    path("account/security/totp/enrol/", account_views.totp_enrol, name="totp_enrol"),
    path("account/security/totp/confirm/", account_views.totp_confirm, name="totp_confirm"),
    path("account/security/totp/remove/", account_views.totp_remove, name="totp_remove"),
    path("account/security/password/", account_views.password_change, name="password_change"),
    path("account/privacy/access-log/", account_views.access_log_page, name="access_log"),
    path("account/privacy/", privacy_views.privacy_page, name="account_privacy"),
    path("account/privacy/consents/<slug:kind>/", privacy_views.consent_change, name="consent_change"),
    path("account/privacy/export/", privacy_views.export_page, name="account_export"),
    path("account/privacy/delete/", privacy_views.account_delete, name="account_delete"),
    path("account/identity/", identity_views.identity_page, name="identity"),
    path("cart/", shop_views.cart_page, name="cart"),
    path("cart/add/", shop_views.cart_add, name="cart_add"),
    path("cart/lines/<int:line_id>/remove/", shop_views.cart_remove, name="cart_remove"),
    path("checkout/", shop_views.checkout_page, name="checkout"),
    path("account/orders/", shop_views.orders_page, name="orders"),
    path("account/orders/<str:number>/", shop_views.order_page, name="order"),
    path("account/orders/<str:number>/pay/", shop_views.order_pay, name="order_pay"),
    path("account/orders/<str:number>/cancel/", shop_views.order_cancel, name="order_cancel"),
    path("account/orders/<str:number>/return/", shop_views.order_return, name="order_return"),
    path("account/warranties/", warranty_views.warranties_page, name="warranties"),
    path("account/warranties/book/", warranty_views.warranty_book, name="warranty_book"),
    path(
        "account/warranties/bookings/<str:reference>/cancel/",
        warranty_views.warranty_booking_cancel,
        name="warranty_booking_cancel",
    ),
]
