"""Sessions, password reset, how deactivated people appear, and institution scoping."""

import datetime as dt
import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from institutions.permissions import institution_for, institutions_for
from institutions.selectors import person_name
from strategy_tracker.middleware import RENEWED_AT, SIGNED_IN_AT


def test_session_ends_after_the_idle_timeout_and_each_request_renews_it(
    client, leader_school_a, settings
):
    client.force_login(leader_school_a)
    client.get(reverse("strategy"))
    session = Session.objects.get()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 3600
    # A request within a minute of the last renewal writes nothing ...
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("strategy"))
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert not writes
    # ... and one after it renews the session for another idle timeout.
    stored = client.session
    stored[RENEWED_AT] -= settings.SESSION_RENEW_AFTER
    stored.save()
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + dt.timedelta(minutes=10)
    )
    client.get(reverse("strategy"))
    renewed = Session.objects.get(pk=session.pk).expire_date
    assert renewed > timezone.now() + dt.timedelta(seconds=3500)


def test_password_reset_by_e_mail(client, leader_school_a):
    client.post(reverse("account_reset_password"), {"email": leader_school_a.email})
    [message] = mail.outbox
    link = re.search(r"http://testserver(/\S+)", message.body).group(1)
    page = client.get(link, follow=True)
    response = client.post(
        page.redirect_chain[-1][0],
        {"password1": "helt-ny-kode-2026", "password2": "helt-ny-kode-2026"},
    )
    assert response.status_code == 302
    assert Client().login(email=leader_school_a.email, password="helt-ny-kode-2026")


def test_reset_for_an_unknown_address_looks_the_same_and_sends_no_link(client, leader_school_a):
    known = client.post(reverse("account_reset_password"), {"email": leader_school_a.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "ingen@example.org"})
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    to_unknown = [message for message in mail.outbox if message.to == ["ingen@example.org"]]
    assert all("/password/reset/key/" not in message.body for message in to_unknown)


def test_leader_reaches_own_institution_and_gets_404_for_another(leader_school_a, institutions):
    assert institution_for(leader_school_a, institutions["school_a"].pk) == institutions["school_a"]
    with pytest.raises(Http404):
        institution_for(leader_school_a, institutions["school_b"].pk)
    assert list(institutions_for(leader_school_a)) == [institutions["school_a"]]


def test_leader_of_two_units_acts_for_both(institutions):
    from institutions.models import Membership
    from tests.conftest import make_person

    leader = make_person(
        "to@example.org",
        "To Enheder",
        a=(institutions["daycare"], Membership.Role.LEADER),
        b=(institutions["school_b"], Membership.Role.LEADER),
    )
    assert set(institutions_for(leader)) == {institutions["daycare"], institutions["school_b"]}


def test_consultant_acts_for_every_institution(consultant, institutions):
    assert institutions_for(consultant).count() == len(institutions)


@pytest.mark.parametrize(
    ("shown_as", "expected"), [("name", "Lise Leder"), ("former", "Tidligere bruger")]
)
def test_deactivated_person_appears_as_the_municipality_chose(
    leader_school_a, settings, shown_as, expected
):
    settings.DEACTIVATED_PERSON_SHOWN_AS = shown_as
    assert person_name(leader_school_a) == "Lise Leder"
    leader_school_a.is_active = False
    assert person_name(leader_school_a) == expected


def test_a_session_ends_after_the_absolute_timeout_however_active(
    client, strategy, leader_school_a, settings
):
    client.force_login(leader_school_a)
    assert client.get(reverse("strategy")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] -= settings.SESSION_ABSOLUTE_TIMEOUT + 1
    session.save()
    response = client.get(reverse("strategy"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_changing_e_mail_or_two_factor_asks_for_the_password_again(
    client, leader_school_a, consultant
):
    client.force_login(leader_school_a)  # no password typed in this session
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "ny.adresse@example.org"}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not leader_school_a.emailaddress_set.filter(email="ny.adresse@example.org").exists()
    client.force_login(consultant)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


def test_a_person_with_a_verified_address_can_confirm_by_a_code_sent_there(client, leader_school_a):
    client.force_login(leader_school_a)
    response = client.get(reverse("account_request_reauthentication_code"))
    assert response.url.startswith(reverse("account_reauthenticate"))  # no address to send it to
    leader_school_a.emailaddress_set.create(
        email=leader_school_a.email, verified=True, primary=True
    )
    client.force_login(leader_school_a)  # no password typed in this session
    response = client.get(reverse("account_request_reauthentication_code"))
    assert response.status_code == 200
    response = client.post(
        reverse("account_request_reauthentication_code"), {"recipient": leader_school_a.email}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_confirm_reauthentication_code"))
    [message] = mail.outbox
    assert message.to == [leader_school_a.email]
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", message.body, re.MULTILINE).group(1)
    assert client.post(response.url, {"code": "000000"}).status_code == 200  # refused, asked again
    assert client.post(response.url, {"code": code}).status_code == 302
    client.post(reverse("account_email"), {"action_add": "", "email": "ny.adresse@example.org"})
    assert leader_school_a.emailaddress_set.filter(email="ny.adresse@example.org").exists()


def test_a_password_reset_does_not_get_past_two_factor_authentication(client, consultant):
    client.post(reverse("account_reset_password"), {"email": consultant.email})
    [message] = mail.outbox
    link = re.search(r"http://testserver(/\S+)", message.body).group(1)
    page = client.get(link, follow=True)
    response = client.post(
        page.redirect_chain[-1][0],
        {"password1": "helt-ny-kode-2026", "password2": "helt-ny-kode-2026"},
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session  # the reset signs nobody in
    response = client.post(
        reverse("account_login"), {"login": consultant.email, "password": "helt-ny-kode-2026"}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not before the second factor
