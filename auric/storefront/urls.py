from django.urls import path

from auric.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category_page, name="category"),
    path("search", views.search, name="search"),
    path("p/<slug:slug>/", views.product, name="product"),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", views.LogoutView.as_view(), name="logout"),
    path("account/register/", views.register, name="register"),
]
