"""Back office for the catalog: categories, collections, tags, styles, variants and pieces.

Styles, variants and pieces are created and changed only through `catalog.services` (and images
through `catalog.media`), so every change is validated, audited and announced the same way as
from the API. A service's `ValidationFailed` comes back as errors on the same form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Case, CharField, QuerySet, Value, When
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, StackedInline, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RelatedDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminFileFieldWidget

from auric.catalog.models import Category, Certificate, Collection, MediaAsset, Piece, Stone, Style, Tag, Variant
from auric.core.admin import ReadOnlyAdminMixin, ServiceFormAdminMixin, adopt


def _mark_saved(formset: BaseInlineFormSet, created: list[Any]) -> None:
    # The admin's change message reads what formset.save() would have set.
    formset.new_objects = created
    formset.changed_objects = []
    formset.deleted_objects = []


# --- Categories, collections, tags ------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ("tree_name", "name_en", "slug", "position")
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    autocomplete_fields = ("parent",)
    ordering = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        # Tree order: categories are few, so compute each one's path once and sort by it in SQL.
        rows = {
            pk: (parent, position, name)
            for pk, parent, position, name in Category.objects.values_list("pk", "parent_id", "position", "name")
        }
        paths: dict[int, str] = {}

        def path_of(pk: int, seen: frozenset[int] = frozenset()) -> str:
            if pk in paths:
                return paths[pk]
            parent, position, name = rows[pk]
            own = f"{position:05d}:{name}:{pk}"
            prefix = path_of(parent, seen | {pk}) + "/" if parent in rows and parent not in seen else ""
            paths[pk] = prefix + own
            return paths[pk]

        whens = [When(pk=pk, then=Value(path_of(pk))) for pk in rows]
        queryset = super().get_queryset(request).select_related("parent")
        if not whens:
            return queryset
        return queryset.annotate(tree_path=Case(*whens, default=Value(""), output_field=CharField())).order_by(
            "tree_path"
        )

    @display(description=_("Category"), ordering="tree_path")
    def tree_name(self, obj: Category) -> str:
        depth = getattr(obj, "tree_path", "").count("/")
        return format_html('<span style="padding-left:{}rem">{}{}</span>', depth * 1.5, "└ " if depth else "", obj.name)


@admin.register(Collection)
class CollectionAdmin(ModelAdmin):
    list_display = ("name", "name_en", "slug", "edition_size", "launched_on", "is_featured")
    list_filter = ("is_featured",)
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    list_display = ("code", "name", "name_en", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name", "name_en")

    def get_readonly_fields(self, request: HttpRequest, obj: Tag | None = None) -> Any:
        # Craft codes are a fixed vocabulary (GB/T craft names) that search and pages key on.
        if obj is not None and obj.kind == Tag.Kind.CRAFT:
            return ("kind", "code")
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Tag | None = None) -> bool:
        if obj is not None and obj.kind == Tag.Kind.CRAFT:
            return False
        return super().has_delete_permission(request, obj)


# --- Styles -------------------------------------------------------------------------------------


class MultipleFileInput(UnfoldAdminFileFieldWidget):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


STYLE_SERVICE_FIELDS = (
    "title",
    "title_en",
    "description",
    "description_en",
    "category",
    "collection",
    "pricing_mode",
    "labour_fee",
    "labour_basis",
    "fixed_price",
    "list_price",
    "currency",
    "is_customised",
)


class StyleForm(forms.ModelForm):
    new_images = MultipleFileField(
        required=False,
        label=_("Add images"),
        help_text=_("JPEG, PNG or WebP; WebP and JPEG renditions are made at 320, 640 and 1280 px."),
    )
    new_model_3d = forms.FileField(
        required=False,
        label=_("Add a 3D model"),
        help_text=_("Binary glTF (.glb), version 2."),
        widget=UnfoldAdminFileFieldWidget,
    )

    class Meta:
        model = Style
        fields = ("code", "slug", *STYLE_SERVICE_FIELDS, "tags")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _("Left empty, it is made from the code.")


class VariantInlineForm(forms.ModelForm):
    """New rows are added through `catalog.services.add_variant`; saved rows are shown, not edited."""

    class Meta:
        model = Variant
        fields = ("sku", "metal", "fineness", "size", "is_serialized", "fixed_price", "unit_weight_g")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field in self.fields.values():
                field.disabled = True


class VariantInline(TabularInline):
    model = Variant
    form = VariantInlineForm
    extra = 0
    can_delete = False
    show_change_link = True
    tab = True


class MediaInline(ReadOnlyAdminMixin, TabularInline):
    model = MediaAsset
    fk_name = "style"
    fields = ("preview", "kind", "position", "width", "height", "alt", "renditions_made")
    readonly_fields = fields
    extra = 0
    tab = True

    @display(description=_("Preview"))
    def preview(self, obj: MediaAsset) -> str:
        renditions = obj.renditions or {}
        smallest = renditions.get(min(renditions, key=lambda w: int(w))) if renditions else None
        name = (smallest or {}).get("webp") or (obj.file.name if obj.kind == MediaAsset.Kind.IMAGE else "")
        if not name:
            return obj.get_kind_display()
        return format_html('<img src="{}" alt="" style="height:64px;width:auto">', obj.file.storage.url(name))

    @display(description=_("Renditions"))
    def renditions_made(self, obj: MediaAsset) -> str:
        return ", ".join(f"{width}px" for width in sorted(obj.renditions or {}, key=int)) or "—"


@admin.register(Style)
class StyleAdmin(ServiceFormAdminMixin, ModelAdmin):
    form = StyleForm
    list_display = ("code", "title", "category", "collection", "status_label", "metal", "price_from", "available_count")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("category", RelatedDropdownFilter),
        ("metal", ChoicesDropdownFilter),
        ("collection", RelatedDropdownFilter),
    )
    list_filter_submit = True
    search_fields = ("code", "title", "title_en")
    list_select_related = ("category", "collection")
    autocomplete_fields = ("category", "collection", "tags")
    inlines = [VariantInline, MediaInline]
    actions = ["publish", "delist"]
    readonly_fields = (
        "status",
        "published_at",
        "metal",
        "fineness",
        "gem",
        "carat_max",
        "cert_lab",
        "price_from",
        "available_count",
        "online_count",
        "popularity",
    )
    fieldsets = (
        (None, {"fields": ("code", "slug", "title", "title_en", "category", "collection", "tags")}),
        (_("Description"), {"fields": ("description", "description_en"), "classes": ["tab"]}),
        (
            _("Pricing"),
            {
                "fields": (
                    "pricing_mode",
                    "labour_fee",
                    "labour_basis",
                    "fixed_price",
                    "list_price",
                    "currency",
                    "is_customised",
                ),
                "classes": ["tab"],
            },
        ),
        (_("Media"), {"fields": ("new_images", "new_model_3d"), "classes": ["tab"]}),
        (
            _("Status and summary"),
            {
                "fields": (
                    "status",
                    "published_at",
                    "metal",
                    "fineness",
                    "gem",
                    "carat_max",
                    "cert_lab",
                    "price_from",
                    "available_count",
                    "online_count",
                    "popularity",
                ),
                "classes": ["tab"],
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Style | None = None) -> Any:
        # The code and slug are public identifiers; they are set once.
        if obj is not None:
            return (*self.readonly_fields, "code", "slug")
        return self.readonly_fields

    @display(
        description=_("Status"),
        ordering="status",
        label={Style.Status.LIVE: "success", Style.Status.DRAFT: "info", Style.Status.DELISTED: "danger"},
    )
    def status_label(self, obj: Style) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    def save_model(self, request: HttpRequest, obj: Style, form: forms.ModelForm, change: bool) -> None:
        from auric.catalog import services

        data = form.cleaned_data
        tags: Iterable[Tag] = data.get("tags") or ()
        if not change:
            style = services.create_style(
                code=data["code"],
                slug=data.get("slug") or None,
                craft_codes=[t.code for t in tags if t.kind == Tag.Kind.CRAFT],
                theme_tags=[t.code for t in tags if t.kind == Tag.Kind.THEME],
                actor=request.user,
                **{name: data[name] for name in STYLE_SERVICE_FIELDS if name in data},
            )
            adopt(obj, style)
            return
        changes = {name: data[name] for name in form.changed_data if name in STYLE_SERVICE_FIELDS}
        if "tags" in form.changed_data:
            changes["craft_codes"] = [t.code for t in tags if t.kind == Tag.Kind.CRAFT]
            changes["theme_tags"] = [t.code for t in tags if t.kind == Tag.Kind.THEME]
        if changes:
            services.update_style(style=Style.objects.get(pk=obj.pk), actor=request.user, **changes)
            obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        # Tags went through the style service in save_model; form.save_m2m() would bypass it.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        self._save_uploads(request, form)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        from auric.catalog import services

        if formset.model is not Variant:
            _mark_saved(formset, [])
            return
        created = []
        for variant_form in formset.forms:
            if variant_form.instance.pk or not variant_form.has_changed():
                continue
            data = variant_form.cleaned_data
            if data.get("DELETE"):
                continue
            created.append(
                services.add_variant(
                    style=form.instance,
                    sku=data["sku"],
                    metal=data.get("metal") or "",
                    fineness=data.get("fineness"),
                    size=data.get("size") or "",
                    is_serialized=data.get("is_serialized", True),
                    fixed_price=data.get("fixed_price"),
                    unit_weight_g=data.get("unit_weight_g"),
                    actor=request.user,
                )
            )
        _mark_saved(formset, created)

    def _save_uploads(self, request: HttpRequest, form: forms.ModelForm) -> None:
        from auric.catalog import media
        from auric.core.errors import ValidationFailed

        style = form.instance
        images = form.cleaned_data.get("new_images") or []
        position = style.media.count()
        for offset, upload in enumerate(images):
            try:
                media.add_image(style=style, upload=upload, position=position + offset, actor=request.user)
            except ValidationFailed as error:
                raise ValidationFailed(error.detail, errors={"new_images": _flatten(error)}) from error
        if model := form.cleaned_data.get("new_model_3d"):
            try:
                media.add_model_3d(style=style, upload=model, actor=request.user)
            except ValidationFailed as error:
                raise ValidationFailed(error.detail, errors={"new_model_3d": _flatten(error)}) from error

    @action(description=_("Publish the selected styles"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Style]) -> None:
        self._run_each(request, queryset, "publish")

    @action(description=_("Delist the selected styles"), permissions=["change"])
    def delist(self, request: HttpRequest, queryset: QuerySet[Style]) -> None:
        self._run_each(request, queryset, "delist")

    def _run_each(self, request: HttpRequest, queryset: QuerySet[Style], verb: str) -> None:
        from django.contrib import messages

        from auric.catalog import services
        from auric.core.errors import DomainError

        done = 0
        for style in queryset:
            try:
                if verb == "publish":
                    services.publish_style(style=style, actor=request.user)
                else:
                    services.delist_style(style=style, reason=str(_("Delisted in the back office")), actor=request.user)
                done += 1
            except DomainError as error:
                messages.error(request, f"{style.code}: {error.detail} {_flatten_text(error)}")
        if done:
            self.message_user(request, _("%(count)d style(s) updated.") % {"count": done})


def _flatten(error: Any) -> list[str]:
    found = [f"{msg}" for msgs in error.errors.values() for msg in msgs]
    return found or [error.detail]


def _flatten_text(error: Any) -> str:
    return "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in error.errors.items())


# --- Variants -------------------------------------------------------------------------------------


@admin.register(Variant)
class VariantAdmin(ServiceFormAdminMixin, ModelAdmin):
    list_display = ("sku", "style", "metal", "fineness", "size", "is_serialized", "fixed_price")
    list_filter = (("metal", ChoicesDropdownFilter), "is_serialized")
    search_fields = ("sku", "style__code", "style__title")
    autocomplete_fields = ("style",)
    list_select_related = ("style",)
    fields = ("style", "sku", "metal", "fineness", "size", "is_serialized", "fixed_price", "unit_weight_g")

    def has_change_permission(self, request: HttpRequest, obj: Variant | None = None) -> bool:
        # There is no service to edit a variant once made (pieces and prices depend on it).
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Variant | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Variant, form: forms.ModelForm, change: bool) -> None:
        from auric.catalog import services

        data = form.cleaned_data
        variant = services.add_variant(
            style=data["style"],
            sku=data["sku"],
            metal=data.get("metal") or "",
            fineness=data.get("fineness"),
            size=data.get("size") or "",
            is_serialized=data.get("is_serialized", True),
            fixed_price=data.get("fixed_price"),
            unit_weight_g=data.get("unit_weight_g"),
            actor=request.user,
        )
        adopt(obj, variant)


# --- Pieces ---------------------------------------------------------------------------------------


class RegistrationOnlyInlineMixin:
    """Stones and certificates are given when a piece is registered; after that they are read-only."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StoneInline(RegistrationOnlyInlineMixin, TabularInline):
    model = Stone
    extra = 0
    fields: tuple[str, ...] = (
        "is_main",
        "kind",
        "origin",
        "count",
        "carat",
        "colour",
        "clarity",
        "cut",
        "polish",
        "symmetry",
        "fluorescence",
        "lab_grown_grade",
        "treatment",
    )
    tab = True


class CertificateInline(RegistrationOnlyInlineMixin, StackedInline):
    model = Certificate
    extra = 0
    max_num = 1
    fields = ("lab", "report_number", "issued_on", "grading_system", "grades", "measurements", "report_sha256")
    tab = True


@admin.register(Piece)
class PieceAdmin(ServiceFormAdminMixin, ModelAdmin):
    list_display = ("serial_number", "tag_code", "style", "variant", "weight_g", "price", "stock_state")
    search_fields = ("serial_number", "tag_code")
    list_filter = (("variant__metal", ChoicesDropdownFilter),)
    list_select_related = ("style", "variant", "stock", "stock__location")
    autocomplete_fields = ("variant",)
    inlines = [StoneInline, CertificateInline]
    fields = ("variant", "serial_number", "tag_code", "weight_g", "measured_fineness", "cost", "fixed_price")
    readonly_fields = ("style", "price", "created_at", "stock_state", "journal")
    actions = ["print_labels"]

    @action(description=_("Print QR labels"), permissions=["view"])
    def print_labels(self, request: HttpRequest, queryset: QuerySet[Piece]) -> HttpResponseRedirect:
        # The printable A4 sheet lives with the provenance pages (the QR codes open them).
        ids = ",".join(str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))
        return HttpResponseRedirect(f"{reverse('provenance:labels')}?ids={ids}")

    def get_fields(self, request: HttpRequest, obj: Piece | None = None) -> Any:
        if obj is None:
            return self.fields
        return (*self.fields, "style", "price", "created_at", "stock_state", "journal")

    def has_change_permission(self, request: HttpRequest, obj: Piece | None = None) -> bool:
        # A registered piece is a fact (weighed, graded, certified); there is no edit service.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Piece | None = None) -> bool:
        return False

    @display(description=_("Stock"))
    def stock_state(self, obj: Piece) -> str:
        stock = getattr(obj, "stock", None)
        if stock is None:
            return str(_("Not received"))
        return f"{stock.get_status_display()} @ {stock.location}"

    @display(description=_("Stock journal"))
    def journal(self, obj: Piece) -> str:
        url = reverse("admin:inventory_stockmovement_changelist") + f"?piece__id__exact={obj.pk}"
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, _("Open the journal of this piece"))

    def save_model(self, request: HttpRequest, obj: Piece, form: forms.ModelForm, change: bool) -> None:
        # Registration needs the stones and certificate from the inlines: done in save_related.
        pass

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        from auric.catalog import services

        stones: list[Any] = []
        certificate = None
        for formset in formsets:
            rows = [
                f.cleaned_data
                for f in formset.forms
                if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            if formset.model is Stone:
                stones = [
                    services.StoneInput(**{k: v for k, v in row.items() if k in StoneInline.fields}) for row in rows
                ]
            elif formset.model is Certificate and rows:
                row = rows[0]
                certificate = services.CertificateInput(
                    lab=row["lab"],
                    report_number=row["report_number"],
                    issued_on=row["issued_on"],
                    grades=row.get("grades") or {},
                    grading_system=row.get("grading_system") or "",
                    measurements=row.get("measurements") or "",
                    report_sha256=row.get("report_sha256") or "",
                )
            _mark_saved(formset, [])
        data = form.cleaned_data
        piece = services.register_piece(
            variant=data["variant"],
            serial_number=data["serial_number"],
            tag_code=data["tag_code"],
            weight_g=data["weight_g"],
            cost=data["cost"],
            measured_fineness=data.get("measured_fineness"),
            fixed_price=data.get("fixed_price"),
            stones=stones,
            certificate=certificate,
            actor=request.user,
        )
        adopt(form.instance, piece)
