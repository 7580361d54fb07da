"""Progress rows follow actions, actors and institutions, so "x af N" is always right."""

import contextvars
import json
import threading

import pytest
from django.db import connection

from actions.models import Action, Progress
from actions.services import progress_sync, strategy_create_from_document
from actions.tallies import tallies_differences
from institutions.models import Institution
from tests.conftest import STRATEGY_FILE
from tests.factories import InstitutionFactory


@pytest.fixture
def action(strategy, actors):
    return Action.objects.get(text="prioritere økonomi til investering i læringsteknologier.")


def test_both_actors_give_every_school_and_daycare_a_row(action, institutions):
    assert set(action.progress.values_list("institution__name", flat=True)) == {
        "Skole A",
        "Skole B",
        "Dagtilbud A",
    }


def test_removing_an_actor_removes_its_institutions_rows(action, actors, institutions):
    action.actors.remove(actors["dagtilbud"])
    progress_sync(action_ids=[action.pk])
    assert set(action.progress.values_list("institution__name", flat=True)) == {
        "Skole A",
        "Skole B",
    }


def test_removed_rows_keep_their_history(action, actors, institutions):
    row = action.progress.get(institution=institutions["daycare"])
    row.status = Progress.Status.DONE
    row.save()
    action.actors.remove(actors["dagtilbud"])
    progress_sync(action_ids=[action.pk])
    history = Progress.history.filter(id=row.pk).order_by("history_date")
    assert [record.history_type for record in history] == ["~", "-"]


def test_a_new_institution_gets_rows_for_its_actors_actions(strategy, actors, institutions):
    school = InstitutionFactory(name="Skole C", actor=actors["skole"])
    progress_sync(institution_ids=[school.pk])
    expected = Action.objects.filter(goal__domain__strategy=strategy, actors=actors["skole"])
    assert school.progress.count() == expected.count() == 15


def test_changing_an_institutions_kind_moves_its_rows(strategy, actors, institutions):
    school = institutions["school_a"]
    school.actor = actors["dagtilbud"]
    school.save()
    progress_sync(institution_ids=[school.pk])
    assert set(school.progress.values_list("action__actors__code", flat=True)) <= {
        "dagtilbud",
        "skole",
    }
    assert school.progress.count() == Action.objects.filter(actors=actors["dagtilbud"]).count()


def test_sync_is_idempotent_and_keeps_status(action, institutions):
    row = action.progress.get(institution=institutions["school_a"])
    row.status = Progress.Status.IN_PROGRESS
    row.save()
    before = Progress.objects.count()
    assert progress_sync() == 0
    assert Progress.objects.count() == before
    row.refresh_from_db()
    assert row.status == Progress.Status.IN_PROGRESS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_syncs_neither_fail_nor_duplicate(actors):
    strategy_create_from_document(document=json.loads(STRATEGY_FILE.read_text(encoding="utf-8")))
    Institution.objects.bulk_create(
        Institution(name=f"Skole {n}", actor=actors["skole"]) for n in range(30)
    )
    errors = []

    def sync():
        try:
            progress_sync()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(sync,)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Progress.objects.count() == 30 * Action.objects.filter(actors=actors["skole"]).count()
    assert tallies_differences() == []
