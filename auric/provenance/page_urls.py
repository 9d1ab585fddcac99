"""Public provenance pages: a piece's history (/p/<tag>) and its QR code, the certificate check, and
the back office's QR label sheet.

`/p/<tag>` has no trailing slash, so it never collides with the product pages at `/p/<slug>/`.
"""

from django.urls import path, re_path

from auric.provenance import views

app_name = "provenance"

TAG = r"(?P<tag>[A-Za-z0-9][A-Za-z0-9._\-]{0,63})"

urlpatterns = [
    re_path(rf"^p/{TAG}$", views.piece_page, name="piece"),
    re_path(rf"^p/{TAG}/qr\.svg$", views.piece_qr, name="piece_qr"),
    path("verify/certificate", views.certificate_check, name="certificate_check"),
    path("provenance/labels", views.label_sheet, name="labels"),
]
