import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import tablib
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import fragments
from goals.models import Domain, Goal, Indicator, Principle, Strategy
from institutions.models import Actor, Institution

from . import rollup
from .models import (
    AMENDMENT,
    Action,
    ActionPlan,
    ActionPlanItem,
    ActionTally,
    GoalProgress,
    InstitutionTally,
    PoolShare,
    Progress,
)
from .rollup import Tally


@dataclass
class DomainProgress:
    """One domain's actions at one institution, in the strategy's order; `shown` are the rows
    a filter leaves on the page (all of them unfiltered)."""

    domain: Domain
    rows: list[Progress] = field(default_factory=list)
    shown: list[Progress] = field(default_factory=list)
    counted_in_database: Tally | None = None  # when the rows are not read (a tick's answer)
    is_open: bool = True  # its rows on the page, or only its count and a link that opens it

    @cached_property
    def tally(self) -> Tally:
        """Read once the rows are all in (institution_progress fills them first)."""
        if self.counted_in_database is not None:
            return self.counted_in_database
        return Tally.of(row.status for row in self.rows)

    @property
    def done(self) -> int:
        return self.tally.done

    @property
    def counted(self) -> int:
        return self.tally.counted


# What "Min institution" can be narrowed to, by the slug in its address (?vis=).
PROGRESS_FILTERS: dict[str, Any] = {
    "mangler": gettext_lazy("Not started"),
    "i-gang": gettext_lazy("In progress"),
    "udfoert": gettext_lazy("Done"),
    "forfalder": gettext_lazy("Due soon"),
}


def _row_shown(row: Progress, view: str, today: dt.date) -> bool:
    if view == "mangler":
        return row.status == Progress.Status.NOT_STARTED
    if view == "i-gang":
        return row.status == Progress.Status.IN_PROGRESS
    if view == "udfoert":
        return row.status == Progress.Status.DONE
    if view == "forfalder":
        return rollup.is_due_soon(row.status, row.action.deadline, today=today)
    return True


@dataclass
class ProgressFilter:
    slug: str
    label: Any
    count: int
    active: bool


def progress_filtered(
    sections: list[DomainProgress], *, view: str, today: dt.date
) -> list[ProgressFilter]:
    """Narrow each section's `shown` rows to the view ("" for all) and say how many rows each
    filter would show."""
    rows = [row for section in sections for row in section.rows]
    for section in sections:
        section.shown = [row for row in section.rows if _row_shown(row, view, today)]
    return [
        ProgressFilter("", gettext_lazy("All"), len(rows), view not in PROGRESS_FILTERS),
        *(
            ProgressFilter(
                slug, label, sum(_row_shown(row, slug, today) for row in rows), slug == view
            )
            for slug, label in PROGRESS_FILTERS.items()
        ),
    ]


# More rows than this on "Min institution" and its domains open one at a time, so a school
# with a hundred actions gets a light page on a phone: each domain's count, and its rows when
# opened.
ROWS_AT_ONCE = 20


def sections_opened(sections: list[DomainProgress], *, opened: int | None) -> None:
    """Open every section when the rows shown are few, otherwise only the `opened` domain."""
    collapsed = sum(len(section.shown) for section in sections) > ROWS_AT_ONCE
    for section in sections:
        section.is_open = not collapsed or section.domain.pk == opened


def institution_progress(*, institution: Institution, strategy: Strategy) -> list[DomainProgress]:
    """Every action that applies to the institution, grouped by domain; sub-items follow
    their parent. One query."""
    rows = Progress.objects.filter(
        institution=institution,
        action__goal__domain__strategy=strategy,
        action__archived_at=None,
    ).select_related("action__goal__domain", "action__parent", "updated_by")

    def position(row: Progress) -> tuple[int, ...]:
        action = row.action
        top = action.parent or action
        return (
            action.goal.domain.order,
            top.order,
            top.pk,
            action.parent_id is not None,
            action.order,
        )

    sections: dict[int, DomainProgress] = {}
    for row in sorted(rows, key=position):
        domain = row.action.goal.domain
        sections.setdefault(domain.pk, DomainProgress(domain=domain)).rows.append(row)
    for section in sections.values():
        section.shown = list(section.rows)
    return list(sections.values())


@dataclass
class TickParts:
    section: DomainProgress
    total: Tally


def progress_tick_parts(
    *, institution: Institution, strategy: Strategy, row: Progress
) -> TickParts:
    """What the answer to a tick shows beside the row as the tick saved it (with its action's
    goal and domain): its domain's tally at the institution and the institution's own
    (stored), without reading the institution's other rows. Two queries."""
    domain = row.action.goal.domain
    counts = Progress.objects.filter(
        institution=institution, action__goal__domain=domain, action__archived_at=None
    ).aggregate(
        done=Count("pk", filter=rollup.done()), counted=Count("pk", filter=rollup.counted())
    )
    stored = InstitutionTally.objects.filter(institution=institution, strategy=strategy).first()
    return TickParts(
        section=DomainProgress(domain=domain, counted_in_database=Tally(**counts)),
        total=Tally(stored.done, stored.counted) if stored else Tally(),
    )


@dataclass
class ProgressChange:
    """One recorded change of an institution's status on an action: who, when, old → new."""

    record: Any  # a historical Progress row
    previous_status: str | None  # None for the first record

    @property
    def status_changed(self) -> bool:
        return self.previous_status != self.record.status

    @property
    def old_status(self) -> str:
        return str(Progress.Status(self.previous_status).label) if self.previous_status else ""

    @property
    def new_status(self) -> str:
        return self.record.get_status_display()


def progress_changes(
    *, institution: Institution, row: Progress | None = None, limit: int = 50
) -> list[ProgressChange]:
    """The newest changes at an institution (or to one of its rows), each with the status
    before it so the page can say old → new. One query, whatever the limit or the length of
    the history: the status before comes from one index lookup per change shown."""
    before = Progress.history.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    records = Progress.history.filter(institution_id=institution.pk).exclude(history_type="+")
    if row is not None:
        records = records.filter(id=row.pk)  # the row's own records, in one index
    newest = (
        records.select_related("history_user", "action")
        .annotate(
            previous_status=Subquery(
                before.order_by("-history_date", "-history_id").values("status")[:1]
            )
        )
        .order_by("-history_date", "-history_id")[:limit]
    )
    return [ProgressChange(record, record.previous_status) for record in newest]


# --- Handleplaner ---------------------------------------------------------------------------


@dataclass
class EconomicOverview:
    """A plan's budget summed by domain, by funding source and by year, and the central
    pool money granted to its institution."""

    by_domain: list[tuple[str, int]]
    by_funding: list[tuple[str, int]]
    by_year: list[tuple[str, int]]
    total: int
    central_planned: int
    allocated: int

    @property
    def central_left(self) -> int:
        return self.allocated - self.central_planned


def economic_overview(
    *, plan: ActionPlan, items: list[ActionPlanItem], domains: list[Domain], allocated: int
) -> EconomicOverview:
    by_domain: dict[int | None, int] = defaultdict(int)
    by_funding: dict[str, int] = defaultdict(int)
    by_year: dict[int | None, int] = defaultdict(int)
    for item in items:
        amounts = item.amounts_by_year(plan.years)
        amount = sum(amounts.values())
        domain_id = item.action.goal.domain_id if item.action is not None else item.domain_id
        by_domain[domain_id] += amount
        by_funding[item.funding] += amount
        for year, value in amounts.items():
            by_year[year] += value
    domain_rows = [(domain.name, by_domain[domain.pk]) for domain in domains]
    if by_domain.get(None):
        domain_rows.append(
            (_("No %(domain)s") % {"domain": plan.strategy.domain_noun}, by_domain[None])
        )
    years = sorted(set(plan.years) | {year for year in by_year if year is not None})
    year_rows = [(str(year), by_year[year]) for year in years]
    if by_year.get(None):
        year_rows.append((_("No deadline"), by_year[None]))
    return EconomicOverview(
        by_domain=domain_rows,
        by_funding=[
            (str(label), by_funding[value]) for value, label in ActionPlanItem.Funding.choices
        ],
        by_year=year_rows,
        total=sum(by_funding.values()),
        central_planned=by_funding[ActionPlanItem.Funding.CENTRAL],
        allocated=allocated,
    )


@dataclass
class PlanPage:
    plan: ActionPlan
    items: list[ActionPlanItem]
    overview: EconomicOverview
    shares: list[PoolShare]
    amendments: list


def action_plan_get(*, strategy: Strategy, institution: Institution | None) -> ActionPlan:
    """The institution's plan (the municipal plan for None), or an unsaved draft for the
    strategy's period when nobody has added to it yet."""
    plan = ActionPlan.objects.filter(strategy=strategy, institution=institution).first()
    if plan is None:
        start, end = strategy.plan_period()
        plan = ActionPlan(period_start=start, period_end=end)
    plan.strategy, plan.institution = strategy, institution
    return plan


def plan_items(*, plan: ActionPlan) -> list[ActionPlanItem]:
    if plan.pk is None:
        return []
    items = plan.items.select_related("action__goal__domain", "domain").order_by(
        "action__goal__domain__order", "domain__order", "deadline", "pk"
    )
    listed = list(items)
    for item in listed:
        item.plan = plan  # the item's links need the plan; this spares a query per item
    return listed


def plan_page(*, strategy: Strategy, institution: Institution | None) -> PlanPage:
    """Everything the handleplan page shows, in a fixed number of queries."""
    plan = action_plan_get(strategy=strategy, institution=institution)
    items = plan_items(plan=plan)
    shares = list(
        PoolShare.objects.filter(
            allocation__strategy=strategy, institution=institution
        ).select_related("allocation")
        if institution
        else PoolShare.objects.none()
    )
    amendments = []
    if plan.is_approved:
        amendments = list(
            ActionPlanItem.history.filter(plan_id=plan.pk, history_change_reason=AMENDMENT)
            .select_related("history_user", "action")
            .order_by("-history_date", "-history_id")[:100]
        )
    return PlanPage(
        plan=plan,
        items=items,
        overview=economic_overview(
            plan=plan,
            items=items,
            domains=list(strategy.domains.order_by("order")),
            allocated=sum(share.amount for share in shares),
        ),
        shares=shares,
        amendments=amendments,
    )


@dataclass
class PlanBudget:
    """One institution's local plan in the side-by-side view."""

    institution: Institution
    plan: ActionPlan | None
    total: int = 0
    central: int = 0
    own: int = 0
    allocated: int = 0

    @property
    def central_left(self) -> int:
        return self.allocated - self.central


def plan_budget_institutions() -> QuerySet[Institution]:
    """The institutions of the side-by-side view, in its order: every active local one."""
    return (
        Institution.objects.local()
        .filter(is_active=True)
        .select_related("actor")
        .order_by("actor__order", "name")
    )


def plan_budgets(*, strategy: Strategy, institutions) -> list[PlanBudget]:
    """These institutions' local plan budgets next to each other (a page of the view).
    Three queries."""
    rows: dict[int | None, PlanBudget] = {
        institution.pk: PlanBudget(institution=institution, plan=None)
        for institution in institutions
    }
    plans = {
        plan.pk: plan
        for plan in ActionPlan.objects.filter(strategy=strategy, institution_id__in=rows)
    }
    for plan in plans.values():
        rows[plan.institution_id].plan = plan
    for item in ActionPlanItem.objects.filter(plan_id__in=plans).only(
        "plan_id", "budget", "funding", "recurrence", "deadline"
    ):
        row = rows[plans[item.plan_id].institution_id]
        amount = sum(item.amounts_by_year(plans[item.plan_id].years).values())
        row.total += amount
        if item.funding == ActionPlanItem.Funding.CENTRAL:
            row.central += amount
        else:
            row.own += amount
    for institution_id, allocated in (
        PoolShare.objects.filter(allocation__strategy=strategy, institution_id__in=rows)
        .values_list("institution_id")
        .annotate(total=Sum("amount"))
    ):
        rows[institution_id].allocated = allocated
    return list(rows.values())


def item_amount_over_plan() -> Case:
    """An item's amount over its plan's period, in the database: its budget, times the plan's
    years when it recurs (what ActionPlanItem.amounts_by_year adds up to)."""
    years = ExtractYear("plan__period_end") - ExtractYear("plan__period_start") + 1
    return Case(
        When(recurrence=ActionPlanItem.Recurrence.RECURRING, then=F("budget") * years),
        default=F("budget"),
        output_field=BigIntegerField(),
    )


def plan_budget_totals(*, strategy: Strategy) -> dict[str, int]:
    """What every active local plan sets aside, and what the pool gave them: summed in the
    database (two queries over every plan's items), then kept until a plan, the pool or the
    strategy (its institutions among it) changes."""
    return fragments.kept(
        "plan-budget-totals",
        kinds=[fragments.STRATEGY, fragments.PLANS],
        vary_on=[strategy.pk],
        make=partial(_plan_budget_totals, strategy=strategy),
    )


def _plan_budget_totals(*, strategy: Strategy) -> dict[str, int]:
    institutions = plan_budget_institutions().values("pk")
    amount = item_amount_over_plan()
    sums = ActionPlanItem.objects.filter(
        plan__strategy=strategy, plan__institution__in=institutions
    ).aggregate(
        central=Sum(amount, filter=Q(funding=ActionPlanItem.Funding.CENTRAL), default=0),
        own=Sum(amount, filter=~Q(funding=ActionPlanItem.Funding.CENTRAL), default=0),
    )
    allocated = PoolShare.objects.filter(
        allocation__strategy=strategy, institution__in=institutions
    ).aggregate(total=Sum("amount", default=0))["total"]
    return {
        "total": sums["central"] + sums["own"],
        "central": sums["central"],
        "own": sums["own"],
        "allocated": allocated,
    }


def pool_shares_compute(*, amount: int, children: dict[int, int]) -> dict[int, int]:
    """Share `amount` whole kroner by number of children (institution id → children).

    Each gets its proportional share rounded down; the kroner left over go one each to the
    largest remainders (ties to the lower id), so the shares add up to exactly `amount`.
    """
    total = sum(children.values())
    if total == 0:
        return dict.fromkeys(children, 0)
    shares, remainders = {}, []
    for institution_id, count in children.items():
        shares[institution_id], remainder = divmod(amount * count, total)
        remainders.append((-remainder, institution_id))
    for _remainder, institution_id in sorted(remainders)[: amount - sum(shares.values())]:
        shares[institution_id] += 1
    return shares


def pool_candidates(*, actor_ids: Iterable[int]) -> list[Institution]:
    """The active institutions of the actors that have a number of children to share by."""
    return list(
        Institution.objects.filter(
            actor_id__in=list(actor_ids), is_active=True, children_count__gt=0
        ).order_by("name")
    )


@dataclass
class PoolPreview:
    """What an allocation would give each institution, and a fingerprint of the inputs so a
    confirmation of a preview that no longer holds can be refused."""

    rows: list[tuple[Institution, int]]
    fingerprint: str

    @property
    def total(self) -> int:
        return sum(amount for _institution, amount in self.rows)


def pool_allocation_preview(*, amount: int, actor_ids: list[int]) -> PoolPreview:
    institutions = pool_candidates(actor_ids=actor_ids)
    shares = pool_shares_compute(
        amount=amount, children={i.pk: i.children_count or 0 for i in institutions}
    )
    inputs = repr([amount, [(i.pk, i.children_count) for i in institutions]])
    return PoolPreview(
        rows=[(institution, shares[institution.pk]) for institution in institutions],
        fingerprint=hashlib.sha256(inputs.encode()).hexdigest()[:16],
    )


def progress_export(*, institution: Institution, strategy: Strategy) -> tablib.Dataset:
    """One institution's progress as rows with the import's Danish headings."""
    data = tablib.Dataset(headers=["Handling", "Status", "Note", "Begrundelse", "Domæne"])
    for section in institution_progress(institution=institution, strategy=strategy):
        for row in section.rows:
            data.append(
                [
                    row.action.text,
                    row.get_status_display(),
                    row.note,
                    row.reason,
                    section.domain.name,
                ]
            )
    return data


@dataclass
class ActionGroup:
    """The actions of one domain for one set of actors, as the strategy prints them."""

    actors: tuple[Actor, ...]
    actions: list[Action] = field(default_factory=list)

    @property
    def label(self) -> str:
        """ "Skole og dagtilbud": later names in lower case, as in running text."""
        first, *rest = [actor.name for actor in self.actors]
        if not rest:
            return first
        *middle, last = [name.lower() for name in rest]
        return _("%(names)s and %(last)s") % {"names": ", ".join([first, *middle]), "last": last}


@dataclass
class DomainSection:
    domain: Domain
    goals: list[Goal]
    groups: list[ActionGroup]
    done: int
    counted: int
    started: int = 0

    @property
    def anchor(self) -> str:
        return f"domain-{self.domain.pk}"


def actions_tallied(*, strategy: Strategy, actor_id: int | None = None) -> QuerySet[Any]:
    """Actions of a strategy annotated with `done`, `counted` and `started` (rows at active
    institutions, of one kind when given), read from the stored tallies (actions/tallies.py),
    so "x af N" counts no progress rows."""
    tallies = Q(tallies__actor_id=actor_id) if actor_id is not None else Q()
    return Action.objects.filter(goal__domain__strategy=strategy, archived_at=None).annotate(
        **{
            name: Sum(f"tallies__{name}", filter=tallies, default=0)
            for name in ("done", "counted", "started")
        }
    )


def actions_with_progress(*, strategy: Strategy) -> QuerySet[Any]:
    """The strategy's actions with their tallies, their actors (`actor_list`) and the
    institutions they are only for (`institution_list`), in the strategy's order. The lists
    are attributes, not managers: Django then makes no queryset for each of hundreds of
    actions."""
    return (
        actions_tallied(strategy=strategy)
        .prefetch_related(
            Prefetch(
                "actors",
                queryset=Actor.objects.order_by("order", "name"),
                to_attr="actor_list",
            ),
            Prefetch(
                "institutions",
                queryset=Institution.objects.order_by("name").only("name"),
                to_attr="institution_list",
            ),
        )
        .order_by("order", "pk")
    )


def strategy_document(*, strategy: Strategy) -> list[DomainSection]:
    """The strategy's domains with goals and actions grouped by actors, with progress; a
    local goal has `reached`, how many of its institutions have reached it."""
    # Each level with its queryset: Django then gives each goal its principles and indicators
    # without making a manager's scoped queryset for every goal.
    domains = list(
        strategy.domains.prefetch_related(
            Prefetch("goals", queryset=Goal.objects.all()),
            Prefetch("goals__principles", queryset=Principle.objects.all()),
            Prefetch("goals__indicators", queryset=Indicator.objects.all()),
        )
    )
    actions = list(actions_with_progress(strategy=strategy).select_related("goal"))
    reached = local_goals_reached(strategy=strategy)

    children = defaultdict(list)
    for action in actions:
        if action.parent_id:
            children[action.parent_id].append(action)
    by_domain = defaultdict(list)
    for action in actions:
        action.sub_items = children[action.pk]
        by_domain[action.goal.domain_id].append(action)

    sections = []
    for domain in domains:
        groups: dict[tuple[int, ...], ActionGroup] = {}
        for action in by_domain[domain.pk]:
            if action.parent_id:
                continue
            actors = tuple(action.actor_list)
            key = tuple(actor.pk for actor in actors)
            groups.setdefault(key, ActionGroup(actors=actors)).actions.append(action)
        goals: list[Any] = list(domain.goals.all())
        for goal in goals:
            goal.reached = reached.get(goal.pk)
        sections.append(
            DomainSection(
                domain=domain,
                goals=goals,
                groups=list(groups.values()),
                done=sum(action.done for action in by_domain[domain.pk]),
                counted=sum(action.counted for action in by_domain[domain.pk]),
                started=sum(action.started for action in by_domain[domain.pk]),
            )
        )
    return sections


@dataclass
class StrategyTallies:
    """The counts the strategy page shows, apart from the document they are shown in."""

    actions: dict[int, Tally]
    domains: defaultdict[int, Tally]  # a domain without actions: nothing done of nothing
    total: Tally


def strategy_tallies(*, strategy: Strategy) -> StrategyTallies:
    """Each action's and domain's count and the strategy's, from the stored tallies. One
    query."""
    actions: dict[int, Tally] = {}
    domains: defaultdict[int, Tally] = defaultdict(Tally)
    for pk, domain_id, done, counted, started in actions_tallied(strategy=strategy).values_list(
        "pk", "goal__domain_id", "done", "counted", "started"
    ):
        actions[pk] = Tally(done, counted, started)
        domains[domain_id] += actions[pk]
    return StrategyTallies(actions=actions, domains=domains, total=sum(domains.values(), Tally()))


def delete_consequences(instance) -> dict[str, int]:
    """What goes with an item: its goals, its actions, and the statuses the institutions have
    recorded on them (in progress, done or not relevant). The statuses are read from the kept
    tallies, so the page costs the same at any number of institutions."""
    if isinstance(instance, Domain):
        actions = Action.objects.filter(goal__domain=instance)
        goals = instance.goals.count()
    elif isinstance(instance, Goal):
        actions, goals = Action.objects.filter(goal=instance), 0
    elif isinstance(instance, Action):
        actions, goals = Action.objects.filter(Q(pk=instance.pk) | Q(parent=instance)), 0
    else:
        return {"goals": 0, "actions": 0, "statuses": 0}
    kept = ActionTally.objects.filter(action__in=actions).aggregate(
        started=Coalesce(Sum("started"), 0),
        rows=Coalesce(Sum("rows"), 0),
        counted=Coalesce(Sum("counted"), 0),
    )
    not_relevant = kept["rows"] - kept["counted"]
    return {
        "goals": goals,
        "actions": actions.count(),
        "statuses": kept["started"] + not_relevant,
    }


def named_outside_kinds(*, institutions: Iterable[Institution], actors: Iterable[Actor]) -> str:
    """Why named institutions may not follow an action: those not of its kinds are refused,
    so that the roll-ups per kind count every row of the action. "" when they may."""
    kinds = {actor.pk for actor in actors}
    others = sorted(i.name for i in institutions if i.actor_id not in kinds)
    if not kinds or not others:
        return ""
    return _("%(names)s is not of the kinds the action is for. Choose its kind too.") % {
        "names": ", ".join(others)
    }


# --- Local goals ---------------------------------------------------------------------------


def local_goal_kinds(*, strategy: Strategy) -> dict[int, set[int]]:
    """The kinds of institution that meet each local goal: the kinds its actions are for, or
    (a goal with no actions) every kind the strategy's actions are for. The administration
    has no local goals. Two queries; one when the strategy has no local goals."""
    goals = list(
        Goal.objects.filter(domain__strategy=strategy, scope=Goal.Scope.LOCAL).values_list(
            "pk", flat=True
        )
    )
    if not goals:
        return {}
    links = Action.actors.through.objects.filter(
        action__goal__domain__strategy=strategy, action__archived_at=None
    ).exclude(actor__code=Actor.ADMINISTRATION)
    by_goal: dict[int, set[int]] = defaultdict(set)
    every_kind: set[int] = set()
    for goal_id, actor_id in links.values_list("action__goal_id", "actor_id"):
        by_goal[goal_id].add(actor_id)
        every_kind.add(actor_id)
    return {pk: by_goal.get(pk) or every_kind for pk in goals}


def local_goals_reached(*, strategy: Strategy) -> dict[int, Tally]:
    """Each local goal's "x af N institutioner har nået målet", over the active institutions
    of the kinds that meet it. Four queries; one when the strategy has no local goals."""
    kinds = local_goal_kinds(strategy=strategy)
    if not kinds:
        return {}
    by_kind: dict[int, set[int]] = defaultdict(set)
    for pk, actor_id in Institution.objects.filter(is_active=True).values_list("pk", "actor_id"):
        by_kind[actor_id].add(pk)
    reached: dict[int, set[int]] = defaultdict(set)
    for goal_id, institution_id in GoalProgress.objects.filter(
        goal_id__in=kinds, reached=True
    ).values_list("goal_id", "institution_id"):
        reached[goal_id].add(institution_id)
    tallies = {}
    for goal_id, goal_kinds in kinds.items():
        institutions = set().union(*(by_kind[kind] for kind in goal_kinds))
        tallies[goal_id] = Tally(len(reached[goal_id] & institutions), len(institutions))
    return tallies


def institution_local_goals(*, institution: Institution, strategy: Strategy) -> list[Goal]:
    """The local goals the institution meets, in the strategy's order, each with `reached`
    and when it was last marked (`marked_at`). Three queries; one when the strategy has none."""
    kinds = local_goal_kinds(strategy=strategy)
    ids = [goal_id for goal_id, goal_kinds in kinds.items() if institution.actor_id in goal_kinds]
    if not ids:
        return []
    mark = GoalProgress.objects.filter(goal=OuterRef("pk"), institution=institution)
    return list(
        Goal.objects.filter(pk__in=ids)
        .select_related("domain")
        .annotate(
            reached=Coalesce(Subquery(mark.values("reached")[:1]), Value(False)),
            marked_at=Subquery(mark.values("updated_at")[:1]),
        )
        .order_by("domain__order", "order", "pk")
    )
