from django.urls import path

from auric.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
]
