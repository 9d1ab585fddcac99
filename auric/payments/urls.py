"""Pages of the payments app: the sandbox provider's hosted payment page (mounted at /payments/)."""

from django.urls import path

from auric.payments import views

app_name = "payments"

urlpatterns = [
    path("sandbox/<uuid:payment_id>/", views.sandbox_page, name="sandbox_page"),
    path("sandbox/<uuid:payment_id>/result/", views.sandbox_result, name="sandbox_result"),
]
