"""Signing in with e-mail and password through django-allauth; nobody signs up alone."""

import datetime as dt

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from institutions.audit import security_event_record
from institutions.models import SecurityEvent, User
from institutions.selectors import FREE_SIGN_IN_ATTEMPTS, sign_in_limits
from tests.browser import use_session_of
from tests.conftest import count_queries, visible_text
from tests.factories import PASSWORD


def test_person_signs_in_with_e_mail_and_password(client, strategy, leader_school_a):
    response = client.post(
        reverse("account_login"), {"login": leader_school_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    # A leader starts on their institution.
    assert client.get(reverse("home")).url == reverse("my_institution")
    assert client.get(reverse("strategy")).status_code == 200


def test_wrong_password_is_refused_in_danish(client, leader_school_a):
    response = client.post(
        reverse("account_login"), {"login": leader_school_a.email, "password": "forkert"}
    )
    assert response.status_code == 200
    assert "er ikke korrekt" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_nobody_can_sign_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "ny@example.org",
            "password1": "en-lang-kode-2026",
            "password2": "en-lang-kode-2026",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="ny@example.org").exists()


def sign_in(client, email, password, **headers):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, headers=headers
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def time_passes(seconds: int) -> None:
    """Move the security log's sign-in events back, as if that much time had gone by."""
    SecurityEvent.objects.update(at=F("at") - dt.timedelta(seconds=seconds))


def test_wrong_passwords_make_that_address_wait_longer_each_time(client, leader_school_a):
    for _attempt in range(5):
        assert not signed_in(sign_in(client, leader_school_a.email, "forkert"))
    refused = sign_in(client, leader_school_a.email, PASSWORD)  # the right one, too soon
    assert "For mange forkerte adgangskoder for denne adresse. Prøv igen om 1 minut" in (
        visible_text(refused.content)
    )
    assert not signed_in(refused)
    time_passes(31)
    assert not signed_in(sign_in(client, leader_school_a.email, "forkert"))  # sixth: 60 s
    time_passes(31)
    assert not signed_in(sign_in(client, leader_school_a.email, PASSWORD))
    time_passes(30)
    assert signed_in(sign_in(client, leader_school_a.email, PASSWORD))
    kinds = list(SecurityEvent.objects.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds.count("sign_in_limited") == 2 and kinds[-1] == "login"


def test_guessing_from_one_address_locks_nobody_else_out(client, leader_school_a, settings):
    """Behind the reverse proxy every client has the proxy's address."""
    guesser = Client()
    for n in range(40):
        sign_in(guesser, f"gaet{n}@example.org", "forkert")
    assert signed_in(sign_in(client, leader_school_a.email, PASSWORD))


def test_with_a_trusted_proxy_only_the_guessing_address_is_limited(
    client, leader_school_a, settings
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"sign_in_address": "30/m/ip"}
    guesser = Client()
    for n in range(31):
        sign_in(guesser, f"gaet{n}@example.org", "forkert", x_forwarded_for="203.0.113.7")
    refused = sign_in(guesser, leader_school_a.email, PASSWORD, x_forwarded_for="203.0.113.7")
    assert not signed_in(refused)
    other = sign_in(client, leader_school_a.email, PASSWORD, x_forwarded_for="198.51.100.2")
    assert signed_in(other)


def test_a_consultant_sees_who_must_wait_and_lifts_it(client, leader_school_a, consultant):
    for _attempt in range(6):  # the sixth is refused unread: it does not count
        sign_in(Client(), leader_school_a.email, "forkert")
    client.force_login(consultant)
    page = visible_text(client.get(reverse("sign_in_limits")).content)
    assert f"{leader_school_a.email} 5" in page
    response = client.post(reverse("sign_in_limit_lift"), {"email": leader_school_a.email})
    assert response.status_code == 302
    assert "Ingen skal vente lige nu." in visible_text(
        client.get(reverse("sign_in_limits")).content
    )
    assert signed_in(sign_in(Client(), leader_school_a.email, PASSWORD))
    lifted = SecurityEvent.objects.get(kind="sign_in_limit_lifted")
    assert (lifted.actor, lifted.email) == (consultant, leader_school_a.email)
    # Nothing to lift: a clear answer, no event.
    assert client.post(reverse("sign_in_limit_lift"), {"email": "x@y.dk"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_sign_in_waits_fit_a_phone_each_value_under_its_heading(
    page, live_server, leader_school_a, consultant
):
    for _attempt in range(5):
        sign_in(Client(), leader_school_a.email, "forkert")
    use_session_of(page, live_server, consultant)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + reverse("sign_in_limits"))
    table = page.locator("table")
    assert table.evaluate("table => table.getBoundingClientRect().right <= innerWidth")
    failures = page.locator("tbody td").nth(1)
    assert failures.inner_text() == "5"
    heading = failures.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert heading == '"Forkerte adgangskoder"'
    assert page.get_by_role(
        "button", name=f"Ophæv ventetiden for {leader_school_a.email}"
    ).is_visible()


def test_log_out_ends_the_session(client, leader_school_a):
    client.force_login(leader_school_a)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("strategy")).status_code == 302


def test_wrong_two_factor_codes_have_a_limit_of_their_own(client, consultant, leader_school_a):
    assert sign_in(client, consultant.email, PASSWORD).url == reverse("mfa_authenticate")
    for _attempt in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    refused = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "for mange mislykkede logonforsøg" in visible_text(refused.content)
    wrong_codes = SecurityEvent.objects.filter(kind="mfa_failed", subject=consultant)
    assert wrong_codes.count() == 5  # the sixth was refused before it was read
    # The codes did not count as wrong passwords, for the consultant or anyone else.
    assert not sign_in_limits(emails=[consultant.email], now=timezone.now())
    assert signed_in(sign_in(Client(), leader_school_a.email, PASSWORD))


def test_the_sign_in_waits_page_runs_as_many_queries_for_one_address_as_for_twenty(
    client, consultant
):
    client.force_login(consultant)

    def wrong_passwords(first: int, last: int) -> None:
        for n in range(first, last):
            for _attempt in range(FREE_SIGN_IN_ATTEMPTS):
                security_event_record(kind="login_failed", email=f"person{n}@example.org")

    wrong_passwords(0, 1)
    one = count_queries(client, reverse("sign_in_limits"))
    wrong_passwords(1, 20)
    assert count_queries(client, reverse("sign_in_limits")) == one <= 6
    assert "person19@example.org" in visible_text(client.get(reverse("sign_in_limits")).content)
