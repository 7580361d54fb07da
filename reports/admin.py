from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "requested_by", "requested_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["requested_at"]
