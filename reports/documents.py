"""What each PDF report shows: the template and its context, built from the same selectors
as the pages so a number or a chart is computed once."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string

from actions import rollup
from actions.models import ActionPlanItem, Progress
from actions.revision import revision_compare
from actions.rollup import Tally
from actions.selectors import plan_page, strategy_document
from goals.models import Strategy
from institutions.models import Institution

from .models import Report
from .selectors import (
    changes_since,
    indicator_statuses,
    institutions_with_progress,
    over_time,
    overdue_actions,
    progress_matrix,
    strategy_progress,
)

# --- Statusrapport ------------------------------------------------------------------------


def status_context(*, strategy: Strategy, since: dt.date, today: dt.date) -> dict:
    timeline, then_now = over_time(strategy=strategy, until=today, since=since)
    return {
        "strategy": strategy,
        "today": today,
        "since": since,
        "matrix": progress_matrix(strategy=strategy),
        "over_time": timeline,
        "then_now": then_now,
        "change_count": changes_since(strategy=strategy, since=since, limit=1)[1],
        "overdue": list(overdue_actions(strategy=strategy, today=today)),
        "indicators": indicator_statuses(strategy=strategy),
        "institutions": list(institutions_with_progress(strategy=strategy, sort="actor")),
    }


# --- Handleplan ---------------------------------------------------------------------------


def action_plan_context(*, strategy: Strategy, institution: Institution | None) -> dict:
    page = plan_page(strategy=strategy, institution=institution)
    return {
        "strategy": strategy,
        "institution": institution,
        "page": page,
        "plan": page.plan,
        "overview": page.overview,
    }


# --- Revisionsrapport ---------------------------------------------------------------------


@dataclass
class DomainBudget:
    name: str
    planned: int
    in_plans: int


def budgets_by_domain(*, strategy: Strategy) -> list[DomainBudget]:
    """Per domain: the budget the strategy's actions name, and what the handleplaner set
    aside for them over their periods (local initiatives by the domain they chose)."""
    planned = dict(
        strategy.domains.annotate(
            total=Sum("goals__actions__budget", filter=Q(goals__actions__archived_at=None))
        ).values_list("pk", "total")
    )
    in_plans: dict[int | None, int] = defaultdict(int)
    items = ActionPlanItem.objects.filter(plan__strategy=strategy).select_related(
        "plan", "action__goal"
    )
    for item in items:
        domain_id = item.action.goal.domain_id if item.action_id else item.domain_id
        in_plans[domain_id] += sum(item.amounts_by_year(item.plan.years).values())
    return [
        DomainBudget(domain.name, planned.get(domain.pk) or 0, in_plans[domain.pk])
        for domain in strategy.domains.order_by("order")
    ]


def revision_context(*, strategy: Strategy, recommendations: str, today: dt.date) -> dict:
    """The adopted version's progress, and the draft of the next version's changes if one
    has been started."""
    sections = strategy_document(strategy=strategy)
    draft = strategy.next_versions.filter(status=Strategy.Status.DRAFT).first()
    by_actor = defaultdict(dict)
    for row in (
        strategy_progress(strategy=strategy)
        .values("action_id", "institution__actor__name")
        .annotate(
            done=Count("pk", filter=rollup.done()), counted=Count("pk", filter=rollup.counted())
        )
        .order_by("institution__actor__order")
    ):
        by_actor[row["action_id"]][row["institution__actor__name"]] = Tally(
            row["done"], row["counted"]
        )
    for section in sections:
        for group in section.groups:
            for action in group.actions:
                action.by_actor = by_actor[action.pk]
                for sub_item in action.sub_items:
                    sub_item.by_actor = by_actor[sub_item.pk]

    not_done = defaultdict(list)
    for row in (
        strategy_progress(strategy=strategy)
        .exclude(status=Progress.Status.DONE)
        .exclude(note="", reason="")
        .select_related("action__goal", "institution")
        .order_by("action__goal__domain__order", "action__order", "action_id", "institution__name")
    ):
        not_done[row.action.goal.domain_id].append(row)
    for section in sections:
        section.not_done = not_done[section.domain.pk]

    indicators = defaultdict(list)
    for status in indicator_statuses(strategy=strategy):
        indicators[status.indicator.goal.domain_id].append(status)
    for section in sections:
        section.indicators = indicators[section.domain.pk]

    per_domain = defaultdict(dict)
    for row in (
        strategy_progress(strategy=strategy)
        .values("institution_id", "action__goal__domain_id")
        .annotate(
            done=Count("pk", filter=rollup.done()), counted=Count("pk", filter=rollup.counted())
        )
        .order_by()
    ):
        per_domain[row["institution_id"]][row["action__goal__domain_id"]] = Tally(
            row["done"], row["counted"]
        )
    institutions = list(institutions_with_progress(strategy=strategy, sort="actor"))
    for institution in institutions:
        institution.by_domain = [
            (section.domain.name, per_domain[institution.pk].get(section.domain.pk, Tally()))
            for section in sections
        ]
    return {
        "strategy": strategy,
        "today": today,
        "recommendations": recommendations,
        "sections": sections,
        "matrix": progress_matrix(strategy=strategy),
        "over_time": over_time(strategy=strategy, until=today),
        "budgets": budgets_by_domain(strategy=strategy),
        "institutions": institutions,
        "comparison": revision_compare(old=strategy, new=draft) if draft else None,
    }


TEMPLATES = {
    Report.Kind.STATUS: "reports/pdf/status.html",
    Report.Kind.ACTION_PLAN: "reports/pdf/action_plan.html",
    Report.Kind.REVISION: "reports/pdf/revision.html",
}


def report_html(*, report: Report, today: dt.date) -> str:
    """The report's document as HTML, ready for WeasyPrint."""
    parameters = report.parameters
    if report.kind == Report.Kind.STATUS:
        since = dt.date.fromisoformat(parameters["since"])
        context = status_context(strategy=report.strategy, since=since, today=today)
    elif report.kind == Report.Kind.ACTION_PLAN:
        context = action_plan_context(strategy=report.strategy, institution=report.institution)
    else:
        context = revision_context(
            strategy=report.strategy,
            recommendations=parameters.get("recommendations", ""),
            today=today,
        )
    context |= {"report": report, "title": report.title, "today": today}
    return render_to_string(TEMPLATES[report.kind], context)
