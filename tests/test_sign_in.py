"""Signing in with e-mail and password through django-allauth; nobody signs up alone."""

from django.urls import reverse

from institutions.models import User
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


def test_repeated_failed_logins_lock_the_account_for_a_while(client, leader_school_a):
    for _ in range(5):
        client.post(
            reverse("account_login"), {"login": leader_school_a.email, "password": "forkert"}
        )
    response = client.post(
        reverse("account_login"), {"login": leader_school_a.email, "password": PASSWORD}
    )
    assert "for mange mislykkede logonforsøg" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_log_out_ends_the_session(client, leader_school_a):
    client.force_login(leader_school_a)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("strategy")).status_code == 302
