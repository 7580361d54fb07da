from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Aim, Domain, Goal, Indicator, Measurement, Principle, Strategy


class AimInline(admin.TabularInline):
    model = Aim
    extra = 0


class PrincipleInline(admin.TabularInline):
    model = Principle
    extra = 0


@admin.register(Strategy)
class StrategyAdmin(SimpleHistoryAdmin):
    list_display = ["title", "municipality", "status", "period_start", "period_end"]
    list_filter = ["status"]
    inlines = [AimInline, PrincipleInline]


@admin.register(Domain)
class DomainAdmin(SimpleHistoryAdmin):
    list_display = ["name", "strategy", "order"]
    list_filter = ["strategy"]


@admin.register(Goal)
class GoalAdmin(SimpleHistoryAdmin):
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
