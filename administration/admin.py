"""The Django admin's page for institutions: saved through the same service as the app's
own form, so an institution's progress rows follow its kind."""

from django.contrib import admin

from institutions.models import Institution

from .services import institution_save


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "actor", "area", "children_count", "is_active"]
    list_filter = ["actor", "area", "is_active"]
    search_fields = ["name", "area"]

    def save_model(self, request, obj, form, change):
        institution_save(institution=obj)
