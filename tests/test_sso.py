"""Single sign-on through Microsoft Entra ID and Google Workspace, for known people only.

The providers' token and profile endpoints are stubbed at the HTTP boundary with `responses`;
everything else is allauth's real OAuth2 flow."""

import re
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import responses
from allauth.socialaccount.models import SocialApp
from django.test import Client
from django.urls import reverse

from core import tenancy
from institutions.models import Municipality, SecurityEvent, User
from institutions.services import municipality_add, municipality_save
from tests.conftest import make_person, visible_text, with_totp

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
    """Press "Log ind med …" and return the state the provider would send back and where
    the browser is sent."""
    response = client.post(reverse(f"{provider}_login"))
    assert response.status_code == 302
    return parse_qs(urlparse(response.url).query)["state"][0], response.url


def finish_microsoft(client, profile, tenant=TENANT):
    state, authorize_url = start(client, "microsoft")
    assert authorize_url.startswith(f"https://login.microsoftonline.com/{tenant}/")
    with responses.RequestsMock() as http:
        http.post(
            f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
            json={"access_token": "at", "token_type": "Bearer", "expires_in": 3600},
        )
        http.get(re.compile(r"https://graph\.microsoft\.com/v1\.0/me.*"), json=profile)
        return client.get(reverse("microsoft_callback"), {"code": "c", "state": state})


def finish_google(client, claims, client_id="google-client"):
    state, _ = start(client, "google")
    id_token = jwt.encode(
        {
            "iss": "https://accounts.google.com",
            "aud": client_id,
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


# Each municipality of an installation sets up its own tenant and domains on the sign-in page.
VIBORG_HOST = "viborg.example.org"
VIBORG_TENANT = "a1b2c3d4-0000-1111-2222-333344445555"


def save_directory(client, provider, **fields):
    data = {f"{provider}-{name}": value for name, value in fields.items()}
    return client.post(reverse("sign_in_directory_save", args=[provider]), data)


@pytest.fixture
def two_municipalities(db, municipality, settings):
    """The installation's municipality on "testserver" and Viborg beside it, each with a
    consultant who has set up its own Entra ID; Viborg has Google Workspace too. The
    installation's own apps (the settings) stay configured."""
    settings.ALLOWED_HOSTS = ["testserver", VIBORG_HOST]
    municipality.host = "testserver"
    municipality_save(municipality=municipality)
    viborg = municipality_add(
        municipality=Municipality(name="Viborg Kommune", slug="viborg", host=VIBORG_HOST)
    )
    first = Client()
    first.force_login(with_totp(make_person("k@mariagerfjord.dk", "Karen K", User.Role.CONSULTANT)))
    answer = save_directory(
        first,
        "microsoft",
        tenant=TENANT,
        client_id="entra-client",
        secret="s",
        domains="mariagerfjord.dk",
    )
    assert answer.status_code == 302
    with tenancy.acting_for(viborg.pk):
        consultant = with_totp(make_person("k@viborg.dk", "Vibeke K", User.Role.CONSULTANT))
    second = Client(HTTP_HOST=VIBORG_HOST)
    second.force_login(consultant)
    answer = save_directory(
        second,
        "microsoft",
        tenant=VIBORG_TENANT,
        client_id="viborg-entra",
        secret="v",
        domains="viborg.dk\nViborg-skoler.dk",
    )
    assert answer.status_code == 302
    answer = save_directory(
        second, "google", client_id="viborg-google", secret="g", domains="viborg.dk"
    )
    assert answer.status_code == 302
    return viborg


def test_each_municipality_signs_in_with_its_own_tenant_and_domains(two_municipalities):
    viborg = two_municipalities
    first_page = visible_text(Client().get(reverse("account_login")).content)
    viborg_page = visible_text(Client(HTTP_HOST=VIBORG_HOST).get(reverse("account_login")).content)
    # The installation's Google app is not offered where several municipalities are served.
    assert "Log ind med Microsoft" in first_page and "Log ind med Google" not in first_page
    assert "Log ind med Microsoft" in viborg_page and "Log ind med Google" in viborg_page

    person = make_person("dorthe@mariagerfjord.dk", "Dorthe Dagtilbud")
    client = Client()
    finish_microsoft(client, {"id": "entra-1", "mail": "dorthe@mariagerfjord.dk"})
    assert signed_in_as(client) == str(person.pk)

    with tenancy.acting_for(viborg.pk):
        vagn = make_person("vagn@viborg-skoler.dk", "Vagn Skole")
        make_person("vera@viborg.dk", "Vera Dagpleje")
    client = Client(HTTP_HOST=VIBORG_HOST)
    finish_microsoft(client, {"id": "entra-2", "mail": "vagn@viborg-skoler.dk"}, VIBORG_TENANT)
    assert signed_in_as(client) == str(vagn.pk)
    # A first-municipality address through Viborg's tenant is nobody there.
    client = Client(HTTP_HOST=VIBORG_HOST)
    finish_microsoft(client, {"id": "entra-3", "mail": "dorthe@mariagerfjord.dk"}, VIBORG_TENANT)
    assert signed_in_as(client) is None
    client = Client(HTTP_HOST=VIBORG_HOST)
    claims = {"sub": "g-9", "email": "vera@viborg.dk", "email_verified": True, "hd": "viborg.dk"}
    finish_google(client, claims, client_id="viborg-google")
    with tenancy.acting_for(viborg.pk):
        assert signed_in_as(client) == str(User.objects.get(email="vera@viborg.dk").pk)


def test_the_settings_page_shows_only_the_municipalitys_own_directory(two_municipalities):
    with tenancy.acting_for(two_municipalities.pk):
        consultant = User.objects.get(email="k@viborg.dk")
    client = Client(HTTP_HOST=VIBORG_HOST)
    client.force_login(consultant)
    page = client.get(reverse("sign_in_settings")).content.decode()
    assert "viborg-entra" in page and "viborg-skoler.dk" in page
    assert "entra-client" not in page and TENANT not in page
    assert "http://viborg.example.org/konto/microsoft/login/callback/" in page


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"tenant": "common", "client_id": "c", "secret": "s", "domains": "viborg.dk"},
            "Angiv kommunens egen tenant-id",
        ),
        (
            {"tenant": TENANT, "client_id": "c", "secret": "s", "domains": "ikke et domæne"},
            "“ikke et domæne” er ikke et domæne",
        ),
        ({"tenant": TENANT, "client_id": "c", "domains": "viborg.dk"}, "Angiv klienthemmeligheden"),
    ],
)
def test_a_directory_is_not_saved_from_bad_input(consultant, fields, message):
    client = Client()
    client.force_login(consultant)
    response = save_directory(client, "microsoft", **fields)
    assert response.status_code == 400
    assert message in visible_text(response.content)
    assert not SocialApp.objects.filter(provider="microsoft").exists()
