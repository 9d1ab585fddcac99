"""Public provenance pages: a piece's history (`/p/<tag>`), its QR code, the certificate check, and
the back office's printable QR label sheet.

The piece page renders the timeline on the server (it works without JavaScript) and publishes, in a
JSON block, what `provenance/verify.js` needs to check the history in the shopper's browser: the
API URL, the log's verifier key, the witnesses' keys and quorum. The script never trusts the server's
rendering: it re-renders the timeline from the bytes it verified.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from auric.catalog.models import Lab
from auric.core.errors import NotFound
from auric.provenance import keys, labels, pages, services, witnessing

POLICY_URL = "/log/policy"
LABEL_PERMISSION = "catalog.view_piece"


def _api_url(public_id: str) -> str:
    return f"/api/v1/provenance/pieces/{public_id}"


def _bundle_url(public_id: str) -> str:
    # The API's offline bundle: C2SP tlog-proof files, the statements and the policy.
    return f"{_api_url(public_id)}/bundle"


def _verifier_messages() -> dict[str, str]:
    """The script's words, translated here: placeholders in braces are filled in by the script."""
    return {
        "checking": _("Checking the history in your browser…"),
        "verified": _("Verified in your browser: {n} entries, checkpoint size {size} signed by {log}"),
        "witnessed": _("Cosigned by {count} of {total} witnesses (quorum {quorum})."),
        "no_witnesses": _("No witnesses are configured for this log yet."),
        "failed": _("Verification failed: {failed} of {n} entries did not verify."),
        "checkpoint_failed": _("Verification failed: the checkpoint is not validly signed by the log ({reason})."),
        "quorum_failed": _("Verification failed: {count} of the required {quorum} witnesses cosigned the checkpoint."),
        "fetch_failed": _("The history could not be loaded ({reason}). Try again, or download the offline bundle."),
        "no_ed25519": _(
            "Your browser cannot check Ed25519 signatures, so this page cannot verify the history here. "
            "Download the offline bundle and check it with the offline verifier."
        ),
        "insecure": _("Your browser only verifies on a secure (https) connection. Download the offline bundle."),
        "bundle_link": _("Download the offline bundle"),
        "ok": _("Verified"),
        "bad": _("Not verified"),
        "index": _("Log entry #{index}"),
        "signed_by": _("Signed by {party}"),
        "certificate_link": _("Check this certificate"),
        "keys_heading": _("Keys that signed these entries"),
        "key_entry": _("#{index} {type} of {party}, key {key}"),
    }


def _verifier_config(history: pages.PieceHistory) -> dict[str, Any]:
    return {
        "piece": history.public_id,
        "api": _api_url(history.public_id),
        "bundle": _bundle_url(history.public_id),
        "policy": POLICY_URL,
        "origin": keys.origin(),
        "log_key": keys.log_verifier_key(),
        "witness_keys": [w.verifier_key for w in witnessing.configured_witnesses()],
        "witness_quorum": int(settings.AURIC_PROVENANCE_WITNESS_QUORUM),
        "certificate_check": reverse("provenance:certificate_check"),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "types": {key: str(label) for key, label in pages.TYPE_LABELS.items()},
        "fields": {key: str(label) for key, label in pages.FIELD_LABELS.items()},
        "messages": _verifier_messages(),
    }


@require_GET
def piece_page(request: HttpRequest, tag: str) -> HttpResponse:
    history = pages.piece_history(tag)
    if history is None:
        if pages.is_product_slug(tag):  # `/p/<slug>` without its slash: the product page
            return redirect("storefront:product", slug=tag, permanent=True)
        raise Http404("No history is logged for this tag")  # unknown and unlogged alike
    context = {
        "history": history,
        "piece": history.piece,
        "config": _verifier_config(history),
        "api_url": _api_url(history.public_id),
        "bundle_url": _bundle_url(history.public_id),
        "policy_url": POLICY_URL,
        "log_key": keys.log_verifier_key(),
    }
    return render(request, "provenance/piece.html", context)


@require_GET
def piece_qr(request: HttpRequest, tag: str) -> HttpResponse:
    if not pages.has_public_history(tag):
        raise Http404("No history is logged for this tag")
    response = HttpResponse(labels.qr_svg(labels.piece_url(request, tag)), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Disposition"] = f'inline; filename="{tag}.svg"'
    return response


class CertificateCheckForm(forms.Form):
    lab = forms.ChoiceField(label=gettext_lazy("Lab"), choices=Lab.choices)
    number = forms.CharField(label=gettext_lazy("Report number"), max_length=40, strip=True)


@require_GET
def certificate_check(request: HttpRequest) -> HttpResponse:
    form = CertificateCheckForm(request.GET if "number" in request.GET else None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        try:
            check = services.check_certificate(form.cleaned_data["lab"], form.cleaned_data["number"])
        except NotFound:
            context["not_found"] = True
            status = 404
        else:
            context["check"] = check
            context["comparison"] = pages.certificate_comparison(check)
            context["piece_tag"] = pages.tag_with_history(check)
    return render(request, "provenance/certificate_check.html", context, status=status)


def _piece_ids(request: HttpRequest) -> list[int]:
    ids: list[int] = []
    for value in request.GET.getlist("ids"):
        for part in value.split(","):
            if part.strip().isdigit():
                ids.append(int(part))
    return ids


@staff_member_required
@require_GET
def label_sheet(request: HttpRequest) -> HttpResponse:
    """An A4 sheet of QR labels (QR code, serial number, style code) for the selected pieces."""
    if not request.user.has_perm(LABEL_PERMISSION):
        raise PermissionDenied
    piece_ids = _piece_ids(request)[: labels.MAX_LABELS]
    sheet_labels = labels.labels_for(request, pages.pieces_for_labels(piece_ids))
    context = {"sheets": labels.sheets(sheet_labels), "count": len(sheet_labels)}
    return render(request, "provenance/label_sheet.html", context)
