from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, register_converter
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from actions import strategy_views
from actions import views as action_views
from actions.editing import CONTAINERS, editable
from actions.models import Action, ActionPlanItem
from actions.sharing import shared_strategies
from administration import views as administration_views
from core.tenancy import OwnedId
from goals.models import Domain, Goal, Indicator, Strategy
from institutions.models import Actor, Institution, User
from reports import views as report_views
from reports.models import Report

# Django admin names itself after the site, in Danish, not "Django administration".
admin.site.site_header = format_lazy("{} – {}", settings.SITE_NAME, _("administration"))
admin.site.site_title = admin.site.site_header

# The ids in addresses say what they name (core.tenancy.OwnedId).
for name, objects in {
    "strategy": Strategy,
    "action": Action,
    "actor": Actor,
    "institution": Institution,
    "person": User,
    "goal": Goal,
    "indicator": Indicator,
    "plan_item": ActionPlanItem,
    "domain": Domain,
    "report": Report,
    "item": lambda values: editable(values["slug"]).model,
    "container": lambda values: CONTAINERS.get(editable(values["slug"]).parent),
    # Published for every municipality: another municipality's, by design.
    "model_strategy": lambda values: shared_strategies(),
}.items():
    register_converter(OwnedId.of(objects), name)

urlpatterns = [
    path("", report_views.home, name="home"),
    path("strategi/", report_views.strategy_detail, name="strategy"),
    path("strategi/<strategy:pk>/", report_views.strategy_detail, name="strategy_version"),
    path("strategi/ny/", strategy_views.strategy_create_view, name="strategy_create"),
    path("strategi/versioner/", strategy_views.strategy_versions, name="strategy_versions"),
    path("strategi/modeller/", strategy_views.strategy_models, name="strategy_models"),
    path(
        "strategi/modeller/<model_strategy:pk>/kopier/",
        strategy_views.strategy_model_copy,
        name="strategy_model_copy",
    ),
    path("strategi/<strategy:pk>/del/", strategy_views.strategy_share_view, name="strategy_share"),
    path(
        "strategi/<strategy:pk>/revision/",
        strategy_views.revision_start_view,
        name="revision_start",
    ),
    path(
        "strategi/<strategy:pk>/sammenlign/",
        strategy_views.strategy_compare,
        name="strategy_compare",
    ),
    path("strategi/<strategy:pk>/vedtag/", strategy_views.strategy_adopt, name="strategy_adopt"),
    path(
        "strategi/<strategy:strategy_pk>/oversigt/",
        report_views.dashboard,
        name="strategy_dashboard",
    ),
    path(
        "strategi/handling/<action:pk>/viderefoer/",
        strategy_views.action_carry_over_view,
        name="action_carry_over",
    ),
    path("strategi/rediger/<slug:slug>/<item:pk>/", strategy_views.item_edit, name="item_edit"),
    path(
        "strategi/rediger/<slug:slug>/ny/<container:parent_pk>/",
        strategy_views.item_create,
        name="item_create",
    ),
    path(
        "strategi/rediger/<slug:slug>/<item:pk>/flyt/",
        strategy_views.item_move_view,
        name="item_move",
    ),
    path(
        "strategi/rediger/<slug:slug>/<item:pk>/slet/",
        strategy_views.item_delete_view,
        name="item_delete",
    ),
    path(
        "strategi/rediger/<slug:slug>/<item:pk>/historik/",
        strategy_views.item_history_view,
        name="item_history",
    ),
    path(
        "tilgaengelighed/",
        login_not_required(
            TemplateView.as_view(
                template_name="accessibility.html", http_method_names=["get", "head"]
            )
        ),
        name="accessibility",
    ),
    path("kom-i-gang/", administration_views.getting_started, name="getting_started"),
    path(
        "kom-i-gang/<slug:step>/",
        administration_views.getting_started_mark_view,
        name="getting_started_mark",
    ),
    path("institutioner/", administration_views.institution_list, name="institution_list"),
    path("institutioner/ny/", administration_views.institution_edit, name="institution_create"),
    path("institutioner/typer/", administration_views.actor_list, name="actor_list"),
    path(
        "institutioner/vaelg/",
        administration_views.institution_choices,
        name="institution_choices",
    ),
    path("institutioner/typer/<actor:pk>/", administration_views.actor_edit, name="actor_edit"),
    path(
        "institutioner/<institution:pk>/",
        administration_views.institution_edit,
        name="institution_edit",
    ),
    path(
        "konto/fortsaet/",
        administration_views.two_factor_continue,
        name="two_factor_continue",
    ),
    path("personer/", administration_views.person_list, name="person_list"),
    path("personer/ny/", administration_views.person_edit, name="person_create"),
    path("personer/drift/", administration_views.operators_admit_view, name="operators_admit"),
    path(
        "personer/ventetid/",
        administration_views.sign_in_limit_list,
        name="sign_in_limits",
    ),
    path(
        "personer/ventetid/ophaev/",
        administration_views.sign_in_limit_lift_view,
        name="sign_in_limit_lift",
    ),
    path("personer/log-ind/", administration_views.sign_in_settings, name="sign_in_settings"),
    path(
        "personer/log-ind/kombit/",
        administration_views.sign_in_kombit_save,
        name="sign_in_kombit_save",
    ),
    path(
        "personer/log-ind/unilogin/",
        administration_views.sign_in_unilogin_save,
        name="sign_in_unilogin_save",
    ),
    path(
        "personer/log-ind/test/",
        administration_views.sign_in_test_result,
        name="sign_in_test_result",
    ),
    path(
        "personer/log-ind/test/<slug:provider>/",
        administration_views.sign_in_test_start,
        name="sign_in_test_start",
    ),
    path(
        "personer/log-ind/katalog/<slug:provider>/",
        administration_views.sign_in_directory_save,
        name="sign_in_directory_save",
    ),
    path("personer/<person:pk>/", administration_views.person_edit, name="person_edit"),
    path(
        "personer/<person:pk>/deaktiver/",
        administration_views.person_deactivate_view,
        name="person_deactivate",
    ),
    path(
        "personer/<person:pk>/anonymiser/",
        administration_views.person_anonymise_view,
        name="person_anonymise",
    ),
    path("data/eksport/", administration_views.data_export, name="data_export"),
    path(
        "databeskyttelse/",
        login_not_required(
            TemplateView.as_view(
                template_name="data_protection.html", http_method_names=["get", "head"]
            )
        ),
        name="data_protection",
    ),
    path("regneark/import/", administration_views.spreadsheet_import, name="spreadsheet_import"),
    path(
        "regneark/import/<str:token>/bekraeft/",
        administration_views.spreadsheet_import_confirm,
        name="spreadsheet_import_confirm",
    ),
    path(
        "regneark/import/<str:token>/fejl/",
        administration_views.spreadsheet_failed_rows,
        name="spreadsheet_failed_rows",
    ),
    path(
        "regneark/projektmappe/",
        administration_views.strategy_workbook_export,
        name="strategy_workbook_export",
    ),
    path(
        "regneark/projektmappe/import/",
        administration_views.strategy_workbook_import,
        name="strategy_workbook_import",
    ),
    path(
        "regneark/projektmappe/import/<str:token>/bekraeft/",
        administration_views.strategy_workbook_confirm,
        name="strategy_workbook_confirm",
    ),
    path(
        "regneark/projektmappe/import/<str:token>/fejl/",
        administration_views.strategy_workbook_errors,
        name="strategy_workbook_errors",
    ),
    path(
        "regneark/skabelon/<slug:slug>/",
        administration_views.spreadsheet_template,
        name="spreadsheet_template",
    ),
    path(
        "regneark/eksport/<slug:slug>/<slug:fmt>/",
        administration_views.spreadsheet_export,
        name="spreadsheet_export",
    ),
    path("min-institution/", action_views.my_institution, name="my_institution"),
    path(
        "min-institution/<institution:pk>/",
        action_views.institution_progress_view,
        name="institution_progress",
    ),
    path(
        "min-institution/<institution:pk>/handlinger/<action:action_pk>/",
        action_views.progress_update,
        name="progress_update",
    ),
    path(
        "min-institution/<institution:pk>/lokale-maal/<goal:goal_pk>/",
        action_views.goal_progress_update,
        name="goal_progress_update",
    ),
    path(
        "min-institution/<institution:pk>/handlinger/<action:action_pk>/historik/",
        action_views.progress_history,
        name="progress_history",
    ),
    path(
        "min-institution/<institution:pk>/seneste/",
        action_views.institution_changes,
        name="institution_changes",
    ),
    path(
        "min-institution/<institution:pk>/indikatorer/<indicator:indicator_pk>/",
        action_views.measurement_add,
        name="measurement_add",
    ),
    path("min-institution/<institution:pk>/handleplan/", action_views.plan_view, name="local_plan"),
    path(
        "min-institution/<institution:pk>/handleplan/godkend/",
        action_views.plan_approve_view,
        name="local_plan_approve",
    ),
    path(
        "min-institution/<institution:pk>/handleplan/punkter/<plan_item:item_pk>/",
        action_views.plan_item_view,
        name="local_plan_item",
    ),
    path(
        "min-institution/<institution:pk>/handleplan/punkter/<plan_item:item_pk>/slet/",
        action_views.plan_item_delete_view,
        name="local_plan_item_delete",
    ),
    path("handleplan/", action_views.plan_view, name="municipal_plan"),
    path("handleplan/godkend/", action_views.plan_approve_view, name="municipal_plan_approve"),
    path(
        "handleplan/punkter/<plan_item:item_pk>/",
        action_views.plan_item_view,
        name="municipal_plan_item",
    ),
    path(
        "handleplan/punkter/<plan_item:item_pk>/slet/",
        action_views.plan_item_delete_view,
        name="municipal_plan_item_delete",
    ),
    path("handleplan/budgetter/", action_views.plan_budgets_view, name="plan_budgets"),
    path("handleplan/central-pulje/", action_views.pool_allocation_view, name="pool_allocation"),
    path("oversigt/", report_views.dashboard, name="dashboard"),
    path("oversigt/sammenligning/", report_views.comparison, name="comparison"),
    path("oversigt/sammenligning/deltag/", report_views.comparison_join, name="comparison_join"),
    path("oversigt/domaener/<domain:pk>/", report_views.dashboard_domain, name="dashboard_domain"),
    path(
        "oversigt/eksport/<slug:table>/<slug:fmt>/",
        report_views.dashboard_export,
        name="dashboard_export",
    ),
    path("rapporter/", report_views.report_list, name="report_list"),
    path(
        "rapporter/bestil/<slug:kind>/",
        report_views.report_request_view,
        name="report_request",
    ),
    path("rapporter/handleplaner/", report_views.report_batch_view, name="report_batch"),
    path("rapporter/<report:pk>/", report_views.report_detail, name="report_detail"),
    path("rapporter/<report:pk>/hent/", report_views.report_download, name="report_download"),
    path(
        "rapporter/<report:pk>/word/",
        report_views.report_download_word,
        name="report_download_word",
    ),
    path("rapporter/<report:pk>/igen/", report_views.report_retry_view, name="report_retry"),
    # allauth's sign-in page, let send the browser on to the configured identity providers.
    path("konto/login/", administration_views.sign_in_page),
    path(
        "konto/saml/<str:organization_slug>/acs/finish/",
        administration_views.sign_in_saml_finish,
    ),
    path("konto/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "strategy_tracker.errors.permission_denied_or_not_found"
handler500 = "strategy_tracker.errors.server_error_or_unavailable"
