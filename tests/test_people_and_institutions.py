"""Consultants manage institutions and people; the rules hold for everyone else."""

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from actions.models import Action
from institutions.models import Institution, Membership, User
from tests.conftest import make_person
from tests.factories import PASSWORD, PersonFactory


def test_consultant_sees_institutions_and_people(client, consultant, institutions):
    client.force_login(consultant)
    page = client.get(reverse("institution_list")).content.decode()
    assert "Skole A" in page and "Dagtilbud A" in page
    page = client.get(reverse("person_list")).content.decode()
    assert "konsulent@example.org" in page


def test_leader_may_not_open_consultant_pages(client, leader_school_a):
    client.force_login(leader_school_a)
    for name in ["institution_list", "institution_create", "person_list", "person_create"]:
        assert client.get(reverse(name)).status_code == 403


def test_consultant_signed_in_with_password_must_set_up_two_factor_first(client, db):
    make_person("ny.konsulent@example.org", "Nina Ny", User.Role.CONSULTANT)
    client.post(
        reverse("account_login"), {"login": "ny.konsulent@example.org", "password": PASSWORD}
    )
    response = client.get(reverse("institution_list"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_superuser_without_two_factor_is_sent_to_set_it_up_from_admin(client, db):
    PersonFactory(email="super@example.org", superuser=True)
    client.post(reverse("account_login"), {"login": "super@example.org", "password": PASSWORD})
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_new_institution_gets_progress_rows(client, consultant, strategy, actors):
    client.force_login(consultant)
    response = client.post(
        reverse("institution_create"),
        {
            "name": "Ny Skole",
            "actor": actors["skole"].pk,
            "area": "Hobro",
            "children_count": "250",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    school = Institution.objects.get(name="Ny Skole")
    assert school.progress.count() == Action.objects.filter(actors=actors["skole"]).count()


def test_bad_institution_input_gets_a_danish_message_and_saves_nothing(client, consultant, actors):
    client.force_login(consultant)
    response = client.post(
        reverse("institution_create"),
        {"name": "", "actor": actors["skole"].pk, "children_count": "-5"},
    )
    assert response.status_code == 400
    assert "Dette felt er påkrævet" in response.content.decode()
    assert not Institution.objects.exists() or not Institution.objects.filter(name="").exists()


def test_invitation_end_to_end(
    client, consultant, institutions, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("person_create"),
            {
                "email": "ny.leder@example.org",
                "first_name": "Ny",
                "last_name": "Leder",
                "role": User.Role.STAFF,
                "institutions": [institutions["school_b"].pk],
                "membership_role": Membership.Role.LEADER,
            },
        )
    assert response.status_code == 302
    person = User.objects.get(email="ny.leder@example.org")
    assert not person.has_usable_password()
    assert person.memberships.get().institution == institutions["school_b"]

    [invitation] = mail.outbox
    assert invitation.to == ["ny.leder@example.org"]
    link = re.search(r"http://testserver(/\S+)", invitation.body).group(1)

    newcomer = Client()
    form_page = newcomer.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = newcomer.post(
        set_password_url, {"password1": "mit-nye-kodeord-2026", "password2": "mit-nye-kodeord-2026"}
    )
    assert response.status_code == 302
    assert Client().login(email="ny.leder@example.org", password="mit-nye-kodeord-2026")
    # The link works once.
    assert "ugyldigt" in Client().get(link, follow=True).content.decode().lower()


def test_staff_person_needs_institutions(client, consultant):
    client.force_login(consultant)
    response = client.post(
        reverse("person_create"),
        {"email": "x@example.org", "first_name": "X", "last_name": "Y", "role": User.Role.STAFF},
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="x@example.org").exists()
    assert mail.outbox == []


def test_deactivated_person_is_signed_out_everywhere(client, consultant, leader_school_a):
    leader_browser = Client()
    leader_browser.force_login(leader_school_a)
    assert leader_browser.get(reverse("strategy")).status_code in {200, 404}

    client.force_login(consultant)
    response = client.post(reverse("person_deactivate", args=[leader_school_a.pk]))
    assert response.status_code == 302
    leader_school_a.refresh_from_db()
    assert not leader_school_a.is_active
    assert leader_browser.get(reverse("strategy")).status_code == 302
    assert not Client().login(email=leader_school_a.email, password=PASSWORD)


def test_leader_cannot_deactivate_anyone(client, leader_school_a, consultant):
    client.force_login(leader_school_a)
    assert client.post(reverse("person_deactivate", args=[consultant.pk])).status_code == 403
    consultant.refresh_from_db()
    assert consultant.is_active


def test_a_form_with_errors_lists_them_at_the_top_linked_to_their_fields(client, consultant):
    client.force_login(consultant)
    response = client.post(reverse("person_create"), {"email": "ikke-en-adresse", "role": "staff"})
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[page.index('class="alert alert-error error-summary"') :]
    summary = summary[: summary.index("</div>\n  </div>")]
    assert "Formularen kunne ikke gemmes" in summary
    assert 'href="#id_email"' in summary
    assert "Indtast en gyldig e-mail-adresse." in summary
    assert page.index("error-summary") < page.index('id="id_email"')
