from csp.decorators import csp_update
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Aim, Domain, Goal, Indicator, Measurement, Principle, Strategy

# django-simple-history's history list has one inline style attribute; the CSP allows exactly
# that one, by its hash, on those pages only (tests/test_security_settings.py checks it).
HISTORY_LIST_STYLE = "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"


class HistoryAdmin(SimpleHistoryAdmin):
    """Django admin with a model's history, within the site's Content-Security-Policy."""

    @csp_update({"style-src-attr": ["'unsafe-hashes'", HISTORY_LIST_STYLE]})
    def history_view(self, request, object_id, extra_context=None):
        return super().history_view(request, object_id, extra_context=extra_context)


class AimInline(admin.TabularInline):
    model = Aim
    extra = 0


class PrincipleInline(admin.TabularInline):
    model = Principle
    extra = 0


@admin.register(Strategy)
class StrategyAdmin(HistoryAdmin):
    list_display = ["title", "municipality_name", "status", "period_start", "period_end"]
    list_filter = ["status"]
    inlines = [AimInline, PrincipleInline]


@admin.register(Domain)
class DomainAdmin(HistoryAdmin):
    list_display = ["name", "strategy", "order"]
    list_filter = ["strategy"]


@admin.register(Goal)
class GoalAdmin(HistoryAdmin):
    list_display = ["__str__", "domain", "scope", "order"]
    list_filter = ["domain__strategy", "domain", "scope"]
    search_fields = ["text"]
    filter_horizontal = ["principles"]


class MeasurementInline(admin.TabularInline):
    model = Measurement
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "goal", "unit", "baseline", "target", "deadline"]
    inlines = [MeasurementInline]
