"""Security events are kept with who, what and when (UTC), readable in admin."""

import datetime as dt

from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from institutions.models import Membership, SecurityEvent, User
from tests.conftest import make_person
from tests.factories import PASSWORD, PersonFactory


def test_sign_in_and_failed_sign_in_are_recorded(client, leader_school_a):
    client.post(reverse("account_login"), {"login": leader_school_a.email, "password": "forkert"})
    client.post(reverse("account_login"), {"login": leader_school_a.email, "password": PASSWORD})
    failed, login = SecurityEvent.objects.order_by("at", "pk")
    assert failed.kind == SecurityEvent.Kind.LOGIN_FAILED
    assert failed.email == leader_school_a.email
    assert failed.ip_address == "127.0.0.1"
    assert (login.kind, login.actor, login.subject) == (
        SecurityEvent.Kind.LOGIN,
        leader_school_a,
        leader_school_a,
    )
    assert login.at.utcoffset() == dt.timedelta(0)


def test_turning_on_two_factor_is_recorded(client, db, django_capture_on_commit_callbacks):
    person = make_person("ny.konsulent@example.org", "Nina Ny", User.Role.CONSULTANT)
    client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.MFA_ADDED, subject=person)
    assert sorted(event.detail["type"] for event in events) == ["recovery_codes", "totp"]
    # With two-factor on, the consultant may now edit.
    assert client.get(reverse("institution_list")).status_code == 200


def edit_leader_b(client, consultant, institutions, *, last_name, institution, role):
    """A consultant saves school B's leader with the given name, institution and role."""
    person = make_person(
        "leder.b@example.org", "Bo Leder", b=(institutions["school_b"], Membership.Role.LEADER)
    )
    client.force_login(consultant)
    client.post(
        reverse("person_edit", args=[person.pk]),
        {
            "email": person.email,
            "first_name": "Bo",
            "last_name": last_name,
            "role": User.Role.STAFF,
            "institutions": [institutions[institution].pk],
            "membership_role": role,
        },
    )
    return person


def test_role_change_is_recorded_with_before_and_after(client, consultant, institutions):
    person = edit_leader_b(
        client,
        consultant,
        institutions,
        last_name="Leder",
        institution="school_a",
        role=Membership.Role.RESOURCE_PERSON,
    )
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_CHANGED)
    assert (event.actor, event.subject) == (consultant, person)
    assert event.detail["before"]["memberships"] == ["Skole B: leader"]
    assert event.detail["after"]["memberships"] == ["Skole A: resource_person"]


def test_unchanged_access_is_not_recorded(client, consultant, institutions):
    edit_leader_b(
        client,
        consultant,
        institutions,
        last_name="Omdøbt",
        institution="school_b",
        role=Membership.Role.LEADER,
    )
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ROLE_CHANGED).exists()


def test_deactivation_and_refused_access_are_recorded(client, consultant, leader_school_a):
    client.force_login(leader_school_a)
    client.get(reverse("person_list"))
    denied = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PERMISSION_DENIED)
    assert (denied.actor, denied.path) == (leader_school_a, reverse("person_list"))

    client.force_login(consultant)
    client.post(reverse("person_deactivate", args=[leader_school_a.pk]))
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PERSON_DEACTIVATED)
    assert (event.actor, event.subject) == (consultant, leader_school_a)


def test_administrator_reads_the_events_in_admin(client, leader_school_a):
    from tests.conftest import with_totp

    client.post(reverse("account_login"), {"login": leader_school_a.email, "password": "forkert"})
    superuser = with_totp(PersonFactory(email="super@example.org", superuser=True))
    client.force_login(superuser)
    page = client.get(reverse("admin:institutions_securityevent_changelist"))
    assert page.status_code == 200
    assert leader_school_a.email in page.content.decode()
    event = SecurityEvent.objects.first()
    assert (
        client.post(
            reverse("admin:institutions_securityevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert SecurityEvent.objects.filter(pk=event.pk).exists()
