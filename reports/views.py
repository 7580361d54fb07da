import datetime as dt

import tablib
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from goals.selectors import strategy_current
from institutions.models import Actor
from strategy_tracker.permissions import may_read_everything

from .forms import DashboardForm
from .selectors import (
    change_count_since,
    changes_since,
    domain_actions,
    indicator_statuses,
    institution_areas,
    institutions_with_progress,
    overall_series,
    overdue_actions,
    progress_matrix,
    progress_over_time,
    quarter_ends,
    series_table,
)


def _dashboard_choices(request) -> tuple[DashboardForm, dict]:
    """The dashboard's filters from the address; invalid ones are shown and ignored."""
    form = DashboardForm(request.GET or None, areas=institution_areas())
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data
    return form, {}


def _filtered_institutions(strategy, choices):
    return institutions_with_progress(
        strategy=strategy,
        actor_id=choices["actor"].pk if choices.get("actor") else None,
        area=choices.get("area", ""),
        search=choices.get("q", ""),
        sort=choices.get("sort") or "name",
    )


def _strategy():
    strategy = strategy_current()
    if strategy is None:
        raise Http404(_("No strategy has been adopted yet."))
    return strategy


def _moment_label(day: dt.date) -> str:
    """ "K3 2025" for the end of a quarter; the date itself for a day inside one (today)."""
    if (day + dt.timedelta(days=1)).month in (1, 4, 7, 10) and (
        day + dt.timedelta(days=1)
    ).day == 1:
        return _("Q%(quarter)s %(year)s") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}
    return date_format(day, "j. b Y")


@require_GET
def dashboard(request):
    """How far each domain, actor and institution has come, for everyone signed in."""
    strategy = _strategy()
    form, choices = _dashboard_choices(request)
    today = timezone.localdate()
    since = choices.get("since") or today - dt.timedelta(days=30)

    start, end = strategy.plan_period()
    days = quarter_ends(start, min(end, today)) if start <= today else [today]
    series = progress_over_time(strategy=strategy, days=days)
    then_now = progress_over_time(strategy=strategy, days=[since, today])
    labels = [_moment_label(day) for day in days]
    institutions = _filtered_institutions(strategy, choices)
    return render(
        request,
        "reports/dashboard.html",
        {
            "strategy": strategy,
            "form": form,
            "since": since,
            "matrix": progress_matrix(strategy=strategy),
            "series": [*series, overall_series(series)],
            "labels": labels,
            "series_rows": series_table([*series, overall_series(series)], labels),
            "then_now": [
                (one.label, one.points[0], one.points[-1])
                for one in [*then_now, overall_series(then_now)]
            ],
            "change_count": change_count_since(strategy=strategy, since=since),
            "changes": changes_since(strategy=strategy, since=since),
            "overdue": overdue_actions(strategy=strategy, today=today),
            "indicators": indicator_statuses(strategy=strategy),
            "institutions": Paginator(institutions, 50).get_page(request.GET.get("side")),
            "query": _query_without(request, "side"),
            "may_open_institutions": may_read_everything(request.user),
        },
        status=400 if form.errors else 200,
    )


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@require_GET
def dashboard_domain(request, pk):
    """Drill-down: a domain's actions and institutions, for one kind or all."""
    strategy = _strategy()
    domain = get_object_or_404(strategy.domains, pk=pk)
    actor = None
    if actor_id := request.GET.get("aktoer"):
        if not actor_id.isdigit():
            raise Http404
        actor = get_object_or_404(Actor, pk=actor_id)
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
            "institutions": institutions,
            "anchor": f"#domain-{domain.pk}",
            "may_open_institutions": may_read_everything(request.user),
        },
    )


def _export_domains(strategy, choices):
    matrix = progress_matrix(strategy=strategy)
    headers = [_("Domain")]
    for actor in [*matrix.actors, None]:
        name = actor.name if actor else _("In all")
        headers += [f"{name}: " + _("done"), f"{name}: " + _("counted"), f"{name}: %"]
    data = tablib.Dataset(headers=headers)
    for row in [*matrix.rows, None]:
        if row:
            cells = [*(cell.tally for cell in row.cells), row.total]
        else:
            cells = [*matrix.column_totals, matrix.total]
        values = [row.domain.name if row else _("In all")]
        for tally in cells:
            values += [tally.done, tally.counted, tally.percent]
        data.append(values)
    return data


def _export_institutions(strategy, choices):
    data = tablib.Dataset(
        headers=[_("Institution"), _("Kind"), _("Area"), _("Done"), _("Counted"), "%"]
    )
    for institution in _filtered_institutions(strategy, choices):
        percent = round(100 * institution.done / institution.counted) if institution.counted else 0
        data.append(
            [
                institution.name,
                institution.actor.name,
                institution.area,
                institution.done,
                institution.counted,
                percent,
            ]
        )
    return data


def _export_overdue(strategy, choices):
    data = tablib.Dataset(
        headers=[_("Action"), _("Domain"), _("Deadline"), _("Done"), _("Counted")]
    )
    for action in overdue_actions(strategy=strategy, today=timezone.localdate()):
        data.append(
            [action.text, action.goal.domain.name, action.deadline, action.done, action.counted]
        )
    return data


EXPORTS = {
    "domaener": _export_domains,
    "institutioner": _export_institutions,
    "forsinkede": _export_overdue,
}


@require_GET
def dashboard_export(request, table, fmt):
    """A dashboard table as a spreadsheet: XLSX, or CSV the way Danish Excel reads it."""
    if table not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    strategy = _strategy()
    _form, choices = _dashboard_choices(request)
    data = EXPORTS[table](strategy, choices)
    filename = f"overblik-{table}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        # A byte order mark and semicolons: what Excel with Danish settings expects.
        response = HttpResponse(
            "\ufeff" + data.export("csv", delimiter=";"), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            data.export("xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
