"""A central project: an action for the administration itself, with a budget, followed by
the consultants on the administration's own page; leaders never see it."""

from django.urls import reverse

from actions.models import Action, Progress
from administration.services import institution_save
from goals.models import Goal
from institutions.models import Actor, Institution
from tests.conftest import make_person, visible_text, with_totp

PROJECT = "Fælles platform til billeddeling i alle dagplejer."


def test_a_central_project_is_followed_by_the_administration_alone(client, other_strategy):
    administration = institution_save(
        institution=Institution(name="Forvaltningen", actor=Actor.objects.get(code="forvaltning"))
    )
    consultant = with_totp(make_person("k@viborg.dk", "Kim Konsulent", "consultant"))
    goal = Goal.objects.get(text="Forældrene ser, hvad børnene oplever.")
    client.force_login(consultant)
    response = client.post(
        reverse("item_create", args=["handling", goal.pk]),
        {
            "text": PROJECT,
            "goal": goal.pk,
            "actors": [administration.actor_id],
            "budget": "250.000",
        },
    )
    assert response.status_code == 302
    project = Action.objects.get(text=PROJECT)
    assert project.budget == 250_000
    row = Progress.objects.get(action=project)
    assert row.institution == administration

    # The consultants tick it on the administration's page.
    page = visible_text(
        client.get(reverse("institution_progress", args=[administration.pk])).content
    )
    assert PROJECT in page
    client.post(
        reverse("progress_update", args=[administration.pk, project.pk]),
        {"status": "done", "version": row.version, "reason": "", "note": ""},
    )
    assert Progress.objects.get(pk=row.pk).status == "done"

    # A leader's own page does not list it, and the administration's answers 404.
    nord = Institution.objects.get(name="Dagplejen Nord")
    client.force_login(make_person("nord@viborg.dk", "Nina Nord", nord=(nord, "leader")))
    assert PROJECT not in visible_text(
        client.get(reverse("institution_progress", args=[nord.pk])).content
    )
    page = client.get(reverse("institution_progress", args=[administration.pk]))
    assert page.status_code == 404
