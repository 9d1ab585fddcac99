from django.urls import path

from auric.demo import views

urlpatterns = [path("bare", views.bare, name="bench-bare")]
