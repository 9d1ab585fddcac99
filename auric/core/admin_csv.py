"""Back-office pages for CSV imports: upload → progress → validation report or success summary.

Each app's admin mounts these views with its own import service (`runner`) and a `summarise`
function that turns the service's report into `{"ok": bool, "counts": [(label, n)], "errors":
[{"line", "field", "message"}]}`. Imports are all-or-nothing in the services: a report with errors
means nothing was written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from unfold.views import UnfoldModelAdminViewMixin
from unfold.widgets import UnfoldAdminFileFieldWidget

from auric.core import admin_jobs


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), widget=UnfoldAdminFileFieldWidget)

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        limit = getattr(settings, "AURIC_MAX_CSV_BYTES", 20 * 1024 * 1024)
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)})
        data: bytes = upload.read()
        if not data.strip():
            raise forms.ValidationError(_("The file is empty."))
        return data


class CsvImportView(UnfoldModelAdminViewMixin, FormView):
    """The upload form; a valid upload starts the import job and goes to its progress page."""

    template_name = "admin/csv/import.html"
    form_class = CsvUploadForm
    title: Any = ""
    kind = ""
    runner: Any = None
    summarise: Any = None
    progress_url_name = ""
    help_template = ""
    export_url_name = ""

    def form_valid(self, form: CsvUploadForm) -> HttpResponse:
        job_id = admin_jobs.start_job(
            kind=self.kind,
            owner_id=self.request.user.pk,
            runner=self.runner,
            summarise=self.summarise,
            data=form.cleaned_data["file"],
            actor=self.request.user,
        )
        return HttpResponseRedirect(reverse(f"admin:{self.progress_url_name}", args=[job_id]))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            help_template=self.help_template,
            export_url=reverse(f"admin:{self.export_url_name}") if self.export_url_name else "",
            opts=self.model_admin.model._meta if self.model_admin else None,
        )
        return context


class CsvImportProgressView(UnfoldModelAdminViewMixin, TemplateView):
    """The progress page; with ?fragment=1 only the part htmx swaps in while the job runs."""

    template_name = "admin/csv/progress.html"
    fragment_template_name = "admin/csv/_progress.html"
    title: Any = ""
    kind = ""
    import_url_name = ""
    changelist_url_name = ""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        job = admin_jobs.get_job(str(kwargs["job_id"]))
        if job is None or job.get("kind") != self.kind or job.get("owner_id") != request.user.pk:
            raise Http404("No such import")
        context = {
            "job": job,
            "job_id": kwargs["job_id"],
            "percent": admin_jobs.percent(job),
            "running": job["state"] in {"queued", "running"},
            "poll_url": request.path + "?fragment=1",
            "import_url": reverse(f"admin:{self.import_url_name}"),
            "changelist_url": reverse(f"admin:{self.changelist_url_name}"),
        }
        result = job.get("result") or {}
        context["error_table"] = {
            "headers": [_("Line"), _("Column"), _("Problem")],
            "rows": [[e["line"] or "—", e["field"], e["message"]] for e in result.get("errors", [])],
        }
        if request.GET.get("fragment"):
            return TemplateResponse(request, self.fragment_template_name, context)
        return self.render_to_response(self.get_context_data(**context))
