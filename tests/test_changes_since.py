"""The state on any past date, read from the days replayed once, equals the history replayed
row by row; a new "changes since" date costs what a known one costs."""

import datetime as dt
import random

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Progress
from actions.rollup import Tally
from goals.models import Strategy
from reports.days import days_close, days_reopen
from reports.models import DayTally
from reports.selectors import (
    changes_since,
    end_of_day,
    progress_matrix,
    progress_over_time,
    start_of_day,
    then_now_by_actor,
)
from reports.tasks import days_close_task
from tests.test_report_documents import page_texts, render

STATUSES = ["not_started", "in_progress", "done", "not_relevant"]


def tick_at(row, status, when):
    row.status = status
    row.reason = "Varetages centralt" if status == "not_relevant" else ""
    row._history_date = when
    row.save()


def replayed_row_by_row(strategy, day, by="action__goal__domain__name") -> dict[str, Tally]:
    """Each domain's (or kind's) tally at the end of `day`: every row's last record by then."""
    moment = end_of_day(day)
    statuses: dict[str, list[str]] = {}
    rows = Progress.objects.filter(
        action__goal__domain__strategy=strategy,
        action__archived_at=None,
        institution__is_active=True,
    )
    for row in rows.annotate(group=F(by)):
        last = row.history.filter(history_date__lte=moment).order_by("-history_date").first()
        statuses.setdefault(row.group, []).append(last.status if last else "not_started")
    return {domain: Tally.of(found) for domain, found in statuses.items()}


def test_any_past_date_equals_the_history_replayed_row_by_row(strategy, institutions):
    pick = random.Random(2026)  # noqa: S311 (a repeatable test, not a secret)
    rows = list(Progress.objects.filter(action__goal__domain__strategy=strategy).order_by("pk"))
    start = dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)
    moments = sorted(start + dt.timedelta(hours=pick.randrange(0, 24 * 900)) for _ in range(150))
    for when in moments:
        tick_at(pick.choice(rows), pick.choice(STATUSES), when)
    days = sorted(
        {dt.date(2024, 1, 1) + dt.timedelta(days=pick.randrange(0, 950)) for _ in range(25)}
    )
    days = [day for day in days if day < timezone.localdate()]
    for day in days:
        series = progress_over_time(strategy=strategy, days=[day])
        read = {one.label: one.points[0] for one in series}
        expected = replayed_row_by_row(strategy, day)
        assert {name: (t.done, t.counted) for name, t in read.items()} == {
            name: (t.done, t.counted) for name, t in expected.items()
        }, day


def ticked_at_random(strategy, seed) -> list:
    pick = random.Random(seed)  # noqa: S311 (a repeatable test, not a secret)
    rows = list(Progress.objects.filter(action__goal__domain__strategy=strategy).order_by("pk"))
    start = dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)
    for _ in range(120):
        when = start + dt.timedelta(hours=pick.randrange(0, 24 * 900))
        tick_at(pick.choice(rows), pick.choice(STATUSES), when)
    # Then a few today, which the replayed history leaves to the database.
    for row in pick.sample(rows, 3):
        tick_at(row, "in_progress", timezone.now())
    days = {dt.date(2024, 1, 1) + dt.timedelta(days=pick.randrange(0, 950)) for _ in range(12)}
    return sorted(day for day in days if day <= timezone.localdate())


def test_the_changes_since_a_date_and_each_kinds_share_then_equal_the_history(
    strategy, institutions
):
    for since in ticked_at_random(strategy, seed=7):
        _changes, count = changes_since(strategy=strategy, since=since)
        records = Progress.history.filter(
            action__goal__domain__strategy=strategy,
            history_date__gte=start_of_day(since),
            history_type="~",
        )
        assert count == records.count(), since
        matrix = progress_matrix(strategy=strategy)
        then = {
            name: t
            for name, t, _now in then_now_by_actor(strategy=strategy, since=since, matrix=matrix)
        }
        expected = replayed_row_by_row(
            strategy, since - dt.timedelta(days=1), by="institution__actor__name"
        )
        assert {k: (t.done, t.counted) for k, t in then.items()} == {
            k: (t.done, t.counted) for k, t in expected.items() if k in then
        }, since


def test_a_new_date_costs_what_a_known_one_costs(strategy, institutions):
    row = Progress.objects.filter(action__goal__domain__strategy=strategy).first()
    tick_at(row, "done", dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC))
    progress_over_time(strategy=strategy, days=[dt.date(2025, 1, 1)])  # the first, once a day

    def queries(day):
        with CaptureQueriesContext(connection) as captured:
            series = progress_over_time(strategy=strategy, days=[day])
        return len(captured), sum((one.points[0] for one in series), Tally()).done

    kept, done = queries(dt.date(2025, 1, 1))
    assert done == 0
    new, done = queries(dt.date(2025, 6, 30))  # new, after the tick
    assert done == 1
    assert queries(dt.date(2025, 3, 2)) == (new, 0)  # new, the day before it: the same cost
    assert kept < new  # a day read before is kept, as a day that is over does not change


def test_a_strategy_just_begun_has_a_dashboard_for_any_date(client, actors, committee_member):
    Strategy.objects.create(
        title="Ny strategi", municipality_name="Viborg Kommune", status="adopted"
    )
    client.force_login(committee_member)
    response = client.get(reverse("dashboard"), {"since": "2026-01-01"})
    assert response.status_code == 200
    strategy = Strategy.objects.get()
    for kind, parameters in (("status", {"since": "2026-01-01"}), ("revision", {})):
        content, _word, _html = render(kind, strategy, **parameters)
        assert "Ingen institution har endnu nogen af strategiens handlinger" in " ".join(
            page_texts(content)
        )


def test_the_nightly_task_writes_yesterday_before_the_first_viewer(strategy, institutions):
    row = Progress.objects.filter(action__goal__domain__strategy=strategy).first()
    tick_at(row, "done", dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC))
    assert days_close_task.apply().get() is True
    with CaptureQueriesContext(connection) as captured:
        series = progress_over_time(strategy=strategy, days=[dt.date(2025, 6, 30)])
    assert not any("LAG(" in query["sql"] for query in captured.captured_queries)
    assert sum((one.points[0] for one in series), Tally()).done == 1
    assert settings.CELERY_BEAT_SCHEDULE["days-close"]["task"] == days_close_task.name


def test_the_nightly_task_does_nothing_without_a_strategy(db):
    assert days_close_task.apply().get() is False


def test_days_written_a_few_at_a_time_equal_days_written_at_once(strategy, institutions):
    """The nightly task continues from the last day it wrote; what it writes equals the days
    written from the whole history at once."""
    pick = random.Random(11)  # noqa: S311 (a repeatable test, not a secret)
    rows = list(Progress.objects.filter(action__goal__domain__strategy=strategy).order_by("pk"))
    start = dt.datetime(2025, 1, 1, 8, tzinfo=dt.UTC)
    for through in (dt.date(2025, 1, 20), dt.date(2025, 2, 10), dt.date(2025, 3, 31)):
        while start.date() <= through:
            tick_at(pick.choice(rows), pick.choice(STATUSES), start)
            start += dt.timedelta(hours=pick.randrange(1, 30))
        days_close(strategy, through=through)

    def written():
        return list(
            DayTally.objects.filter(strategy=strategy)
            .order_by("day", "domain", "actor")
            .values_list("day", "domain", "actor", "done", "counted", "changes")
        )

    bit_by_bit = written()
    days_reopen(strategy)
    days_close(strategy, through=dt.date(2025, 3, 31))
    assert written() == bit_by_bit
    assert {day for day, *_rest in bit_by_bit} == {
        dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(90)
    }
    assert sum(changes for *_cell, changes in bit_by_bit if _cell[0] == dt.date(2025, 3, 31)) > 0
