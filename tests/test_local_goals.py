"""Local goals ("lokale mål"): each institution meets them on its own and marks them reached,
as it ticks off an action; the strategy and the revision report say "x af N institutioner
har nået målet"."""

import pytest
from django.urls import reverse

from actions.models import GoalProgress
from goals.models import Goal
from institutions.models import Actor, Institution
from tests.conftest import make_person, visible_text
from tests.test_report_documents import page_texts, render

CREATIVE = "Børnene bruger digitale medier kreativt."
OWN_PLAN = "Hver dagpleje har sin egen digitale handleplan."


@pytest.fixture
def local_goals(other_strategy):
    """One local goal with an action for Dagpleje; one without actions, met by every kind
    the strategy's actions are for."""
    Goal.objects.filter(text=CREATIVE).update(scope=Goal.Scope.LOCAL)
    domain = other_strategy.domains.get(name="Kompetencer")
    Goal.objects.create(domain=domain, text=OWN_PLAN, order=9, scope=Goal.Scope.LOCAL)
    return other_strategy


@pytest.fixture
def nord():
    return Institution.objects.get(name="Dagplejen Nord")


@pytest.fixture
def leader_nord(local_goals, nord):
    return make_person("nord@viborg.dk", "Nina Nord", nord=(nord, "leader"))


def mark(client, institution, text, answer):
    goal = Goal.objects.get(text=text)
    return client.post(
        reverse("goal_progress_update", args=[institution.pk, goal.pk]), {"reached": answer}
    )


def test_a_leader_marks_a_local_goal_and_the_strategy_counts_it(
    client, local_goals, nord, leader_nord
):
    client.force_login(leader_nord)
    page = visible_text(client.get(reverse("institution_progress", args=[nord.pk])).content)
    assert "Lokale mål" in page and CREATIVE in page and OWN_PLAN in page

    response = mark(client, nord, CREATIVE, "yes")
    goal = Goal.objects.get(text=CREATIVE)
    assert response.url == reverse("institution_progress", args=[nord.pk]) + f"#goal-{goal.pk}"
    reached = GoalProgress.objects.get(goal=goal, institution=nord)
    assert reached.reached and reached.updated_by == leader_nord
    page = visible_text(client.get(reverse("institution_progress", args=[nord.pk])).content)
    assert "Gemt: Målet er nået." in page
    assert "✓ Nået" in page and "Ikke nået alligevel" in page

    strategy_page = visible_text(client.get(reverse("strategy")).content)
    assert f"{CREATIVE} Lokalt mål 1 af 2 institutioner har nået målet" in strategy_page
    assert f"{OWN_PLAN} Lokalt mål 0 af 2 institutioner har nået målet" in strategy_page

    # The same answer twice is one change in the history; "not yet" takes it back.
    mark(client, nord, CREATIVE, "yes")
    assert reached.history.count() == 1
    mark(client, nord, CREATIVE, "no")
    assert reached.history.count() == 2
    assert "0 af 2 institutioner har nået målet" in visible_text(
        client.get(reverse("strategy")).content
    )


def test_the_revision_report_counts_local_goals(client, local_goals, nord, leader_nord):
    client.force_login(leader_nord)
    mark(client, nord, OWN_PLAN, "yes")
    content, _word, _html = render("revision", local_goals)
    text = " ".join(page_texts(content))
    assert f"{OWN_PLAN} Lokalt mål 1 af 2 institutioner har nået målet" in text


def test_only_the_institutions_that_meet_a_local_goal_may_mark_it(
    client, local_goals, nord, leader_nord, committee_member
):
    client.force_login(leader_nord)
    # A municipal goal is followed centrally, not marked by each institution.
    municipal = "Dagplejerne er trygge ved digitale medier."
    assert mark(client, nord, municipal, "yes").status_code == 404
    # A daycare unit is not of the kinds that meet the goal.
    sun = Institution.objects.create(
        name="Børnehaven Sol", actor=Actor.objects.get(code="dagtilbud")
    )
    sun_leader = make_person("sol@viborg.dk", "Sune Sol", sol=(sun, "leader"))
    client.force_login(sun_leader)
    assert mark(client, sun, CREATIVE, "yes").status_code == 404
    # Another unit's leader does not learn that Nord exists; the committee only reads.
    assert mark(client, nord, CREATIVE, "yes").status_code == 404
    client.force_login(committee_member)
    assert mark(client, nord, CREATIVE, "yes").status_code == 403
    assert not GoalProgress.objects.exists()


def test_an_answer_that_is_neither_yes_nor_no_is_refused(client, local_goals, nord, leader_nord):
    client.force_login(leader_nord)
    assert mark(client, nord, CREATIVE, "måske").status_code == 400
    assert not GoalProgress.objects.exists()
