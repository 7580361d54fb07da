"""The progress dashboard's numbers, computed with aggregate queries so the number of queries
does not grow with institutions or actions. The status and revision reports use them too."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from actions import rollup
from actions.models import Action, ActionTally, Progress
from actions.rollup import Tally
from actions.selectors import actions_tallied
from core.memo import kept_on
from goals.models import Domain, Indicator, Measurement, Strategy
from institutions.models import Actor, Institution

from .days import days_read, start_of_day


def strategy_progress(*, strategy: Strategy) -> QuerySet[Progress]:
    """The rows that count: the strategy's actions at active institutions."""
    return Progress.objects.filter(
        action__goal__domain__strategy=strategy,
        action__archived_at=None,
        institution__is_active=True,
    )


def strategy_pace(strategy: Strategy, *, today: dt.date) -> rollup.Pace:
    """The strategy's period and today, to tell what is on track (`rollup.Pace.assess`)."""
    start, end = strategy.plan_period()
    return rollup.Pace(start=start, end=end, today=today)


def domains_in_order(strategy: Strategy) -> list[Domain]:
    """The strategy's domains in order, fetched once for the page however many parts use
    them (kept on the strategy object, which lives for one request or one report)."""
    return kept_on(strategy, "domains_in_order", lambda: list(strategy.domains.order_by("order")))


# --- Domain by actor -----------------------------------------------------------------------


@dataclass
class Cell:
    actor: Actor
    tally: Tally


@dataclass
class DomainRow:
    domain: Domain
    cells: list[Cell]
    total: Tally


@dataclass
class Matrix:
    actors: list[Actor]
    rows: list[DomainRow]
    column_totals: list[Tally]
    total: Tally


def progress_by_domain_and_actor(strategy: Strategy) -> list[dict]:
    """The rows that count, per domain and actor (`domain_id`, `actor_id`): done, counted,
    and how many rows there are and the sum of their ids (which tell when the set of rows
    changes), from the stored tallies. One query, kept on the strategy object for the matrix
    and the series of the same page."""
    return kept_on(
        strategy,
        "progress_by_domain_and_actor",
        lambda: list(
            ActionTally.objects.filter(
                action__goal__domain__strategy=strategy, action__archived_at=None
            )
            .values("actor_id", domain_id=F("action__goal__domain_id"))
            .annotate(
                **{name: Sum(name) for name in ("done", "counted", "started", "rows", "row_sum")}
            )
            .order_by()
        ),
    )


def strategy_actors(strategy: Strategy) -> QuerySet[Actor]:
    """The kinds of institution the strategy's actions are for: a strategy shows only its own."""
    used = Action.actors.through.objects.filter(
        actor=OuterRef("pk"), action__goal__domain__strategy=strategy, action__archived_at=None
    )
    return Actor.objects.filter(Exists(used)).order_by("order", "name")


def progress_matrix(*, strategy: Strategy) -> Matrix:
    """Progress per domain and actor (the institution's kind). Three queries."""
    tallies = {
        (row["domain_id"], row["actor_id"]): Tally(row["done"], row["counted"], row["started"])
        for row in progress_by_domain_and_actor(strategy)
    }
    actors = list(strategy_actors(strategy))
    rows = []
    for domain in domains_in_order(strategy):
        cells = [Cell(actor, tallies.get((domain.pk, actor.pk), Tally())) for actor in actors]
        total = sum((cell.tally for cell in cells), Tally())
        rows.append(DomainRow(domain=domain, cells=cells, total=total))
    column_totals = [sum((row.cells[n].tally for row in rows), Tally()) for n in range(len(actors))]
    return Matrix(
        actors=actors,
        rows=rows,
        column_totals=column_totals,
        total=sum(column_totals, Tally()),
    )


# --- Per institution ----------------------------------------------------------------------

INSTITUTION_SORTS: dict[str, list[str | OrderBy]] = {
    "name": ["name"],
    "-name": ["-name"],
    "percent": [F("share").asc(nulls_first=True), "name"],
    "-percent": [F("share").desc(nulls_last=True), "name"],
    "actor": ["actor__order", "name"],
    "area": ["area", "name"],
}


def _row_count(rows: QuerySet) -> Coalesce:
    """How many `rows` there are, as a subquery for each row outside."""
    return Coalesce(
        Subquery(rows.order_by().values("institution").annotate(n=Count("pk")).values("n")), 0
    )


def _counted_each(strategy: Strategy, domain_id: int | None) -> dict[str, Coalesce]:
    """The tallies as a subquery for each institution: only the institutions read count."""
    rows = Progress.objects.filter(
        institution=OuterRef("pk"),
        action__goal__domain__strategy=strategy,
        action__archived_at=None,
    )
    if domain_id is not None:
        rows = rows.filter(action__goal__domain_id=domain_id)
    return {
        "done": _row_count(rows.filter(rollup.done())),
        "counted": _row_count(rows.filter(rollup.counted())),
        "started": _row_count(rows.filter(rollup.started())),
    }


def _counted_together(strategy: Strategy, domain_id: int | None) -> dict[str, Count]:
    """The tallies of every institution in one pass over the rows, with a join."""
    rows = Q(progress__action__goal__domain__strategy=strategy, progress__action__archived_at=None)
    if domain_id is not None:
        rows &= Q(progress__action__goal__domain_id=domain_id)
    return {
        "done": Count("progress", filter=rows & rollup.done("progress__")),
        "counted": Count("progress", filter=rows & rollup.counted("progress__")),
        "started": Count("progress", filter=rows & rollup.started("progress__")),
    }


def _counted_stored(strategy: Strategy) -> dict[str, Sum]:
    """The institutions' stored tallies in the strategy (actions/tallies.py)."""
    kept = Q(tallies__strategy=strategy)
    return {
        name: Sum(f"tallies__{name}", filter=kept, default=0)
        for name in ("done", "counted", "started")
    }


def institutions_with_progress(
    *,
    strategy: Strategy,
    actor_id: int | None = None,
    area: str = "",
    search: str = "",
    sort: str = "name",
    domain_id: int | None = None,
    every: bool = False,
) -> QuerySet[Institution]:
    """Active institutions annotated with `done`, `counted`, `started` and `share`, filtered
    and sorted.

    The strategy's tallies are stored. Within a domain they are counted: by subqueries when
    sorted by anything but progress, so the database counts only the rows of the page asked
    for; sorted by progress, or when the caller reads `every` institution, in one pass over the
    rows, many times faster than a count for each."""
    counted: dict[str, Sum] | dict[str, Count] | dict[str, Coalesce]
    if domain_id is None:
        counted = _counted_stored(strategy)
    elif every or sort in ("percent", "-percent"):
        counted = _counted_together(strategy, domain_id)
    else:
        counted = _counted_each(strategy, domain_id)
    institutions = (
        Institution.objects.local()
        .filter(is_active=True)
        .select_related("actor")
        .annotate(**counted)
        .annotate(
            share=ExpressionWrapper(
                Cast(F("done"), FloatField()) / NullIf(F("counted"), 0),
                output_field=FloatField(),
            )
        )
    )
    if actor_id:
        institutions = institutions.filter(actor_id=actor_id)
    if area:
        institutions = institutions.filter(area=area)
    if search:
        institutions = institutions.filter(name__icontains=search)
    return institutions.order_by(*INSTITUTION_SORTS.get(sort, INSTITUTION_SORTS["name"]))


def institution_areas() -> list[str]:
    return list(
        Institution.objects.filter(is_active=True)
        .exclude(area="")
        .values_list("area", flat=True)
        .distinct()
        .order_by("area")
    )


# --- Actions ------------------------------------------------------------------------------


def domain_actions(
    *, strategy: Strategy, domain: Domain, actor: Actor | None = None
) -> QuerySet[Action]:
    """A domain's actions (those naming `actor`, when given) with their tallies there."""
    actions = actions_tallied(strategy=strategy, actor_id=actor.pk if actor else None)
    actions = actions.filter(goal__domain=domain).select_related("goal__domain")
    if actor is not None:
        actions = actions.filter(
            pk__in=Action.actors.through.objects.filter(actor=actor).values("action_id")
        )
    return actions.order_by("goal__order", "order", "pk")


def overdue_actions(*, strategy: Strategy, today: dt.date) -> QuerySet[Action]:
    """Actions whose deadline has passed while some institution has not done them."""
    return (
        actions_tallied(strategy=strategy)
        .select_related("goal__domain")
        .filter(deadline__lt=today, counted__gt=F("done"))
        .order_by("deadline", "goal__domain__order", "order", "pk")
    )


# --- Indicators ---------------------------------------------------------------------------


@dataclass
class IndicatorStatus:
    indicator: Indicator
    reporting: int
    average: float | None
    # With a target for each institution: how many have reached it, out of how many it is for.
    reached_count: int = 0
    expected: int = 0

    @property
    def reached(self) -> bool | None:
        target = self.indicator.target
        if target is None or not self.reporting:
            return None
        if self.indicator.each_institution:
            return self.reached_count >= max(self.expected, self.reporting)
        return self.average is not None and self.average >= float(target)


def indicator_statuses(*, strategy: Strategy) -> list[IndicatorStatus]:
    """Each indicator with the average of every active institution's latest value, and how
    many institutions have reached the target out of those it is for. One query."""
    newer = Measurement.objects.filter(
        indicator=OuterRef("indicator"),
        institution=OuterRef("institution"),
        measured_on__gt=OuterRef("measured_on"),
    )
    latest = (
        Measurement.objects.filter(indicator=OuterRef("pk"), institution__is_active=True)
        .exclude(Exists(newer))
        .values("indicator")
        .order_by()
    )
    indicators = (
        Indicator.objects.filter(goal__domain__strategy=strategy)
        .select_related("goal__domain")
        .annotate(
            average=Subquery(latest.annotate(average=Avg("value")).values("average")),
            reporting=Subquery(
                latest.annotate(reporting=Count("institution", distinct=True)).values("reporting")
            ),
            reached_count=Subquery(
                latest.filter(value__gte=OuterRef("target"))
                .annotate(n=Count("institution", distinct=True))
                .values("n")
            ),
            expected=Subquery(
                Institution.objects.filter(is_active=True, actor__indicators=OuterRef("pk"))
                .order_by()
                .values("is_active")
                .annotate(n=Count("pk", distinct=True))
                .values("n")
            ),
        )
        .order_by("goal__domain__order", "goal__order", "name")
    )
    return [
        IndicatorStatus(
            indicator=indicator,
            reporting=indicator.reporting or 0,
            average=None if indicator.average is None else float(indicator.average),
            reached_count=indicator.reached_count or 0,
            expected=indicator.expected or 0,
        )
        for indicator in indicators
    ]


# --- Over time ----------------------------------------------------------------------------


@dataclass
class Series:
    """One domain's share of done actions at each moment."""

    label: str
    points: list[Tally] = field(default_factory=list)


def series_table(series: list[Series], labels: list[str]) -> list[tuple[str, list[Tally]]]:
    """The chart's numbers row by row (one per moment), for its "show as table"."""
    return [(label, [one.points[n] for one in series]) for n, label in enumerate(labels)]


def quarter_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of every quarter from `start` up to `end`, and `end` itself."""
    days = []
    year, quarter = start.year, (start.month - 1) // 3
    while True:
        month = 3 * quarter + 3
        last = dt.date(year, month, 31 if month in (3, 12) else 30)
        if last >= end:
            break
        days.append(last)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
    return [*days, end]


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def _today_by_domain(strategy: Strategy) -> dict[int, Tally]:
    now: defaultdict[int, Tally] = defaultdict(Tally)
    for row in progress_by_domain_and_actor(strategy):
        now[row["domain_id"]] += Tally(row["done"], row["counted"])
    return now


def progress_over_time(*, strategy: Strategy, days: list[dt.date]) -> list[Series]:
    """Each domain's done share at the end of each day (days in order): today and later
    from the stored tallies, earlier days from the days written as they closed
    (reports/days.py). Four queries."""
    domains = domains_in_order(strategy)
    today = timezone.localdate()
    now = _today_by_domain(strategy)
    past = days_read(strategy, days)
    cells = past.cells
    series = []
    for domain in domains:
        mine = [cell for cell in cells if cell[0] == domain.pk]
        points = [
            now.get(domain.pk, Tally())
            if day >= today
            else sum((past.on(cell, day)[0] for cell in mine), Tally())
            for day in days
        ]
        series.append(Series(label=domain.name, points=points))
    return series


def overall_series(series: list[Series], *, strategy: Strategy, moments: int) -> Series:
    """All domains together, at each of the `moments` (nothing done where there are none)."""
    points = [sum((one.points[n] for one in series), Tally()) for n in range(moments)]
    return Series(label=_("All %(domains)s") % {"domains": strategy.domains_noun}, points=points)


def moment_label(day: dt.date) -> str:
    """ "K3 2025" for the end of a quarter; the date itself for a day inside one."""
    after = day + dt.timedelta(days=1)
    if after.day == 1 and after.month in (1, 4, 7, 10):
        return _("Q%(quarter)s %(year)s") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}
    return date_format(day, "j. b Y")


@dataclass
class OverTime:
    series: list
    labels: list[str]
    rows: list


def _quarters(strategy: Strategy, until: dt.date) -> list[dt.date]:
    start, end = strategy.plan_period()
    return quarter_ends(start, min(end, until)) if start <= until else [until]


def _at(series: list[Series], days: list[dt.date], wanted: list[dt.date]) -> list[Series]:
    """The same series, with only the points of the wanted days."""
    index = {day: n for n, day in enumerate(days)}
    return [Series(one.label, [one.points[index[day]] for day in wanted]) for one in series]


def over_time(
    *, strategy: Strategy, until: dt.date, since: dt.date | None = None
) -> OverTime | tuple[OverTime, list[tuple[str, Tally, Tally]]]:
    """Each domain's and the whole strategy's done share at every quarter end so far, and
    with `since` also (domain, share then, share now): one read of the past days for both."""
    quarters = _quarters(strategy, until)
    extra = [since, until] if since else []
    days = sorted({*quarters, *extra})
    by_day = progress_over_time(strategy=strategy, days=days)
    by_day = [*by_day, overall_series(by_day, strategy=strategy, moments=len(days))]
    series = _at(by_day, days, quarters)
    labels = [moment_label(day) for day in quarters]
    timeline = OverTime(series=series, labels=labels, rows=series_table(series, labels))
    if not since:
        return timeline
    then_now = [(one.label, one.points[0], one.points[1]) for one in _at(by_day, days, extra)]
    return timeline, then_now


# --- Since a date -------------------------------------------------------------------------


def _status_before(row, moment) -> Coalesce:
    """A progress row's status just before `moment`: its last history record's, "not
    started" without one (both may be OuterRefs). The record named is the municipality's
    own, so the rows before it are read without the scope's condition."""
    history = Progress.history.model._base_manager
    earlier = history.filter(id=row, history_date__lt=moment).order_by(
        "-history_date", "-history_id"
    )
    return Coalesce(Subquery(earlier.values("status")[:1]), Value(Progress.Status.NOT_STARTED))


def _changes_since(*, strategy: Strategy, since: dt.date) -> QuerySet:
    """The status changes since the start of `since`, narrowed by "IN" the strategy's actions
    and the active institutions rather than by joins: planning joins against the history's
    millions of rows cost PostgreSQL several times the query itself. The strategy is the
    municipality's own, and so are its actions: they are read without the scope's condition."""
    actions = Action._base_manager.filter(goal__domain__strategy=strategy, archived_at=None)
    return Progress.history.filter(
        action__in=actions,
        institution__in=Institution.objects.filter(is_active=True),
        history_date__gte=start_of_day(since),
    ).exclude(history_type__in=["+", "-"])


def changes_since(*, strategy: Strategy, since: dt.date, limit: int = 25) -> tuple[list[Any], int]:
    """The newest status changes since the start of `since` as `changes_read` gives them, and
    how many there are in all. Three queries, and the past days' when they are not kept."""
    newest = newest_changes(strategy=strategy, since=since, limit=limit)
    return changes_read(newest), changes_counted(strategy=strategy, since=since)


def newest_changes(*, strategy: Strategy, since: dt.date, limit: int = 25) -> list[tuple[int, str]]:
    """The newest status changes since the start of `since`, newest first: each record's key
    and what the row's status was before it ("not started" for a row's first record). One
    query; the records themselves are read apart (`changes_read`), so a page that has drawn
    them before need not read them again."""
    return list(
        _changes_since(strategy=strategy, since=since)
        .annotate(status_before=_status_before(OuterRef("id"), OuterRef("history_date")))
        .order_by("-history_date", "-history_id")
        .values_list("history_id", "status_before")[:limit]
    )


def changes_read(newest: list[tuple[int, str]]) -> list[Any]:
    """The records of `newest_changes` (all, or some of them), in the order given, with their
    action, institution and person, and what the status was before (`status_before`, its
    label `status_before_label`). One query, by the records' keys (cheap to plan)."""
    before = dict(newest)
    records = Progress.history.filter(history_id__in=before).select_related(
        "history_user", "action", "institution"
    )
    by_key = {record.history_id: record for record in records}
    labels = dict(Progress.Status.choices)
    changes = [by_key[history_id] for history_id, _status in newest]
    for change in changes:
        change.status_before = before[change.history_id]
        change.status_before_label = labels.get(change.status_before, change.status_before)
    return changes


def changes_counted(*, strategy: Strategy, since: dt.date) -> int:
    """How many status changes there have been since the start of `since`: those before today
    read from the days written as they closed, today's counted in the database."""
    today = timezone.localdate()
    in_all = _changes_since(strategy=strategy, since=max(since, today)).count()
    if since < today:
        yesterday, before = today - dt.timedelta(days=1), since - dt.timedelta(days=1)
        past = days_read(strategy, [yesterday, before])
        for cell in past.cells:
            in_all += past.on(cell, yesterday)[1] - past.on(cell, before)[1]
    return in_all


def then_now_by_actor(*, strategy: Strategy, since: dt.date, matrix: Matrix) -> list[tuple]:
    """(actor, share then, share now) per actor: then is the end of the day before `since`
    as written when it closed, now is the matrix's column totals."""
    before = since - dt.timedelta(days=1)
    past = days_read(strategy, [before])
    then: defaultdict[int, Tally] = defaultdict(Tally)
    for cell in past.cells:
        then[cell[1]] += past.on(cell, before)[0]
    return [
        (actor.name, then[actor.pk], now)
        for actor, now in zip(matrix.actors, matrix.column_totals, strict=True)
        if now.counted
    ]
