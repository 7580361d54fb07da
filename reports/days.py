"""Past days' tallies, stored once each day has closed.

The history cannot change a day that is over, so each domain's and kind's tally at the end
of every past day (done, counted, and how many status changes there had been) is written once
— by the nightly task, or by the first page that asks for a day not yet written — and then
read as it is: any past date, a quarter end or a "changes since" date, is one indexed read,
and no page replays the history. Before a cell's first change nothing was done and its rows
as they are now counted.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from actions import rollup
from actions.models import Action, Progress
from actions.rollup import Tally
from core import fragments
from core.memo import kept_on
from goals.models import Goal, Strategy
from institutions.models import Institution

from .models import ClosedDays, DayTally

Cell = tuple[int, int]  # (domain, kind of institution)
ONE_DAY = dt.timedelta(days=1)

# The history replayed in the database: each record's change to the done count and to the
# rows that count, and whether it is a change of status, summed per domain, kind and local
# day. LAG gives the row's status before the record; a row with no earlier record was not
# started. After the first time, only rows with a record in the days asked for are read.
REPLAY_SQL = """
SELECT domain_id, actor_id, day, SUM(done_change), SUM(counted_change), SUM(changed)
FROM (
    SELECT g.domain_id AS domain_id,
        i.actor_id AS actor_id,
        {day} AS day,
        h.history_date >= %s AS asked,
        {done_now} - {done_before} AS done_change,
        {counted_now} - {counted_before} AS counted_change,
        CASE WHEN h.history_type = '~' THEN 1 ELSE 0 END AS changed
    FROM {history} h
    JOIN {progress} p ON p.id = h.id
    JOIN {action} a ON a.id = p.action_id
    JOIN {goal} g ON g.id = a.goal_id
    JOIN {institution} i ON i.id = p.institution_id
    WHERE g.domain_id IN ({domains}) AND a.archived_at IS NULL AND i.is_active
        AND h.history_type <> '-' AND h.history_date < %s
        {recent}
    WINDOW w AS (PARTITION BY h.id ORDER BY h.history_date, h.history_id)
) changes
WHERE asked
GROUP BY domain_id, actor_id, day
"""

RECENT_SQL = """AND h.id IN (
    SELECT DISTINCT id FROM {history} WHERE history_date >= %s AND history_date < %s
)"""


def start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _changes_by_day(
    *, domain_ids: list[int], first: dt.date, last: dt.date, recent: bool
) -> dict[dt.date, dict[Cell, tuple[int, int, int]]]:
    """Per day from `first` to `last`: each cell's change to (done, counted, changes);
    `recent` when those days are few, to read only the rows changed in them."""
    adapt = connection.ops.adapt_datetimefield_value
    day_sql, day_params = connection.ops.datetime_cast_date_sql(
        "h.history_date", (), timezone.get_current_timezone_name()
    )
    before_row = "LAG(h.status, 1, NULL) OVER w"  # no earlier record: not started
    sql = REPLAY_SQL.format(
        day=day_sql,
        done_now=rollup.sql_done("h.status"),
        done_before=rollup.sql_done(before_row),
        counted_now=rollup.sql_counted("h.status"),
        counted_before=rollup.sql_counted(before_row),
        history=Progress.history.model._meta.db_table,
        progress=Progress._meta.db_table,
        action=Action._meta.db_table,
        goal=Goal._meta.db_table,
        institution=Institution._meta.db_table,
        domains=", ".join(["%s"] * len(domain_ids)),
        recent=RECENT_SQL.format(history=Progress.history.model._meta.db_table) if recent else "",
    )
    start, end = adapt(start_of_day(first)), adapt(start_of_day(last + ONE_DAY))
    params = [*day_params, start, *domain_ids, end, *([start, end] if recent else [])]
    changes: dict[dt.date, dict[Cell, tuple[int, int, int]]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for domain, actor, day, done, counted, changed in cursor:
            day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
            changes[day][(domain, actor)] = (done, counted, changed)
    return changes


def _rows_now(strategy: Strategy) -> dict[Cell, int]:
    from .selectors import progress_by_domain_and_actor  # the stored tallies, read once

    return {
        (row["domain_id"], row["actor_id"]): row["rows"]
        for row in progress_by_domain_and_actor(strategy)
    }


def days_close(strategy: Strategy, *, through: dt.date | None = None) -> int:
    """Write every cell's tally at the end of each day not yet written, up to `through`
    (yesterday by default), continuing from the last day written; the first time, from the
    strategy's first recorded change. Returns how many days were written. Two callers at
    once write each day once: the second waits for the first and finds the days written."""
    through = through or timezone.localdate() - ONE_DAY
    with transaction.atomic():
        closed, _created = ClosedDays.objects.select_for_update().get_or_create(strategy=strategy)
        if closed.through and closed.through >= through:
            return 0
        domain_ids = list(strategy.domains.values_list("pk", flat=True))
        first = closed.through + ONE_DAY if closed.through else None
        rows = _rows_now(strategy)
        state: dict[Cell, list[int]] = {cell: [0, count, 0] for cell, count in rows.items()}
        if first is None:
            first = _first_change(domain_ids) or through
            first = min(first, through)
            closed.first = first
        else:
            for day_tally in DayTally.objects.filter(strategy=strategy, day=closed.through):
                cell = (day_tally.domain_id, day_tally.actor_id)
                state[cell] = [day_tally.done, day_tally.counted, day_tally.changes]
        changes = (
            _changes_by_day(
                domain_ids=domain_ids, first=first, last=through, recent=closed.through is not None
            )
            if domain_ids
            else {}
        )
        written = []
        day = first
        while day <= through:
            for cell, change in changes.get(day, {}).items():
                running = state.setdefault(cell, [0, rows.get(cell, 0), 0])
                for n in range(3):
                    running[n] += change[n]
            written += [
                DayTally(
                    strategy=strategy,
                    day=day,
                    domain_id=cell[0],
                    actor_id=cell[1],
                    done=done,
                    counted=counted,
                    changes=changed,
                )
                for cell, (done, counted, changed) in state.items()
            ]
            day += ONE_DAY
        DayTally.objects.bulk_create(written, batch_size=5000)
        closed.through = through
        closed.save(update_fields=["first", "through"])
        return (through - first).days + 1


def _first_change(domain_ids: list[int]) -> dt.date | None:
    first = (
        Progress.history.filter(action__goal__domain_id__in=domain_ids)
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    return timezone.localdate(first) if first else None


def days_reopen(strategy: Strategy) -> None:
    """Forget the written days, to be written again from the history: after the history
    itself was written at past dates (the demo and scale data) or an action or institution
    left the counts."""
    DayTally.objects.filter(strategy=strategy).delete()
    ClosedDays.objects.filter(strategy=strategy).delete()
    fragments.changed(fragments.STRATEGY)  # the days read and kept (days_read)


@dataclass
class PastDays:
    """Each cell's (tally, changes until then) at the end of some past days."""

    rows: dict[Cell, int]
    read: dict[tuple[Cell, dt.date], tuple[Tally, int]]

    @property
    def cells(self) -> set[Cell]:
        return {*self.rows, *(cell for cell, _day in self.read)}

    def on(self, cell: Cell, day: dt.date) -> tuple[Tally, int]:
        """The cell's tally at the end of `day`, and how many changes it had until then."""
        return self.read.get((cell, day), (Tally(0, self.rows.get(cell, 0)), 0))


def _days_closed(strategy: Strategy, *, through: dt.date) -> bool:
    closed = ClosedDays.objects.filter(strategy=strategy).first()
    if closed is None or closed.through is None or closed.through < through:
        days_close(strategy, through=through)
    return True


def days_read(strategy: Strategy, days: Iterable[dt.date]) -> PastDays:
    """The tallies at the end of past `days` (each before today), written first if they are
    not yet. A day that is over does not change, so what is read is kept in the cache until
    tomorrow (or until the days are reopened): a page after a tick reads none of it again.
    Two queries when it is not kept, the first only once for the strategy object: the mark
    and the days (and the rows now, kept on the strategy for the page)."""
    today = timezone.localdate()
    wanted = sorted({day for day in days if day < today})
    read = {}
    if wanted:
        read = fragments.kept(
            "past-days",
            kinds=[fragments.STRATEGY],
            vary_on=[strategy.pk, today, *wanted],
            make=partial(_days_written, strategy, wanted, today=today),
        )
    return PastDays(rows=_rows_now(strategy), read=read)


def _days_written(
    strategy: Strategy, days: list[dt.date], *, today: dt.date
) -> dict[tuple[Cell, dt.date], tuple[Tally, int]]:
    kept_on(strategy, "days_closed", lambda: _days_closed(strategy, through=today - ONE_DAY))
    return {
        ((day_tally.domain_id, day_tally.actor_id), day_tally.day): (
            Tally(day_tally.done, day_tally.counted),
            day_tally.changes,
        )
        for day_tally in DayTally.objects.filter(strategy=strategy, day__in=days)
    }
