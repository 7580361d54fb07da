"""The scale generator makes what it says, and the dashboard's numbers still add up on it."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from actions.models import ActionPlanItem, Progress
from core import tenancy
from goals.models import Goal
from institutions.models import Institution, Municipality
from reports.selectors import progress_matrix, progress_over_time


def test_generate_scale_makes_institutions_actions_history_and_plans(strategy, actors, capsys):
    call_command("generate_scale", institutions=30, goals=20, actions=80, years=2, seed=7)
    out = capsys.readouterr().out
    made = Institution.objects.filter(name__startswith="Skala")
    assert made.count() == 30
    assert made.filter(actor__code="skole").count() == 4  # 80 of 600 are schools
    assert Goal.objects.filter(domain__strategy=strategy).count() == 20
    assert strategy.domains.first().goals.count() >= 4
    rows = Progress.objects.filter(institution__in=made)
    history = Progress.history.filter(institution_id__in=made.values("pk"))
    assert rows.count() > 30 * 20
    assert history.count() >= rows.count() * 3  # a change every few months for two years
    assert ActionPlanItem.objects.filter(plan__institution__in=made).count() == 150
    assert "Made 30 institutions; the strategy now has 20 goals and 80 actions" in out
    # Each row's status is its last recorded change, so the replayed series ends where the
    # dashboard's counts are today.
    today = timezone.localdate()
    series = progress_over_time(strategy=strategy, days=[today])
    matrix = progress_matrix(strategy=strategy)
    assert sum(one.points[-1].done for one in series) == matrix.total.done
    assert sum(one.points[-1].counted for one in series) == matrix.total.counted


@pytest.mark.postgres
def test_on_postgresql_the_history_lies_in_date_order_as_a_real_one_does(strategy, actors):
    """A real history is appended as it happens; the generated one is put in that order, so
    the newest changes are read from a few pages, not from all over the table."""
    call_command("generate_scale", institutions=20, goals=10, actions=40, years=2, seed=3)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT correlation FROM pg_stats WHERE tablename = %s AND attname = 'history_date'",
            [Progress.history.model._meta.db_table],
        )
        [correlation] = cursor.fetchone()
    assert correlation > 0.99


def test_generate_scale_builds_a_national_installation_of_municipalities_alike(strategy, actors):
    """Each municipality on its own host name, with the shipped strategy and the same data."""
    call_command(
        "generate_scale", institutions=6, goals=15, actions=50, years=1, seed=5, municipalities=3
    )
    municipalities = list(Municipality.objects.order_by("pk"))
    assert len(municipalities) == 3 and all(municipality.host for municipality in municipalities)
    made = []
    for municipality in municipalities:
        with tenancy.acting_for(municipality.pk):
            made.append(
                (
                    Institution.objects.filter(name__startswith="Skala").count(),
                    Goal.objects.filter(domain__strategy__status="adopted").count(),
                    Progress.objects.count() > 0,
                )
            )
    assert made == [(6, 15, True)] * 3
