"""What each PDF report shows: the template and its context, built from the same selectors
as the pages so a number or a chart is computed once."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from actions import rollup
from actions.models import Action, ActionPlanItem, Progress
from actions.revision import revision_compare
from actions.rollup import Tally
from actions.selectors import item_amount_over_plan, plan_page, strategy_document
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
    strategy_pace,
    strategy_progress,
    then_now_by_actor,
)
from .summary import key_messages, plan_messages
from .word import action_plan_docx, status_docx

# --- Statusrapport ------------------------------------------------------------------------


# The newest changes a status report lists; it says how many there are in all.
CHANGES_LISTED = 100


def status_context(*, strategy: Strategy, since: dt.date, today: dt.date) -> dict:
    timeline, then_now = over_time(strategy=strategy, until=today, since=since)
    matrix = progress_matrix(strategy=strategy)
    pace = strategy_pace(strategy, today=today)
    changes, change_count = changes_since(strategy=strategy, since=since, limit=CHANGES_LISTED)
    overdue = list(overdue_actions(strategy=strategy, today=today))
    money = strategy_money(budgets_by_domain(strategy=strategy))
    return {
        "strategy": strategy,
        "today": today,
        "since": since,
        "pace": pace,
        "summary": key_messages(
            strategy=strategy,
            matrix=matrix,
            pace=pace,
            overdue_count=len(overdue),
            money=money,
            since=(since, change_count, then_now[-1][1]),
        ),
        "matrix": matrix,
        "over_time": timeline,
        "then_now": then_now,
        "actor_then_now": then_now_by_actor(strategy=strategy, since=since, matrix=matrix),
        "changes": changes,
        "change_count": change_count,
        "overdue": overdue,
        "indicators": indicator_statuses(strategy=strategy),
        "institutions": list(
            institutions_with_progress(strategy=strategy, sort="actor", every=True)
        ),
    }


# --- Handleplan ---------------------------------------------------------------------------


def action_plan_context(*, strategy: Strategy, institution: Institution | None, today) -> dict:
    page = plan_page(strategy=strategy, institution=institution)
    pace = strategy_pace(strategy, today=today)
    if institution is None:
        progress = progress_matrix(strategy=strategy).total
    else:
        progress = institutions_with_progress(strategy=strategy).filter(pk=institution.pk).first()
    return {
        "strategy": strategy,
        "institution": institution,
        "page": page,
        "plan": page.plan,
        "overview": page.overview,
        "pace": pace,
        "summary": plan_messages(page=page, progress=progress, pace=pace),
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
    # An item of a strategy's action counts in the action's domain, a local initiative in
    # the one it chose; summed in the database (thousands of plans).
    in_plans = dict(
        ActionPlanItem.objects.filter(plan__strategy=strategy)
        .values_list(Coalesce("action__goal__domain_id", "domain_id"))
        .annotate(total=Sum(item_amount_over_plan()))
        .order_by()
    )
    return [
        DomainBudget(domain.name, planned.get(domain.pk) or 0, in_plans.get(domain.pk) or 0)
        for domain in strategy.domains.order_by("order")
    ]


def budgets_total(budgets: list[DomainBudget]) -> DomainBudget:
    """The domains' budgets added up: the table's "I alt" row."""
    return DomainBudget(
        _("In all"),
        sum(row.planned for row in budgets),
        sum(row.in_plans for row in budgets),
    )


def strategy_money(budgets: list[DomainBudget]) -> tuple[int, int]:
    """(set aside in the handleplaner, named as the actions' budgets), over all domains."""
    total = budgets_total(budgets)
    return total.in_plans, total.planned


# As many institutions as this giving the same reason, and no note, are named in one line.
SHARED_REASON_LINE = 3


@dataclass
class NotDone:
    """An action's unfinished rows with words: a line per reason many institutions share,
    and the rest one by one."""

    action: Any
    shared: list[tuple[str, list[str]]] = field(default_factory=list)
    rows: list[Progress] = field(default_factory=list)


def not_done_by_action(rows: list[Progress], actions: dict[int, Action]) -> list[NotDone]:
    """`rows` (in the action order) grouped by action, shared reasons gathered."""
    entries: dict[int, NotDone] = {}
    by_reason: dict[int, dict[str, list[Progress]]] = defaultdict(lambda: defaultdict(list))
    statuses = {value: str(label) for value, label in Progress.Status.choices}
    for row in rows:
        entries.setdefault(row.action_id, NotDone(action=actions[row.action_id]))
        label = f"{statuses[row.status]}: {row.reason}" if row.reason else ""
        by_reason[row.action_id][label if label and not row.note else ""].append(row)
    for action_id, entry in entries.items():
        for label, same in by_reason[action_id].items():
            if label and len(same) >= SHARED_REASON_LINE:
                entry.shared.append((label, [row.institution.name for row in same]))
            else:
                entry.rows += same
        entry.rows.sort(key=lambda row: row.institution.name)
    return list(entries.values())


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

    # The unfinished rows with words on them: at thousands of institutions tens of thousands,
    # so each row reads only what it prints, and the actions are read once.
    rows = list(
        strategy_progress(strategy=strategy)
        .exclude(status=Progress.Status.DONE)
        .exclude(note="", reason="")
        .select_related("institution")
        .only("action_id", "status", "reason", "note", "institution__name")
        .order_by("action__goal__domain__order", "action__order", "action_id", "institution__name")
    )
    actions = Action.objects.select_related("goal", "parent").prefetch_related("actors")
    actions_by_pk = actions.in_bulk({row.action_id for row in rows})
    not_done = defaultdict(list)
    for row in rows:
        not_done[actions_by_pk[row.action_id].goal.domain_id].append(row)
    # Per action, the unfinished rows nobody wrote a word on: the section says how many.
    silent = dict(
        strategy_progress(strategy=strategy)
        .filter(rollup.open_rows(), note="", reason="")
        .values("action_id")
        .annotate(n=Count("pk"))
        .values_list("action_id", "n")
    )
    for section in sections:
        section.not_done = not_done_by_action(not_done[section.domain.pk], actions_by_pk)
        for entry in section.not_done:
            entry.action.silent = silent.get(entry.action.pk, 0)
        section.silent = sum(
            silent.get(item.pk, 0)
            for group in section.groups
            for action in group.actions
            for item in [action, *action.sub_items]
        )

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
    institutions = list(institutions_with_progress(strategy=strategy, sort="actor", every=True))
    matrix = progress_matrix(strategy=strategy)
    pace = strategy_pace(strategy, today=today)
    budgets = budgets_by_domain(strategy=strategy)
    for institution in institutions:
        institution.by_domain = [
            (section.domain.name, per_domain[institution.pk].get(section.domain.pk, Tally()))
            for section in sections
        ]
    return {
        "strategy": strategy,
        "today": today,
        "recommendations": recommendations,
        "pace": pace,
        "summary": key_messages(
            strategy=strategy,
            matrix=matrix,
            pace=pace,
            overdue_count=overdue_actions(strategy=strategy, today=today).count(),
            money=strategy_money(budgets),
        ),
        "sections": sections,
        "matrix": matrix,
        "over_time": over_time(strategy=strategy, until=today),
        "budgets": budgets,
        "budget_total": budgets_total(budgets),
        "has_deadlines": any(
            action.deadline or action.deadline_label
            for section in sections
            for group in section.groups
            for action in group.actions
        ),
        "institutions": institutions,
        "comparison": revision_compare(old=strategy, new=draft) if draft else None,
    }


TEMPLATES = {
    Report.Kind.STATUS: "reports/pdf/status.html",
    Report.Kind.ACTION_PLAN: "reports/pdf/action_plan.html",
    Report.Kind.REVISION: "reports/pdf/revision.html",
}


def report_context(*, report: Report, today: dt.date) -> dict:
    """What the report shows, for its PDF and its Word copy alike."""
    parameters = report.parameters
    if report.kind == Report.Kind.STATUS:
        since = dt.date.fromisoformat(parameters["since"])
        context = status_context(strategy=report.strategy, since=since, today=today)
    elif report.kind == Report.Kind.ACTION_PLAN:
        context = action_plan_context(
            strategy=report.strategy, institution=report.institution, today=today
        )
    else:
        context = revision_context(
            strategy=report.strategy,
            recommendations=parameters.get("recommendations", ""),
            today=today,
        )
    return context | {"report": report, "title": report.title, "today": today}


def report_html(*, report: Report, context: dict) -> str:
    """The report's document as HTML, ready for WeasyPrint."""
    return render_to_string(TEMPLATES[report.kind], context | {"for_print": True})


def report_docx(*, report: Report, context: dict) -> bytes:
    """The report as an editable Word document (status reports and handleplaner)."""
    if report.kind == Report.Kind.STATUS:
        return status_docx(context)
    return action_plan_docx(context)
