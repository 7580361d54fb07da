"""The dashboard: its numbers equal an independent count, the series replays history, the
query count does not grow with institutions, and its tables export."""

import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.urls import reverse

from actions.models import Progress
from actions.rollup import Tally
from actions.tallies import tallies_recount
from core import fragments
from institutions.models import Institution
from reports.selectors import institutions_with_progress, progress_over_time
from tests.conftest import (
    count_queries,
    make_institutions,
    spreadsheet_made,
    visible_text,
    workbook_rows,
)
from tests.factories import InstitutionFactory

STATUSES = ["not_started", "in_progress", "done", "done", "not_relevant"]


@pytest.fixture
def seeded(strategy, institutions, actors):
    """A mix of statuses at every institution, and an inactive school full of done rows."""
    closed = InstitutionFactory(name="Lukket Skole", actor=actors["skole"], is_active=False)
    from actions.services import progress_sync

    progress_sync(institution_ids=[closed.pk])
    for n, row in enumerate(Progress.objects.order_by("pk")):
        row.status = "done" if row.institution_id == closed.pk else STATUSES[n % len(STATUSES)]
        row.reason = "Varetages centralt" if row.status == "not_relevant" else ""
        row.save()
    tallies_recount()  # written past the services, as the scale generator does
    return institutions


def independent_count():
    """Count Progress rows one by one, in Python, the way a person would."""
    done, counted = Counter(), Counter()
    for row in Progress.objects.select_related("action__goal__domain", "institution__actor"):
        if not row.institution.is_active:
            continue
        key = (row.action.goal.domain.name, row.institution.actor.name)
        counted[key] += row.status != "not_relevant"
        done[key] += row.status == "done"
    return done, counted


@pytest.mark.parametrize("domain", [False, True])
def test_stored_and_counted_institution_tallies_are_the_same(strategy, seeded, domain):
    """The strategy's tallies are stored; a domain's are counted, in one pass or page by
    page: the same rule, the same numbers, whichever way."""
    domain_id = strategy.domains.order_by("order")[0].pk if domain else None

    def tallies(**options):
        return [
            (institution.pk, institution.done, institution.counted, institution.started)
            for institution in institutions_with_progress(
                strategy=strategy, domain_id=domain_id, **options
            )
        ]

    each = tallies()
    assert any(done for _pk, done, _counted, _started in each)
    if not domain:  # the stored tallies equal a count of the rows, one by one
        assert each == [
            (institution.pk, *_counted_one_by_one(institution, strategy))
            for institution in Institution.objects.local().filter(is_active=True).order_by("name")
        ]
    assert tallies(every=True) == each
    by_share = tallies(sort="-percent")
    assert sorted(by_share) == sorted(each)
    shares = [done / counted if counted else -1 for _pk, done, counted, _s in by_share]
    assert shares == sorted(shares, reverse=True)


def _counted_one_by_one(institution, strategy) -> tuple[int, int, int]:
    rows = Progress.objects.filter(
        institution=institution, action__goal__domain__strategy=strategy, action__archived_at=None
    )
    tally = Tally.of(row.status for row in rows)
    return tally.done, tally.counted, tally.started


def test_matrix_equals_an_independent_count(client, seeded, committee_member):
    client.force_login(committee_member)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    matrix = response.context["matrix"]
    done, counted = independent_count()
    for row in matrix.rows:
        for cell in row.cells:
            key = (row.domain.name, cell.actor.name)
            assert (cell.tally.done, cell.tally.counted) == (done[key], counted[key]), key
    assert (matrix.total.done, matrix.total.counted) == (
        sum(done.values()),
        sum(counted.values()),
    )
    assert matrix.total.counted < Progress.objects.count()  # some were left out
    text = visible_text(response.content)
    total = matrix.total
    assert f"Udførte handlinger i alt {total.done} af {total.counted} ({total.percent} %)" in text
    assert "Lukket Skole" not in text


def test_institution_rows_equal_an_independent_count(client, seeded, committee_member):
    client.force_login(committee_member)
    response = client.get(reverse("dashboard"), {"sort": "-percent"})
    rows = list(response.context["institutions"])
    assert [row.name for row in rows] == sorted(
        (row.name for row in rows),
        key=lambda name: next(r.share or 0 for r in rows if r.name == name),
        reverse=True,
    )
    for institution in rows:
        mine = Progress.objects.filter(institution=institution)
        assert institution.done == mine.filter(status="done").count()
        assert institution.counted == mine.exclude(status="not_relevant").count()
    assert "Forvaltningen" not in [row.name for row in rows]


def test_filters_and_search_narrow_the_institutions(client, seeded, committee_member, actors):
    client.force_login(committee_member)
    by_kind = client.get(reverse("dashboard"), {"actor": actors["skole"].pk})
    assert [row.name for row in by_kind.context["institutions"]] == ["Skole A", "Skole B"]
    by_area = client.get(reverse("dashboard"), {"area": "Hobro"})
    assert [row.name for row in by_area.context["institutions"]] == ["Dagtilbud A", "Skole A"]
    search = client.get(reverse("dashboard"), {"q": "skole b"})
    assert [row.name for row in search.context["institutions"]] == ["Skole B"]


def set_at(row, status, when, reason=""):
    row.status, row.reason = status, reason
    row._history_date = when
    row.save()


def test_over_time_series_matches_a_hand_built_history(strategy, institutions):
    infrastructure = strategy.domains.get(name="Infrastruktur")
    rows = list(
        Progress.objects.filter(
            action__goal__domain=infrastructure, institution=institutions["school_a"]
        ).order_by("pk")[:3]
    )
    in_domain = Progress.objects.filter(action__goal__domain=infrastructure).count()
    set_at(rows[0], "done", dt.datetime(2025, 2, 10, 9, tzinfo=dt.UTC))
    set_at(rows[1], "in_progress", dt.datetime(2025, 2, 1, 9, tzinfo=dt.UTC))
    set_at(rows[1], "done", dt.datetime(2025, 5, 5, 9, tzinfo=dt.UTC))
    set_at(rows[2], "not_relevant", dt.datetime(2025, 8, 1, 9, tzinfo=dt.UTC), reason="Centralt")
    set_at(rows[0], "in_progress", dt.datetime(2025, 11, 3, 9, tzinfo=dt.UTC))  # reopened
    days = [dt.date(2024, 12, 31), dt.date(2025, 3, 31), dt.date(2025, 6, 30)]
    days += [dt.date(2025, 9, 30), dt.date(2025, 12, 31)]
    series = progress_over_time(strategy=strategy, days=days)
    infra = next(one for one in series if one.label == "Infrastruktur")
    assert infra.points == [
        Tally(0, in_domain),
        Tally(1, in_domain),
        Tally(2, in_domain),
        Tally(2, in_domain - 1),
        Tally(1, in_domain - 1),
    ]
    others = [one for one in series if one.label != "Infrastruktur"]
    assert all(point.done == 0 for one in others for point in one.points)


def test_query_count_is_the_same_with_10_and_600_institutions(
    client, strategy, actors, committee_member, django_assert_max_num_queries
):
    make_institutions(actors, schools=4, daycare=5)
    client.force_login(committee_member)
    url = reverse("dashboard")
    client.get(url)  # the day's first visit writes the days closed since
    few = count_queries(client, url)
    make_institutions(actors, schools=80, daycare=520, prefix="Stor ")
    assert Institution.objects.count() == 611
    assert count_queries(client, url) == few
    # After a change, 16: the user (1), strategy (1), areas (1), the domains (1), the rows per
    # domain and actor for the matrix and today's point (1), which days are written (1), the
    # past days of the chart (1), the newest changes (1) and how many of them are today's (1),
    # the earlier ones from the written days (1), actors (1), indicators (1), overdue
    # actions (1), the actors to filter by (1), a page of institutions with the count of
    # pages (2). The session comes from the cache and is renewed at most once a minute.
    fragments.changed(*fragments.KINDS)
    with django_assert_max_num_queries(16):
        client.get(url)


def test_a_bad_date_is_refused_in_danish(client, strategy, committee_member):
    client.force_login(committee_member)
    response = client.get(reverse("dashboard"), {"since": "2999-01-01"})
    assert response.status_code == 400
    assert "Vælg en dato, der ikke ligger i fremtiden." in visible_text(response.content)
    assert client.get(reverse("dashboard"), {"since": "i går"}).status_code == 400


def test_tables_export_as_danish_csv_and_xlsx(client, media, seeded, committee_member):
    client.force_login(committee_member)
    matrix = client.get(reverse("dashboard")).context["matrix"]
    response = client.get(reverse("dashboard_export", args=["domaener", "csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffDomæne;")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    last = rows[-1]
    assert last[0] == "I alt"
    assert last[-3:] == [
        str(matrix.total.done),
        str(matrix.total.counted),
        str(matrix.total.percent),
    ]

    # The workbook of every institution is made by a worker, with the dashboard's filters.
    values = workbook_rows(spreadsheet_made(client, "institutioner", {"q": "Skole"}))
    assert values[0][:3] == ("Institution", "Type", "Område")
    names = [row[0] for row in values[1:]]
    assert names == ["Skole A", "Skole B"]
    school_a = Progress.objects.filter(institution__name="Skole A")
    assert values[1][3] == school_a.filter(status="done").count()


def test_unknown_export_is_404(client, strategy, committee_member):
    client.force_login(committee_member)
    assert client.get(reverse("dashboard_export", args=["hemmeligt", "csv"])).status_code == 404
    assert client.get(reverse("dashboard_export", args=["domaener", "pdf"])).status_code == 404


def test_drill_down_lists_the_actions_and_institutions_behind_a_cell(
    client, seeded, committee_member, actors
):
    client.force_login(committee_member)
    domain = seeded["school_a"].progress.first().action.goal.domain
    response = client.get(
        reverse("dashboard_domain", args=[domain.pk]), {"aktoer": actors["skole"].pk}
    )
    assert response.status_code == 200
    actions = list(response.context["actions"])
    assert actions and all(
        action.actors.filter(code="skole").exists() and action.goal.domain == domain
        for action in actions
    )
    for action in actions:
        rows = Progress.objects.filter(
            action=action, institution__actor__code="skole", institution__is_active=True
        )
        assert action.done == rows.filter(status="done").count()
        assert action.counted == rows.exclude(status="not_relevant").count()
    names = [institution.name for institution in response.context["institutions"]]
    assert names == ["Skole A", "Skole B"]
    assert (
        reverse("institution_progress", args=[seeded["school_a"].pk]) in response.content.decode()
    )


def test_leaders_see_the_dashboard_without_links_to_other_institutions(
    client, seeded, leader_school_a
):
    client.force_login(leader_school_a)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert reverse("institution_progress", args=[seeded["school_b"].pk]) not in (
        response.content.decode()
    )
    assert client.get(reverse("dashboard_domain", args=[0])).status_code == 404
    assert client.get(reverse("dashboard_domain", args=[1]), {"aktoer": "x"}).status_code == 404
