"""Whom an action is for: every institution of its kinds, or only the institutions it names
(a project for two units), or the administration itself. Progress rows, Min institution and
the spreadsheet follow."""

import pytest
from django.urls import reverse

from actions.models import Action, Progress
from administration.services import institution_save
from goals.models import Goal
from institutions.models import Actor, Institution
from tests.conftest import make_person, visible_text, with_totp
from tests.test_spreadsheets import csv_upload, preview

PROJECT = "Et projekt med robotter i to dagplejer."


@pytest.fixture
def consultant_of_viborg(other_strategy):
    institution_save(
        institution=Institution(
            name="Dagplejen Øst", actor=Actor.objects.get(code="dagpleje"), area="Viborg"
        )
    )
    return with_totp(make_person("k@viborg.dk", "Kim Konsulent", "consultant"))


def units(action) -> set[str]:
    return set(Progress.objects.filter(action=action).values_list("institution__name", flat=True))


def post_action(client, **changes):
    goal = Goal.objects.get(text="Børnene bruger digitale medier kreativt.")
    data = {
        "text": PROJECT,
        "goal": goal.pk,
        "actors": [Actor.objects.get(code="dagpleje").pk],
        "institutions": [Institution.objects.get(name="Dagplejen Nord").pk],
    } | changes
    action = Action.objects.filter(text=PROJECT).first()
    if action is None:
        return client.post(reverse("item_create", args=["handling", goal.pk]), data)
    data["version"] = action.version
    return client.post(reverse("item_edit", args=["handling", action.pk]), data)


def test_a_project_for_named_units_is_followed_only_by_them(client, consultant_of_viborg):
    client.force_login(consultant_of_viborg)
    assert post_action(client).status_code == 302
    project = Action.objects.get(text=PROJECT)
    assert units(project) == {"Dagplejen Nord"}
    # Every other action of Dagpleje is for all three units.
    other = Action.objects.get(text__startswith="Alle dagplejere")
    assert units(other) == {"Dagplejen Nord", "Dagplejen Syd", "Dagplejen Øst"}
    page = visible_text(client.get(reverse("strategy")).content)
    assert f"{PROJECT} 0 af 1 institution udført · Kun for: Dagplejen Nord" in page

    east = Institution.objects.get(name="Dagplejen Øst")
    south = Institution.objects.get(name="Dagplejen Syd")
    assert post_action(client, institutions=[south.pk, east.pk]).status_code == 302
    assert units(project) == {"Dagplejen Syd", "Dagplejen Øst"}
    # Named no more: every unit of the kind follows it.
    assert post_action(client, institutions=[]).status_code == 302
    assert units(project) == {"Dagplejen Nord", "Dagplejen Syd", "Dagplejen Øst"}


def test_min_institution_shows_a_named_project_only_to_its_units(client, consultant_of_viborg):
    client.force_login(consultant_of_viborg)
    post_action(client)
    for name, sees in (("Dagplejen Nord", True), ("Dagplejen Syd", False)):
        unit = Institution.objects.get(name=name)
        leader = make_person(f"{unit.pk}@viborg.dk", "Lone Leder", unit=(unit, "leader"))
        client.force_login(leader)
        page = visible_text(client.get(reverse("institution_progress", args=[unit.pk])).content)
        assert (PROJECT in page) is sees


def test_a_named_unit_of_another_kind_is_refused_in_danish(client, consultant_of_viborg):
    client.force_login(consultant_of_viborg)
    dagtilbud = Institution.objects.create(
        name="Børnehaven Sol", actor=Actor.objects.get(code="dagtilbud")
    )
    response = post_action(client, institutions=[dagtilbud.pk])
    assert response.status_code == 400
    assert "Børnehaven Sol er ikke af de typer, handlingen er for." in visible_text(
        response.content
    )
    assert not Action.objects.filter(text=PROJECT).exists()


def test_the_spreadsheet_names_the_units_a_project_is_for(client, consultant_of_viborg):
    client.force_login(consultant_of_viborg)
    heading = ["Område", "Mål", "Handling", "Aktør", "Kun for institutioner", "Budget"]
    goal = "Børnene bruger digitale medier kreativt."
    rows = [
        heading,
        ["Pædagogik", goal, PROJECT, "Dagpleje", "Dagplejen Nord, Dagplejen Øst", "45.000"],
    ]
    response = preview(client, csv_upload(rows, encoding="utf-8"), kind="strategi")
    assert response.context["preview"].problems == []
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    project = Action.objects.get(text=PROJECT)
    assert units(project) == {"Dagplejen Nord", "Dagplejen Øst"}
    assert project.budget == 45_000

    exported = client.get(reverse("spreadsheet_export", args=["strategi", "csv"]))
    assert "Dagplejen Nord, Dagplejen Øst" in exported.content.decode("utf-8-sig")


@pytest.mark.parametrize(
    "named, message",
    [
        ("Dagplejen Vest", "Ingen institution hedder Dagplejen Vest."),
        ("Forvaltningen", "Forvaltningen er ikke af de typer, handlingen er for."),
    ],
)
def test_a_bad_name_in_the_spreadsheet_is_a_row_error_not_a_500(
    client, consultant_of_viborg, named, message
):
    Institution.objects.create(name="Forvaltningen", actor=Actor.objects.get(code="forvaltning"))
    client.force_login(consultant_of_viborg)
    rows = [
        ["Område", "Mål", "Handling", "Aktør", "Kun for institutioner"],
        ["Pædagogik", "Børnene bruger digitale medier kreativt.", PROJECT, "Dagpleje", named],
    ]
    response = preview(client, csv_upload(rows, encoding="utf-8"), kind="strategi")
    assert response.status_code == 200
    assert message in visible_text(response.content)
    assert not Action.objects.filter(text=PROJECT).exists()
