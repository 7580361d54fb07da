"""The roll-up rule is written once (actions/rollup.py) and every form of it agrees: in Python,
in the ORM and in hand-written SQL; "overdue" means the same to the dashboard and reminders."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count

from actions import rollup
from actions.forms import KronerField
from actions.models import Action, Progress
from actions.reminders import institutions_needing_reminder
from actions.rollup import Tally
from core.danish import parse_kroner
from core.spreadsheets import WholeNumberWidget
from reports.selectors import overdue_actions
from tests.factories import rows_written

STATUSES = [
    Progress.Status.NOT_RELEVANT,
    Progress.Status.DONE,
    Progress.Status.IN_PROGRESS,
    Progress.Status.DONE,
    Progress.Status.NOT_STARTED,
]


def test_a_tally_leaves_not_relevant_out_of_the_denominator():
    tally = Tally.of(STATUSES)
    assert (tally.done, tally.counted, tally.percent) == (2, 4, 50)
    assert Tally.of([Progress.Status.NOT_RELEVANT]).percent == 0  # nothing to count


def test_python_orm_and_sql_count_the_same_rows(strategy, institutions):
    action = (
        Action.objects.filter(goal__domain__strategy=strategy)
        .annotate(rows=Count("progress"))
        .order_by("-rows", "pk")[0]
    )
    rows = list(action.progress.order_by("pk"))
    for row, status in zip(rows, STATUSES * 10, strict=False):
        reason = "Varetages centralt" if status == Progress.Status.NOT_RELEVANT else ""
        rows_written(Progress.objects.filter(pk=row.pk), status=status, reason=reason)
    statuses = [row.status for row in action.progress.all()]

    orm = action.progress.aggregate(
        done=Count("pk", filter=rollup.done()), counted=Count("pk", filter=rollup.counted())
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT SUM({rollup.sql_done('status')}), SUM({rollup.sql_counted('status')}) "  # noqa: S608 - no input, only the rule's own constants
            f"FROM {Progress._meta.db_table} WHERE action_id = %s",
            [action.pk],
        )
        sql = cursor.fetchone()
    expected = Tally.of(statuses)
    assert expected.counted < len(statuses)  # some row is "ikke relevant"
    assert (orm["done"], orm["counted"]) == (expected.done, expected.counted)
    assert tuple(int(n) for n in sql) == (expected.done, expected.counted)


def test_overdue_means_the_same_to_the_dashboard_and_the_reminders(strategy, institutions):
    today = dt.date(2026, 11, 28)
    school = institutions["school_a"]
    row = Progress.objects.filter(institution=school, action__archived_at=None).first()
    action = row.action
    rows_written(Progress.objects.filter(action=action), status=Progress.Status.DONE)
    Action.objects.filter(pk=action.pk).update(deadline=today - dt.timedelta(days=1))

    def overdue_now():
        needs = {
            need.institution.pk: need.overdue
            for need in institutions_needing_reminder(strategy=strategy, today=today)
        }
        return action in overdue_actions(strategy=strategy, today=today), needs.get(school.pk, 0)

    assert overdue_now() == (False, 0)  # done everywhere
    the_row = Progress.objects.filter(pk=row.pk)
    rows_written(the_row, status=Progress.Status.IN_PROGRESS)
    assert overdue_now() == (True, 1)
    rows_written(the_row, status=Progress.Status.NOT_RELEVANT, reason="x")
    assert overdue_now() == (False, 0)  # "ikke relevant" is never overdue
    rows_written(the_row, status=Progress.Status.NOT_STARTED, reason="")
    Action.objects.filter(pk=action.pk).update(deadline=today)
    assert overdue_now() == (False, 0)  # due today is not yet overdue


@pytest.mark.parametrize(
    ("written", "kroner"),
    [
        ("160.000", 160_000),
        ("160 000 kr.", 160_000),
        ("160.000 KR", 160_000),
        ("1.500,00", 1_500),
        ("160.000,00", 160_000),
        ("1,5 mio.", 1_500_000),
        ("2 mio. kr.", 2_000_000),
        ("\xa02.000\xa0kr", 2_000),
        ("", None),
    ],
)
def test_forms_and_spreadsheets_read_an_amount_alike(written, kroner):
    field = KronerField(required=False)
    widget = WholeNumberWidget("Beløbet kan ikke være negativt.")
    assert parse_kroner(written) == kroner
    assert field.clean(written) == kroner
    assert widget.clean(written) == kroner


@pytest.mark.parametrize(
    "written", ["1.500,50", "mange penge", "12 , 5", "1e5", "1.5", "1500.000", "1,2345678 mio."]
)
def test_forms_and_spreadsheets_refuse_the_same_amounts(written):
    with pytest.raises(ValueError, match="hele kroner"):
        parse_kroner(written)
    with pytest.raises(ValidationError, match="hele kroner"):
        KronerField(required=False).clean(written)
    with pytest.raises(ValueError):
        WholeNumberWidget("Beløbet kan ikke være negativt.").clean(written)


# --- On track or not ------------------------------------------------------------------------

PACE = rollup.Pace(start=dt.date(2025, 1, 1), end=dt.date(2028, 12, 31), today=dt.date(2027, 1, 1))


@pytest.mark.parametrize(
    ("tally", "deadline", "expected"),
    [
        # Half the period has gone (50 %): behind means under 40 % done.
        (Tally(10, 10, 10), None, rollup.Assessment.DONE),
        (Tally(5, 10, 6), None, rollup.Assessment.ON_TRACK),
        (Tally(4, 10, 4), None, rollup.Assessment.ON_TRACK),
        (Tally(3, 10, 9), None, rollup.Assessment.BEHIND),
        (Tally(0, 10, 0), None, rollup.Assessment.BEHIND),
        # A deadline passed with rows open is behind, however much is done.
        (Tally(9, 10, 10), dt.date(2026, 12, 31), rollup.Assessment.BEHIND),
        (Tally(10, 10, 10), dt.date(2026, 12, 31), rollup.Assessment.DONE),
        # Towards a far deadline little time has gone: nothing begun is "not started".
        (Tally(0, 10, 0), dt.date(2100, 1, 1), rollup.Assessment.NOT_STARTED),
        (Tally(0, 10, 2), dt.date(2100, 1, 1), rollup.Assessment.ON_TRACK),
        (Tally(0, 0, 0), None, None),
    ],
)
def test_the_assessment_rule(tally, deadline, expected):
    assert PACE.assess(tally, deadline) == expected


def test_time_gone_runs_from_zero_to_one():
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    assert rollup.time_gone(start=start, end=end, today=dt.date(2024, 6, 1)) == 0
    assert rollup.time_gone(start=start, end=end, today=dt.date(2026, 6, 1)) == 1
    assert 0.49 < rollup.time_gone(start=start, end=end, today=dt.date(2025, 7, 2)) < 0.51


def test_the_dashboard_says_each_domain_and_institution_assessment_in_words(
    client, strategy, institutions, consultant
):
    client.force_login(consultant)
    page = client.get("/oversigt/").content.decode()
    # Nothing is done yet; the words and symbols are there, never colour alone.
    assert "Vurdering" in page
    assert 'class="assessment-symbol" aria-hidden="true">' in page
    assert "Bagud" in page or "Ikke startet" in page
