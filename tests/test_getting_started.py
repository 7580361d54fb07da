"""A municipality starts from an empty installation: one command names it and invites its first
consultant, and "Kom i gang" shows the consultant what is still missing."""

import io
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from institutions.models import Actor, Institution, Municipality, SecurityEvent, User
from tests.conftest import make_person, visible_text, with_totp
from tests.test_spreadsheets import csv_upload, preview


def start(name="Viborg Kommune", email="it@viborg.dk") -> str:
    out = io.StringIO()
    call_command("start_municipality", name=name, email=email, stdout=out)
    return out.getvalue()


def test_the_start_command_names_the_municipality_and_invites_its_first_consultant(
    client, actors, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        printed = start()

    assert Municipality.objects.get().name == "Viborg Kommune"
    consultant = User.objects.get()
    assert (consultant.email, consultant.role) == ("it@viborg.dk", User.Role.CONSULTANT)
    assert not consultant.has_usable_password()
    assert SecurityEvent.objects.filter(kind="person_invited", subject=consultant).exists()
    # The administration follows central projects and keeps the municipal handleplan.
    assert Institution.objects.filter(actor__code=Actor.ADMINISTRATION).count() == 1
    link = re.search(r"http://127\.0\.0\.1:8000(/konto/\S+)", printed).group(1)
    assert "Viborg Kommune har inviteret dig" in mail.outbox[0].body
    # The printed link lets the consultant choose a password.
    response = client.get(link, follow=True)
    assert "password1" in response.context["form"].fields


def test_the_start_command_is_safe_to_run_again_and_refuses_another_name(actors):
    start()
    start()
    assert User.objects.count() == 1
    with pytest.raises(CommandError, match="startet for Viborg Kommune"):
        start(name="Aarhus Kommune")


def test_the_start_command_refuses_a_database_with_data(strategy):
    with pytest.raises(CommandError, match="indeholder allerede data"):
        start()
    assert not Municipality.objects.get().is_named


@pytest.fixture
def new_consultant(actors):
    start()
    return with_totp(User.objects.get(email="it@viborg.dk"))


def test_a_consultant_in_a_new_installation_starts_on_getting_started(client, new_consultant):
    client.force_login(new_consultant)
    assert client.get(reverse("home")).url == reverse("getting_started")
    page = visible_text(client.get(reverse("getting_started")).content)
    assert "Mangler stadig" in page
    for missing in [
        "Institutionstyper : Tjek, at typerne er dem, jeres strategi bruger.",
        "Strategien : Der er ingen strategi endnu.",
        "Institutioner : Der er ingen institutioner endnu.",
        "Personer : Ingen er knyttet til en institution endnu.",
    ]:
        assert missing in page
    # The name was given to the command: that step is done.
    assert "Kommunens navn : Navnet er ikke gemt endnu." not in page


def test_the_name_shows_in_every_header_once_saved(client, new_consultant):
    client.force_login(new_consultant)
    response = client.post(
        reverse("getting_started"), {"name": " Viborg  Kommune ", "header_text": "VIBORG"}
    )
    assert response.status_code == 302
    assert Municipality.objects.get().name == "Viborg Kommune"
    page = client.get(reverse("institution_list")).content.decode()
    assert '<a href="/" class="site-owner">VIBORG</a>' in page


def test_an_empty_name_is_refused_in_danish(client, new_consultant):
    client.force_login(new_consultant)
    response = client.post(reverse("getting_started"), {"name": " ", "header_text": ""})
    assert response.status_code == 400
    assert "Navn: Dette felt er påkrævet." in visible_text(response.content)
    assert Municipality.objects.get().name == "Viborg Kommune"


def test_steps_are_done_when_their_data_is_there(client, strategy, institutions, consultant):
    make_person("leder@example.org", "Lise Leder", a=(institutions["school_a"], "leader"))
    client.force_login(consultant)
    client.post(reverse("getting_started"), {"name": "Mariagerfjord Kommune", "header_text": ""})
    client.post(reverse("getting_started_mark", args=["actors"]), {"state": "done"})
    page = visible_text(client.get(reverse("getting_started")).content)
    assert "Alt er på plads" in page
    assert "Mangler stadig" not in page


def test_a_step_can_be_skipped_and_opened_again(client, new_consultant):
    client.force_login(new_consultant)
    url = reverse("getting_started_mark", args=["people"])
    client.post(url, {"state": "skipped"})
    page = visible_text(client.get(reverse("getting_started")).content)
    assert "5. Personer Sprunget over" in page
    assert "Personer : Ingen er knyttet" not in page
    client.post(url, {"state": "open"})
    assert "Personer : Ingen er knyttet" in visible_text(
        client.get(reverse("getting_started")).content
    )


@pytest.mark.parametrize("step, state", [("nothing", "done"), ("people", "maybe")])
def test_an_unknown_step_or_state_is_refused(client, new_consultant, step, state):
    client.force_login(new_consultant)
    before = Municipality.objects.get().getting_started
    response = client.post(reverse("getting_started_mark", args=[step]), {"state": state})
    assert response.status_code == 400
    assert Municipality.objects.get().getting_started == before


def test_getting_started_leaves_the_menu_when_put_away(client, new_consultant):
    client.force_login(new_consultant)
    assert ">Kom i gang<" in client.get(reverse("institution_list")).content.decode()
    client.post(reverse("getting_started_mark", args=["finished"]), {"state": "done"})
    page = client.get(reverse("institution_list")).content.decode()
    assert "<span>Kom i gang</span>" not in page
    # Still reachable from the institutions page.
    assert f'href="{reverse("getting_started")}"' in page


def test_a_strategy_import_before_the_strategy_exists_says_to_create_it_first(
    client, new_consultant
):
    client.force_login(new_consultant)
    upload = csv_upload([["Domæne", "Mål", "Handling", "Aktør"], ["A", "B", "C", "Skole"]])
    response = preview(client, upload, kind="strategi")
    assert response.status_code == 400
    assert "Opret den først under Strategi." in visible_text(response.content)


def test_the_new_strategy_form_is_filled_with_the_municipality(client, new_consultant):
    client.force_login(new_consultant)
    response = client.get(reverse("strategy"))
    assert response.status_code == 404
    assert response.context["form"].initial["municipality_name"] == "Viborg Kommune"
