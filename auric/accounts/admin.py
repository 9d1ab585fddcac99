"""Back office for users and groups, in the Unfold style."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from auric.accounts.models import ApiToken, PasskeyCredential, StepUpGrant, User
from auric.accounts.services import revoke_api_token

admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_superuser", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Preferences"), {"fields": ("preferred_language",)}),
    )


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    """Tokens are issued with `manage.py issue_api_token` (the secret is shown once); here staff
    can see them and revoke them. The secret's hash is never shown."""

    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "key_prefix")
    fields = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_api_token(token=token)


@admin.register(PasskeyCredential)
class PasskeyCredentialAdmin(ModelAdmin):
    """Passkeys are registered by shoppers in the browser; staff can see them and delete one when a
    device is lost. Only public keys are stored (no biometric data)."""

    list_display = ("user", "name", "created_at", "last_used_at", "sign_count", "backed_up")
    search_fields = ("user__username", "name")
    fields = (
        "user",
        "name",
        "credential_id",
        "transports",
        "aaguid",
        "sign_count",
        "backed_up",
        "created_at",
        "last_used_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PasskeyCredential | None = None) -> bool:
        return False


@admin.register(StepUpGrant)
class StepUpGrantAdmin(ModelAdmin):
    """Who confirmed which high-value operation, how and when (read-only)."""

    list_display = ("user", "purpose", "method", "granted_at", "expires_at")
    list_filter = ("purpose", "method")
    search_fields = ("user__username",)
    fields = ("user", "purpose", "binding", "method", "credential", "granted_at", "expires_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StepUpGrant | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StepUpGrant | None = None) -> bool:
        return False
