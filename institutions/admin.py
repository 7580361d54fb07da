from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Actor, Membership, MunicipalRole, SecurityEvent, User


class MunicipalRoleInline(admin.TabularInline):
    """The person's role in this municipality (their roles elsewhere are not shown)."""

    model = MunicipalRole
    extra = 0
    max_num = 1
    fields = ["role"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["institution"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "is_superuser"]
    list_filter = ["municipal_roles__role", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [MunicipalRoleInline, MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by the app, never edited."""

    list_display = ["at", "kind", "actor", "subject", "email", "ip_address", "path"]
    list_filter = ["kind"]
    list_select_related = ["actor", "subject"]
    search_fields = ["email", "actor__email", "subject__email", "path"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
