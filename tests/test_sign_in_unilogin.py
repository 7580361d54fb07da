"""Sign-in through Unilogin (OpenID Connect through STIL's broker), end to end against a local
provider the tests start: discovery, keys, tokens signed by its key, user info; allauth's
real OAuth2 flow with PKCE, the ID token's signature, audience and expiry checked."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from institutions.models import Membership, SecurityEvent, User
from institutions.services import sign_in_configure
from institutions.sign_in import UNILOGIN
from tests.conftest import make_person, visible_text

CLIENT_ID = "strategitrackeren"


@pytest.fixture
def broker(db, identity_providers):
    sign_in_configure(
        provider=UNILOGIN,
        name="Unilogin",
        client_id=CLIENT_ID,
        secret="hemmelig",
        settings={
            "server_url": identity_providers.base_url,
            "institution_claim": "institution_ids",
            "staff_type_claim": "funktionsmarkering",
            "leader_types": ["Leder"],
            "resource_person_types": ["Lærer", "Pædagog"],
        },
    )
    return identity_providers.oidc


@pytest.fixture
def school_a(institutions):
    school = institutions["school_a"]
    school.institution_number = "280123"
    school.save()
    return school


@pytest.fixture
def lise(school_a):
    return make_person("lise@skole-a.dk", "Lise Lærer")


def claims(**overrides):
    return {
        "sub": "uni-1000013b36",
        "aktoer_gruppe": "Medarbejder",
        "email": "lise@skole-a.dk",
        "institution_ids": ["280123"],
        "funktionsmarkering": ["Lærer"],
        **overrides,
    }


def sign_in(client, broker, person_claims, *, audience=CLIENT_ID, **options):
    """Press "Log ind med Unilogin", let the broker answer with a code for these claims, and
    return the page the callback answers with."""
    response = client.post(reverse("unilogin_login"))
    assert response.status_code == 302
    assert response.url.startswith(f"{broker.base_url}/oidc/auth")
    params = parse_qs(urlsplit(response.url).query)
    assert params["code_challenge_method"] == ["S256"]
    code = broker.issue(
        person_claims, audience=audience, challenge=params["code_challenge"][0], **options
    )
    return client.get(reverse("unilogin_callback"), {"code": code, "state": params["state"][0]})


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def refusal(response, reason=None):
    assert response.status_code == 403
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).latest("at")
    if reason is not None:
        assert event.detail["reason"] == reason
    return visible_text(response.content), event


def test_staff_member_signs_in_and_becomes_member_of_the_institution(
    client, broker, lise, school_a
):
    response = sign_in(client, broker, claims())
    assert response.status_code == 302
    assert signed_in_as(client) == str(lise.pk)
    membership = Membership.objects.get(user=lise)
    assert (membership.institution, membership.role) == (school_a, Membership.Role.RESOURCE_PERSON)
    assert SocialAccount.objects.get(user=lise).uid == "uni-1000013b36"
    assert (
        SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_CHANGED, subject=lise).detail["by"]
        == UNILOGIN
    )

    # A leader function makes her leader at her next sign-in; the stable subject links her.
    client.logout()
    sign_in(client, broker, claims(email="", funktionsmarkering=["Lærer", "Leder"]))
    assert signed_in_as(client) == str(lise.pk)
    assert Membership.objects.get(user=lise).role == Membership.Role.LEADER


def test_an_institution_number_we_do_not_know_is_refused(client, broker, lise):
    text, _ = refusal(sign_in(client, broker, claims(institution_ids=["999999"])), "institution")
    assert "institutionsnummer 999999" in text
    assert signed_in_as(client) is None
    assert not Membership.objects.filter(user=lise).exists()


def test_pupils_and_parents_are_refused(client, broker, lise):
    text, _ = refusal(sign_in(client, broker, claims(aktoer_gruppe="Elev")), "group")
    assert "ikke elever, forældre eller eksterne brugere" in text
    assert signed_in_as(client) is None


def test_a_function_the_municipality_does_not_allow_is_refused(client, broker, lise):
    text, _ = refusal(sign_in(client, broker, claims(funktionsmarkering=["Vikar"])), "role")
    assert "Din funktion i Unilogin (Vikar)" in text


def test_unknown_person_is_refused_and_not_created(client, broker, school_a):
    text, _ = refusal(sign_in(client, broker, claims(email="ny@skole-a.dk")), "person")
    assert "Bed en konsulent om at oprette dig" in text
    assert not User.objects.filter(email="ny@skole-a.dk").exists()


def test_a_token_for_another_client_is_refused(client, broker, lise):
    text, event = refusal(sign_in(client, broker, claims(), audience="another-service"))
    assert "ikke korrekt signeret" in text
    assert "audience" in event.detail["reason"].lower()
    assert signed_in_as(client) is None


def test_a_token_signed_by_another_key_is_refused(client, broker, lise):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _, event = refusal(sign_in(client, broker, claims(), signed_by=stranger))
    assert "signature" in event.detail["reason"].lower()
    assert signed_in_as(client) is None


def test_an_expired_token_is_refused(client, broker, lise):
    _, event = refusal(sign_in(client, broker, claims(), lifetime=-60))
    assert "expired" in event.detail["reason"].lower()
    assert signed_in_as(client) is None


def test_consultant_configures_unilogin_and_the_secret_is_kept(
    client, consultant, identity_providers
):
    client.force_login(consultant)
    form = {
        "server_url": identity_providers.base_url,
        "client_id": CLIENT_ID,
        "secret": "",
        "institution_claim": "institution_ids",
        "staff_type_claim": "funktionsmarkering",
        "leader_types": "Leder\nLedelse",
        "resource_person_types": "Lærer",
    }
    response = client.post(reverse("sign_in_unilogin_save"), form)
    assert response.status_code == 400
    assert "Angiv den klienthemmelighed, STIL har sendt jer." in visible_text(response.content)

    assert client.post(reverse("sign_in_unilogin_save"), {**form, "secret": "s"}).status_code == 302
    assert client.post(reverse("sign_in_unilogin_save"), form).status_code == 302
    page = visible_text(client.get(reverse("sign_in_settings")).content)
    assert "Leder, Ledelse" in page
    assert "/konto/unilogin/login/callback/" in page
    response = client.post(reverse("unilogin_login"))
    assert parse_qs(urlsplit(response.url).query)["client_id"] == [CLIENT_ID]
    assert SocialApp.objects.get(provider=UNILOGIN).secret == "s"


def test_test_sign_in_shows_the_claims_and_signs_nobody_in(
    client, consultant, broker, lise, school_a
):
    client.force_login(consultant)
    response = client.post(reverse("sign_in_test_start", args=[UNILOGIN]))
    params = parse_qs(urlsplit(response.url).query)
    code = broker.issue(claims(), audience=CLIENT_ID, challenge=params["code_challenge"][0])
    page = client.get(reverse("unilogin_callback"), {"code": code, "state": params["state"][0]})
    assert page.url == reverse("sign_in_test_result")
    assert signed_in_as(client) == str(consultant.pk)
    text = visible_text(client.get(page.url).content)
    assert "Log-ind ville blive godkendt" in text
    assert "Skole A: Ressourceperson" in text
    assert "aktoer_gruppe" in text and "Medarbejder" in text
    assert not Membership.objects.filter(user=lise).exists()


def test_unilogin_does_not_stand_in_for_a_consultants_second_factor(client, broker, school_a):
    # Unilogin may be one factor only (a password), unlike Context Handler's "substantial".
    karen = make_person("karen@skole-a.dk", "Karen Konsulent", User.Role.CONSULTANT)
    sign_in(client, broker, claims(email="karen@skole-a.dk", funktionsmarkering=["Leder"]))
    assert signed_in_as(client) == str(karen.pk)
    response = client.get(reverse("person_list"))
    assert (response.status_code, response.url) == (302, reverse("mfa_activate_totp"))


def test_an_institution_number_belongs_to_one_institution(
    client, consultant, school_a, institutions
):
    client.force_login(consultant)
    school_b = institutions["school_b"]
    form = {"name": school_b.name, "actor": school_b.actor_id, "institution_number": "280123"}
    response = client.post(reverse("institution_edit", args=[school_b.pk]), form)
    assert response.status_code == 400
    assert "En anden institution har allerede dette institutionsnummer." in visible_text(
        response.content
    )
