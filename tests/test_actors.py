"""Kinds of institution are the municipality's own data: a consultant adds "Dagpleje" in the
browser, spreadsheets name it in its Danish forms, and a strategy shows only the kinds its
actions are for."""

from django.urls import reverse

from actions.models import Action
from institutions.models import Actor, Institution
from tests.conftest import visible_text
from tests.test_spreadsheets import csv_upload, preview


def test_a_consultant_adds_a_kind_and_spreadsheets_know_it_by_its_danish_forms(
    client, strategy, institutions, consultant
):
    client.force_login(consultant)
    response = client.post(reverse("actor_list"), {"name": " Dagpleje ", "order": "4"})
    assert response.status_code == 302
    dagpleje = Actor.objects.get(name="Dagpleje")
    assert dagpleje.code == "dagpleje"
    page = visible_text(client.get(reverse("actor_list")).content)
    assert "Dagpleje 0 0" in page

    rows = [
        ["Navn", "Type", "Område"],
        ["Dagplejen Nord", "Dagpleje", "Hobro"],
        ["Dagplejen Syd", "dagplejen", "Hadsund"],
    ]
    response = preview(client, csv_upload(rows))
    assert response.context["preview"].problems == []
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    assert set(Institution.objects.filter(actor=dagpleje).values_list("name", flat=True)) == {
        "Dagplejen Nord",
        "Dagplejen Syd",
    }
    # Each kind's institutions and actions, counted apart from each other.
    page = visible_text(client.get(reverse("actor_list")).content)
    assert "Dagpleje 2 0" in page
    skole = Actor.objects.get(code="skole")
    schools = Institution.objects.filter(actor=skole).count()
    assert f"Skole {schools} {Action.objects.filter(actors=skole).count()}" in page


def test_a_kind_keeps_its_code_when_renamed_and_names_are_unique(client, actors, consultant):
    client.force_login(consultant)
    skole = actors["skole"]
    client.post(reverse("actor_edit", args=[skole.pk]), {"name": "Folkeskole", "order": "2"})
    skole.refresh_from_db()
    assert (skole.name, skole.code) == ("Folkeskole", "skole")
    response = client.post(reverse("actor_list"), {"name": "folkeskole", "order": "5"})
    assert response.status_code == 400
    assert "Der findes allerede en type med det navn." in visible_text(response.content)
    assert Actor.objects.filter(name__iexact="folkeskole").count() == 1


def test_a_strategy_shows_only_the_kinds_its_actions_are_for(
    client, strategy, institutions, consultant, committee_member
):
    client.force_login(consultant)
    client.post(reverse("actor_list"), {"name": "Dagpleje", "order": "4"})
    client.force_login(committee_member)
    matrix = client.get(reverse("dashboard")).content.decode()
    matrix = matrix[matrix.index("progress-matrix") : matrix.index("</table>")]
    assert "Dagpleje" not in matrix and "Skole" in matrix

    client.force_login(consultant)
    rows = [
        ["Domæne", "Mål", "Målniveau", "Handling", "Overpunkt", "Aktør"],
        ["Kompetencer", "Alle kan kode.", "Lokale mål", "lege med robotter.", "", "Dagplejerne"],
    ]
    response = preview(client, csv_upload(rows, name="strategi.csv"), "strategi")
    assert response.context["preview"].problems == []
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    assert [a.name for a in Action.objects.get(text="lege med robotter.").actors.all()] == [
        "Dagpleje"
    ]
    client.force_login(committee_member)
    matrix = client.get(reverse("dashboard")).content.decode()
    matrix = matrix[matrix.index("progress-matrix") : matrix.index("</table>")]
    assert "Dagpleje" in matrix
