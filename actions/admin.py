from django.contrib import admin

from core.paging import EstimatedCountPaginator
from goals.admin import HistoryAdmin
from institutions.selectors import municipality_is_alone

from .models import Action, ActionPlan, ActionPlanItem, Progress
from .services import progress_sync


class OneMunicipalityPaginator(EstimatedCountPaginator):
    table_is_one_municipality = staticmethod(municipality_is_alone)


@admin.register(Action)
class ActionAdmin(HistoryAdmin):
    list_display = ["__str__", "goal", "parent", "deadline", "deadline_label", "budget"]
    list_filter = ["goal__domain__strategy", "goal__domain", "actors"]
    list_select_related = ["goal", "parent"]
    search_fields = ["text"]
    raw_id_fields = ["goal", "parent"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Actors are saved with the related objects, so the rows can follow only now.
        progress_sync(action_ids=[form.instance.pk])


@admin.register(Progress)
class ProgressAdmin(HistoryAdmin):
    list_display = ["action", "institution", "status", "updated_by", "updated_at"]
    list_filter = ["status", "institution__actor"]
    list_select_related = ["action", "institution", "updated_by"]
    search_fields = ["institution__name", "action__text"]
    raw_id_fields = ["action", "institution", "updated_by"]
    # One row per institution and action: counting them all once per page is enough, and
    # when they are many and unfiltered, the database's estimate of them.
    show_full_result_count = False
    paginator = OneMunicipalityPaginator
    # By institution, not by id alone: with many municipalities, the newest ids of the whole
    # table are mostly others', and "newest first" walked past all of them (244 ms as one of
    # 98 municipalities against 47 ms alone). By its key, not by its name: sorting every row
    # by the institution's name took 245 ms at 3,000 institutions, the key's index 1 ms.
    ordering = ["institution_id", "-pk"]


class ActionPlanItemInline(admin.TabularInline):
    model = ActionPlanItem
    extra = 0
    raw_id_fields = ["action"]


@admin.register(ActionPlan)
class ActionPlanAdmin(HistoryAdmin):
    list_display = ["__str__", "status", "approved_on"]
    list_filter = ["status"]
    inlines = [ActionPlanItemInline]
