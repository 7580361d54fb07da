"""Single sign-on through Microsoft Entra ID and Google Workspace, for known people only.

The providers' token and profile endpoints are stubbed at the HTTP boundary with `responses`;
everything else is allauth's real OAuth2 flow."""

import re
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import responses
from django.urls import reverse

from institutions.models import SecurityEvent, User
from tests.conftest import make_person

TENANT = "0f0e0d0c-1111-2222-3333-444455556666"
PROVIDERS = {
    "microsoft": {
        "APPS": [{"client_id": "entra-client", "secret": "s", "settings": {"tenant": TENANT}}]
    },
    "google": {
        "APPS": [{"client_id": "google-client", "secret": "s"}],
        "SCOPE": ["openid", "email", "profile"],
    },
}


@pytest.fixture(autouse=True)
def sso_configured(settings):
    settings.SOCIALACCOUNT_PROVIDERS = PROVIDERS
    settings.SSO_ALLOWED_DOMAINS = ["mariagerfjord.dk"]


def start(client, provider):
    """Press "Log ind med …" and return the state the provider would send back."""
    response = client.post(reverse(f"{provider}_login"))
    assert response.status_code == 302
    return parse_qs(urlparse(response.url).query)["state"][0], response.url


def finish_microsoft(client, profile):
    state, authorize_url = start(client, "microsoft")
    assert authorize_url.startswith(f"https://login.microsoftonline.com/{TENANT}/")
    with responses.RequestsMock() as http:
        http.post(
            f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token",
            json={"access_token": "at", "token_type": "Bearer", "expires_in": 3600},
        )
        http.get(re.compile(r"https://graph\.microsoft\.com/v1\.0/me.*"), json=profile)
        return client.get(reverse("microsoft_callback"), {"code": "c", "state": state})


def finish_google(client, claims):
    state, _ = start(client, "google")
    id_token = jwt.encode(
        {
            "iss": "https://accounts.google.com",
            "aud": "google-client",
            "exp": 4102444800,
            "iat": 1700000000,
            **claims,
        },
        "not-checked-for-tokens-fetched-over-tls",
        algorithm="HS256",
    )
    with responses.RequestsMock() as http:
        http.post(
            "https://oauth2.googleapis.com/token",
            json={
                "access_token": "at",
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": id_token,
            },
        )
        return client.get(reverse("google_callback"), {"code": "c", "state": state})


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def test_login_page_offers_the_configured_providers(client, db):
    response = client.get(reverse("account_login"))
    page = response.content.decode()
    assert "Log ind med Microsoft" in page
    assert "Log ind med Google" in page
    # Chromium applies form-action to the redirect after the button's POST as well.
    policy = response["Content-Security-Policy"]
    assert (
        "form-action 'self' https://login.microsoftonline.com https://accounts.google.com" in policy
    )


def test_known_person_signs_in_with_entra_id_and_is_then_known_by_stable_id(client, db):
    person = make_person("dorthe@mariagerfjord.dk", "Dorthe Dagtilbud")
    response = finish_microsoft(
        client, {"id": "entra-42", "mail": "Dorthe@mariagerfjord.dk", "givenName": "Dorthe"}
    )
    assert response.status_code == 302
    assert signed_in_as(client) == str(person.pk)
    # Next time the stable id decides, even if the address in the directory has changed.
    client.logout()
    finish_microsoft(client, {"id": "entra-42", "mail": "d.dagtilbud@mariagerfjord.dk"})
    assert signed_in_as(client) == str(person.pk)


def test_unknown_person_from_the_tenant_is_not_signed_in_or_created(client, db):
    response = finish_microsoft(client, {"id": "entra-7", "mail": "ny@mariagerfjord.dk"})
    assert response.status_code == 302
    assert response.url == reverse("account_login")
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="ny@mariagerfjord.dk").exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_FAILED, email="ny@mariagerfjord.dk"
    ).exists()


def test_address_outside_the_municipality_is_refused(client, db):
    make_person("anden@example.org", "Anden Person")
    finish_microsoft(client, {"id": "entra-8", "mail": "anden@example.org"})
    assert signed_in_as(client) is None


def test_known_person_signs_in_with_google_workspace(client, db):
    person = make_person("soren@mariagerfjord.dk", "Søren Skole")
    response = finish_google(
        client,
        {
            "sub": "g-1",
            "email": "soren@mariagerfjord.dk",
            "email_verified": True,
            "hd": "mariagerfjord.dk",
        },
    )
    assert response.status_code == 302
    assert signed_in_as(client) == str(person.pk)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "g-2", "email": "soren@mariagerfjord.dk", "email_verified": True},  # no hd
        {
            "sub": "g-3",
            "email": "soren@mariagerfjord.dk",
            "email_verified": False,
            "hd": "mariagerfjord.dk",
        },
        {
            "sub": "g-4",
            "email": "soren@mariagerfjord.dk",
            "email_verified": True,
            "hd": "andenkommune.dk",
        },
    ],
)
def test_google_accounts_outside_the_workspace_or_unverified_are_refused(client, db, claims):
    make_person("soren@mariagerfjord.dk", "Søren Skole")
    finish_google(client, claims)
    assert signed_in_as(client) is None


def test_deactivated_person_cannot_sign_in_with_sso(client, db):
    person = make_person("dorthe@mariagerfjord.dk", "Dorthe Dagtilbud")
    person.is_active = False
    person.save()
    finish_microsoft(client, {"id": "entra-42", "mail": "dorthe@mariagerfjord.dk"})
    assert signed_in_as(client) is None


def test_sso_session_needs_no_local_two_factor(client, db):
    make_person("karen@mariagerfjord.dk", "Karen Konsulent", User.Role.CONSULTANT)
    finish_microsoft(client, {"id": "entra-9", "mail": "karen@mariagerfjord.dk"})
    assert client.get(reverse("institution_list")).status_code == 200
