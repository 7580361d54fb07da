import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from actions.models import Action
from actions.selectors import strategy_document, strategy_tallies
from core import fragments
from core.params import id_from, query_without
from core.spreadsheets import spreadsheet_response, spreadsheet_stream
from goals.forms import StrategyCreateForm
from goals.permissions import (
    may_edit_strategy,
    strategy_readable,
)
from goals.selectors import strategy_current, strategy_current_or_404
from institutions.models import Actor
from institutions.permissions import (
    consultant_required,
    institution_readable,
    is_consultant,
    landing_page,
    may_read_everything,
    own_memberships,
    read_everything_required,
    two_factor_for_consultants,
)
from institutions.selectors import municipality_current
from institutions.services import municipality_compare

from .comparison import COMPARED_FROM, comparison_of
from .forms import DashboardForm, RevisionReportForm, StatusReportForm
from .models import TABLE_TITLES, Report
from .permissions import may_request_report, report_readable, reports_visible
from .selectors import (
    Tally,
    changes_counted,
    changes_read,
    domain_actions,
    domains_in_order,
    indicator_statuses,
    institution_areas,
    institutions_with_progress,
    newest_changes,
    over_time,
    overdue_actions,
    progress_matrix,
    strategy_actors,
    strategy_pace,
)
from .services import report_batch_request, report_request, report_retry
from .tables import (
    MADE_BY_WORKER,
    TABLES,
    dashboard_filters,
    filtered_institutions,
    table_dataset,
)

# The tables the dashboard offers as spreadsheets.
DASHBOARD_TABLES = ("domaener", "institutioner", "forsinkede")


def _dashboard_choices(request, strategy) -> tuple[DashboardForm, dict]:
    """The dashboard's filters from the address; invalid ones are shown and ignored."""
    form = DashboardForm(
        request.GET or None,
        areas=institution_areas,
        actors=strategy_actors(strategy).exclude(code=Actor.ADMINISTRATION),
    )
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data
    return form, {}


def _institution_rows(request, institutions, *, pace, may_open_institutions, anchor=""):
    """The rows of a page of institutions, each drawn once for what it shows: after a tick
    only the ticked institution's row is drawn again."""
    return fragments.rows(
        request,
        "institution-row",
        list(institutions),
        kinds=[fragments.STRATEGY],  # names, kinds and areas
        key=lambda institution: (
            institution.pk,
            institution.done,
            institution.counted,
            institution.started,
            pace.assess(institution),
            may_open_institutions,
            anchor,
        ),
        template="reports/includes/institution_row.html",
        context=lambda institution: {
            "institution": institution,
            "pace": pace,
            "may_open_institutions": may_open_institutions,
            "anchor": anchor,
        },
    )


def _change_rows(request, newest: list[tuple[int, str]]) -> list[str]:
    """The newest changes' entries: a recorded change never changes, so each is drawn once and
    kept until a name or the strategy's texts change; only the records not drawn before are
    read (after a tick: the one it made)."""
    return fragments.rows(
        request,
        "status-change",
        newest,
        kinds=[fragments.STRATEGY, fragments.PEOPLE],
        key=lambda change: change,  # the record's key, and the status before it
        template="reports/includes/change.html",
        context=lambda record: {"record": record},
        read=changes_read,
    )


@require_GET
def dashboard(request, strategy_pk=None):
    """How far each domain, actor and institution has come, for everyone signed in; for an
    archived version, as it stood when it was archived."""
    if strategy_pk is None:
        strategy = strategy_current_or_404()
    else:
        strategy = strategy_readable(request.user, strategy_pk)
        if strategy.is_draft:
            raise Http404(_("A draft has no progress yet."))
    form, choices = _dashboard_choices(request, strategy)
    today = timezone.localdate()
    if strategy.archived_at:
        today = timezone.localdate(strategy.archived_at)
    since = choices.get("since") or today - dt.timedelta(days=30)
    may_open_institutions = may_read_everything(request.user)

    def overview_context():
        timeline, then_now = over_time(strategy=strategy, until=today, since=since)
        newest = newest_changes(strategy=strategy, since=since)
        institutions = filtered_institutions(strategy, dashboard_filters(choices))
        institutions = Paginator(institutions, 50).get_page(request.GET.get("side"))
        pace = strategy_pace(strategy, today=today)
        return {
            "strategy": strategy,
            "form": form,
            "since": since,
            "matrix": progress_matrix(strategy=strategy),
            "pace": pace,
            "series": timeline.series,
            "labels": timeline.labels,
            "series_rows": timeline.rows,
            "then_now": then_now,
            "change_count": changes_counted(strategy=strategy, since=since),
            "changes": newest,
            "change_rows": _change_rows(request, newest),
            "overdue": overdue_actions(strategy=strategy, today=today),
            "institutions": institutions,
            "institution_rows": _institution_rows(
                request, institutions, pace=pace, may_open_institutions=may_open_institutions
            ),
            "query": query_without(request, "side"),
            "may_open_institutions": may_open_institutions,
            "live": strategy.archived_at is None,
        }

    overview = fragments.fragment(
        request,
        "dashboard",
        kinds=[
            fragments.STRATEGY,
            fragments.PROGRESS,
            fragments.EVERY_INSTITUTION,
            fragments.PEOPLE,
        ],
        vary_on=[strategy.pk, today, request.get_full_path(), may_open_institutions],
        template="reports/includes/dashboard_overview.html",
        context=overview_context,
    )
    # Parts that a tick does not change, kept apart and filled into the overview's holes.
    parts = {
        "indicators": fragments.fragment(
            request,
            "dashboard-indicators",
            kinds=[fragments.STRATEGY, fragments.MEASUREMENTS, fragments.EVERY_INSTITUTION],
            vary_on=[strategy.pk],
            template="reports/includes/dashboard_indicators.html",
            context=lambda: {"indicators": indicator_statuses(strategy=strategy)},
        ),
        "institution_filters": fragments.fragment(
            request,
            "dashboard-institution-filters",
            kinds=[fragments.STRATEGY],
            vary_on=[strategy.pk, request.get_full_path()],
            template="reports/includes/dashboard_institution_filters.html",
            context=lambda: {"form": form, "since": since},
        ),
    }
    overview = fragments.filled(overview, {"part": parts})
    return render(
        request,
        "reports/dashboard.html",
        {
            "strategy": strategy,
            "overview": overview,
            "as_of": today if strategy.archived_at else None,
            "may_compare": may_open_institutions and strategy.archived_at is None,
        },
        status=400 if form.errors else 200,
    )


@require_GET
def dashboard_domain(request, pk):
    """Drill-down: a domain's actions and institutions, for one kind or all."""
    strategy = strategy_current_or_404()
    domain = get_object_or_404(strategy.domains, pk=pk)
    actor = None
    if request.GET.get("aktoer"):
        actor = get_object_or_404(Actor, pk=id_from(request.GET["aktoer"]))
    actions = domain_actions(strategy=strategy, domain=domain, actor=actor)
    institutions = institutions_with_progress(
        strategy=strategy, actor_id=actor.pk if actor else None, domain_id=domain.pk
    )
    return render(
        request,
        "reports/dashboard_domain.html",
        {
            "domain": domain,
            "actor": actor,
            "actions": actions,
            # A page at a time: at thousands of institutions the table would weigh megabytes.
            "institutions": Paginator(institutions, 50).get_page(request.GET.get("side")),
            "query": query_without(request, "side"),
            "anchor": f"#domain-{domain.pk}",
            "pace": strategy_pace(strategy, today=timezone.localdate()),
            "may_open_institutions": may_read_everything(request.user),
        },
    )


@require_GET
def dashboard_export(request, table, fmt):
    """A dashboard table as a spreadsheet: XLSX, or CSV the way Danish Excel reads it."""
    if table not in DASHBOARD_TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    strategy = strategy_current_or_404()
    _form, choices = _dashboard_choices(request, strategy)
    if fmt == "xlsx" and table in MADE_BY_WORKER:
        # The workbook of every institution is made by a worker: say so, and ask for it.
        context = {"table": table, "title": TABLE_TITLES[table], "query": request.GET.urlencode()}
        return render(request, "reports/spreadsheet_request.html", context)
    filters = dashboard_filters(choices)
    if fmt == "csv":
        headers, rows = TABLES[table](strategy, filters)
        return spreadsheet_stream(headers, rows, f"overblik-{table}")
    return spreadsheet_response(table_dataset(strategy, table, filters), fmt, f"overblik-{table}")


# --- Reports ------------------------------------------------------------------------------

REQUEST_FORMS = {
    Report.Kind.STATUS: StatusReportForm,
    Report.Kind.REVISION: RevisionReportForm,
}


def _request_forms(user) -> dict:
    """The forms for the report kinds this person may request."""
    since = timezone.localdate() - dt.timedelta(days=30)
    forms = {}
    if may_request_report(user, Report.Kind.STATUS):
        forms["status"] = StatusReportForm(initial={"since": since}, prefix="status")
    if may_request_report(user, Report.Kind.REVISION):
        forms["revision"] = RevisionReportForm(prefix="revision")
    return forms


def _report_list(request, *, forms=None, status=200):
    reports = reports_visible(request.user).select_related("requested_by", "institution")
    return render(
        request,
        "reports/report_list.html",
        {
            "reports": reports[:100],
            "forms": forms or _request_forms(request.user),
            "may_request_batch": is_consultant(request.user),
            # Leaders make their plans' PDFs from the plan pages: say where.
            "own_memberships": own_memberships(request.user),
        },
        status=status,
    )


@two_factor_for_consultants
@require_GET
def report_list(request):
    """Earlier reports with who asked for them, and the forms to ask for new ones."""
    return _report_list(request)


@two_factor_for_consultants
@require_POST
def report_request_view(request, kind):
    """Record a report request; the person lands on its status page."""
    strategy = strategy_current_or_404()
    institution = None
    if kind == Report.Kind.ACTION_PLAN:
        # A handleplan: the institution's, or the municipal plan when none is given.
        if request.POST.get("institution"):
            institution = institution_readable(
                request.user, id_from(request.POST["institution"]) or 0
            )
        parameters = {}
    elif kind in REQUEST_FORMS:
        form = REQUEST_FORMS[kind](request.POST, prefix=kind)
        if not form.is_valid():
            return _report_list(
                request, forms=_request_forms(request.user) | {kind: form}, status=400
            )
        parameters = {key: str(value) for key, value in form.cleaned_data.items()}
    elif kind == Report.Kind.SPREADSHEET:
        # A table of the dashboard (its filters in the address), or the institution register.
        if request.POST.get("table") not in MADE_BY_WORKER:
            raise Http404
        _form, choices = _dashboard_choices(request, strategy)
        parameters = {"table": request.POST["table"], "filters": dashboard_filters(choices)}
    else:
        raise Http404
    if not may_request_report(request.user, kind, institution, parameters.get("table", "")):
        raise PermissionDenied(_("You may not request this report."))
    report = report_request(
        kind=kind,
        strategy=strategy,
        institution=institution,
        parameters=parameters,
        by=request.user,
    )
    return redirect(report)


@consultant_required
@require_POST
def report_batch_view(request):
    """Every institution's local action plan, one task each, and a ZIP of them all."""
    try:
        batch = report_batch_request(strategy=strategy_current_or_404(), by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("report_list")
    return redirect(batch)


@two_factor_for_consultants
@require_GET
def report_detail(request, pk):
    """The report's status, refreshed in place by htmx until it is finished."""
    report = report_readable(request.user, pk)
    parts = None
    if report.kind == Report.Kind.ACTION_PLAN_BATCH:
        parts = report.parts.aggregate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=Report.Status.DONE)),
            failed=Count("pk", filter=Q(status=Report.Status.FAILED)),
        )
    template = "reports/report_detail.html"
    if request.headers.get("HX-Request") == "true":
        template += "#status"
    return render(request, template, {"report": report, "parts": parts})


@two_factor_for_consultants
@require_GET
def report_download(request, pk):
    return _report_file(report_readable(request.user, pk), "file")


@require_GET
def report_download_word(request, pk):
    """The report's editable Word copy (status reports and handleplaner)."""
    return _report_file(report_readable(request.user, pk), "word_file")


def _report_file(report: Report, field: str) -> FileResponse:
    file = getattr(report, field)
    if report.status != Report.Status.DONE or not file:
        raise Http404(_("The report is not ready yet."))
    extension = file.name.rsplit(".", 1)[-1]
    name = slugify(report.title, allow_unicode=True)  # æ, ø and å kept
    return FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=f"{name}-{timezone.localdate(report.requested_at)}.{extension}",
    )


@two_factor_for_consultants
@require_POST
def report_retry_view(request, pk):
    report = report_readable(request.user, pk)
    table = report.parameters.get("table", "")
    if not may_request_report(request.user, report.kind, report.institution, table):
        raise PermissionDenied(_("You may not request this report."))
    report_retry(report=report)
    messages.info(request, _("The report is queued again."))
    return redirect(report)


def _document_counts(request, strategy) -> dict[str, dict[str, str]]:
    """What fills the strategy document's holes: every count, from the stored tallies."""
    tallies = strategy_tallies(strategy=strategy)

    def bar(tally: Tally, label: str) -> str:
        context = {"done": tally.done, "counted": tally.counted, "label": label}
        return render_to_string("includes/progress.html", context, request=request)

    return {
        "overall": {str(strategy.pk): bar(tallies.total, _("Overall progress"))},
        "domain": {
            str(domain.pk): bar(
                tallies.domains[domain.pk], _("Progress in %(domain)s") % {"domain": domain.name}
            )
            for domain in domains_in_order(strategy)
        },
        "action": {str(pk): _action_count(tally) for pk, tally in tallies.actions.items()},
    }


def _action_count(tally: Tally) -> SafeString:
    """ "x of N institutions done", escaped once here rather than as each request fills it in."""
    text = ngettext(
        "%(done)s of %(counted)s institution done",
        "%(done)s of %(counted)s institutions done",
        tally.counted,
    )
    return escape(text % {"done": tally.done, "counted": tally.counted})


@require_GET
def strategy_detail(request, pk=None):
    """The whole strategy as a readable document, with each action's progress."""
    strategy = strategy_current() if pk is None else strategy_readable(request.user, pk)
    if strategy is None:
        form = (
            StrategyCreateForm(initial={"municipality_name": municipality_current().name})
            if may_edit_strategy(request)
            else None
        )
        return render(request, "goals/no_strategy.html", {"form": form}, status=404)
    editor = may_edit_strategy(request)
    may_edit = editor and not strategy.is_archived

    def document_context():
        return {
            "strategy": strategy,
            "aims": strategy.aims.all(),
            "principles": strategy.principles.all(),
            "sections": strategy_document(strategy=strategy),
            "may_edit": may_edit,
            "carry_over_choices": Action.CarryOver.choices,
        }

    owner = may_edit and fragments.form_owner(request)

    def document():
        # A tick changes the counts, not the document: it is kept apart from them.
        return fragments.fragment(
            request,
            "strategy-document",
            kinds=[fragments.STRATEGY, fragments.GOALS],
            vary_on=[strategy.pk, owner],
            template="goals/includes/strategy_document.html",
            context=document_context,
        )

    if strategy.is_draft:  # no progress yet: nothing to fill in
        shown = document()
    else:
        # The document with its counts filled in is kept until either changes: after a tick,
        # the counts are read from the tallies and filled into the kept document.
        shown = fragments.kept(
            "strategy-filled",
            kinds=[
                fragments.STRATEGY,
                fragments.GOALS,
                fragments.PROGRESS,
                fragments.EVERY_INSTITUTION,
            ],
            vary_on=[strategy.pk, get_language(), owner],
            make=lambda: fragments.filled(document(), _document_counts(request, strategy)),
        )
    return render(
        request,
        "goals/strategy_detail.html",
        {
            "strategy": strategy,
            "document": shown,
            "may_edit": may_edit,
            # A consultant without two-factor authentication is told why there is no "Redigér".
            "needs_two_factor": is_consultant(request.user) and not editor,
            "reports": reports_visible(request.user).filter(
                strategy=strategy, status=Report.Status.DONE
            )
            if strategy.is_archived
            else [],
        },
    )


@require_GET
def home(request):
    """Each role's starting point: the committee's dashboard, a leader's institution; a
    consultant in an installation with no strategy yet on "Kom i gang"."""
    if is_consultant(request.user) and strategy_current() is None:
        return redirect("getting_started")
    return redirect(landing_page(request.user))


@require_GET
@read_everything_required(gettext_lazy("Only consultants and the committee see the comparison."))
def comparison(request):
    """How the municipality's adopted strategy compares with the other municipalities' that
    build on the same model, for its consultants and committee."""
    municipality = municipality_current()
    strategy = strategy_current_or_404()
    result = comparison_of(strategy) if municipality.compares else None
    return render(
        request,
        "reports/comparison.html",
        {
            "municipality": municipality,
            "strategy": strategy,
            "comparison": result,
            "compared_from": COMPARED_FROM,
        },
    )


@consultant_required
@require_POST
def comparison_join(request):
    """Take part in the comparison, or leave it."""
    compares = request.POST.get("compares") == "yes"
    municipality_compare(municipality=municipality_current(), compares=compares)
    if compares:
        messages.success(request, _("Your municipality takes part in the comparison."))
    else:
        messages.success(request, _("Your municipality no longer takes part in the comparison."))
    return redirect("comparison")
