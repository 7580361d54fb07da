"""The scale generator makes what it says, and the dashboard's numbers still add up on it."""

from django.core.management import call_command
from django.utils import timezone

from actions.models import ActionPlanItem, Progress
from goals.models import Goal
from institutions.models import Institution
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
