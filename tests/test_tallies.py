"""The stored tallies move with every change that moves the rows they count, and always
equal a count of the rows (`manage.py tallies` finds no difference)."""

import random

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from actions.models import Action, ActionTally, InstitutionTally, Progress
from actions.services import action_archive, item_delete, progress_set, progress_sync
from actions.tallies import tallies_differences
from administration.services import institution_save
from goals.models import Strategy
from reports.selectors import progress_matrix
from tests.conftest import run_together, visible_text
from tests.factories import InstitutionFactory

STATUSES = [choice.value for choice in Progress.Status]


def tick(row: Progress, status: str, by=None) -> Progress:
    """As a leader ticks: with the version the page holds."""
    row.refresh_from_db()
    reason = "Varetages centralt" if status == Progress.Status.NOT_RELEVANT else ""
    return progress_set(
        progress_id=row.pk,
        status=status,
        reason=reason,
        note="",
        expected_version=row.version,
        by=by,
    )


@pytest.fixture
def action(strategy, institutions):
    return Action.objects.get(text="prioritere økonomi til investering i læringsteknologier.")


def test_a_tick_moves_the_tally_the_strategy_page_shows(client, action, institutions, consultant):
    school_a = action.progress.get(institution=institutions["school_a"])
    school_b = action.progress.get(institution=institutions["school_b"])
    tick(school_a, Progress.Status.DONE)
    tick(school_b, Progress.Status.NOT_RELEVANT)
    client.force_login(consultant)
    page = visible_text(client.get(reverse("strategy")).content)
    assert "1 af 2 institutioner udført" in page  # Skole B left the denominator
    tick(school_b, Progress.Status.DONE)
    page = visible_text(client.get(reverse("strategy")).content)
    assert "2 af 3 institutioner udført" in page
    assert tallies_differences() == []


def test_a_domain_without_actions_still_shows_its_bar(client, strategy, institutions, consultant):
    domain = strategy.domains.order_by("order")[0]
    Action.objects.filter(goal__domain=domain).delete()
    client.force_login(consultant)
    page = visible_text(client.get(reverse("strategy")).content)
    assert f"{domain.name} Redigér : {domain.name} 0 af 0 udført (0 %)" in page


def test_random_ticks_and_changes_keep_every_tally_equal_to_its_rows(
    strategy, actors, institutions, action
):
    chance = random.Random(20)  # noqa: S311 - test data, not security
    rows = list(Progress.objects.filter(action__goal__domain__strategy=strategy))
    for _n in range(60):
        tick(chance.choice(rows), chance.choice(STATUSES))
    assert tallies_differences() == []

    closed = institutions["school_b"]
    closed.is_active = False
    institution_save(institution=closed)
    assert tallies_differences() == []

    moved = institutions["daycare"]
    moved.actor = actors["skole"]
    institution_save(institution=moved)
    institution_save(institution=InstitutionFactory.build(name="Ny skole", actor=actors["skole"]))
    assert tallies_differences() == []

    action.actors.remove(actors["dagtilbud"])
    progress_sync(action_ids=[action.pk])
    assert tallies_differences() == []
    assert ActionTally.objects.filter(action=action, actor=actors["dagtilbud"]).count() == 0

    gone = Action.objects.filter(goal__domain__strategy=strategy).exclude(pk=action.pk)[0]
    item_delete(instance=gone, by=None)
    item_delete(instance=action.goal, by=None)
    assert tallies_differences() == []
    assert InstitutionTally.objects.filter(strategy=strategy).exists()


def test_an_archived_action_leaves_the_matrix(strategy, action, consultant):
    for row in action.progress.all():
        tick(row, Progress.Status.DONE)
    before = progress_matrix(strategy=strategy).total
    action_archive(action=action, by=consultant)
    # A new request's strategy: the matrix is kept on the object for one request.
    after = progress_matrix(strategy=Strategy.objects.get(pk=strategy.pk)).total
    assert (before.done - after.done, before.counted - after.counted) == (3, 3)
    assert tallies_differences() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ticks_at_the_same_moment_lose_none(strategy, institutions, action):
    schools = [
        InstitutionFactory(name=f"Skole {n}", actor=institutions["school_a"].actor)
        for n in range(6)
    ]
    progress_sync(institution_ids=[school.pk for school in schools])
    rows = list(action.progress.order_by("pk"))

    results = run_together(lambda n: tick(rows[n], Progress.Status.DONE), len(rows))

    assert not [result for result in results if isinstance(result, Exception)]
    tallies = ActionTally.objects.filter(action=action)
    assert sum(tally.done for tally in tallies) == len(rows)
    assert tallies_differences() == []

    # And one institution's rows at once: its own tally is the one contended for.
    school = institutions["school_b"]
    rows = list(school.progress.exclude(action=action).order_by("pk")[:8])
    results = run_together(lambda n: tick(rows[n], Progress.Status.IN_PROGRESS), len(rows))
    assert not [result for result in results if isinstance(result, Exception)]
    assert InstitutionTally.objects.get(institution=school, strategy=strategy).started == 9
    assert tallies_differences() == []


def test_the_command_reports_a_difference_and_mends_it(action, institutions, capsys):
    tally = ActionTally.objects.get(action=action, actor=institutions["school_a"].actor)
    ActionTally.objects.filter(pk=tally.pk).update(done=tally.done + 5)

    with pytest.raises(CommandError):
        call_command("tallies", "--check")
    assert f"ActionTally ({action.pk}, {tally.actor_id}): stored done 5" in capsys.readouterr().out

    call_command("tallies")
    call_command("tallies", "--check")
    assert "0 tallies differ from the rows." in capsys.readouterr().out
