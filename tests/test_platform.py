"""The platform's operators: on the platform's own host they sign in, see how every
municipality is doing (counts only) and add a municipality; on a municipality's host they
are nobody until that municipality lets them read."""

import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import tenancy
from institutions.models import Institution, Municipality, MunicipalRole, SecurityEvent, User
from institutions.services import municipality_add, municipality_save, operator_save
from reports.models import Report
from tests.conftest import make_person, visible_text
from tests.factories import PASSWORD, InstitutionFactory

PLATFORM = "drift.example.org"
NEW_HOST = "viborg.example.org"
PLATFORM_URLS = "strategy_tracker.platform_urls"


@pytest.fixture
def platform(db, municipality, settings):
    """The installation's municipality on "testserver", the platform on its own host, and one
    operator."""
    settings.PLATFORM_HOST = PLATFORM
    settings.ALLOWED_HOSTS = ["testserver", PLATFORM, ".example.org"]
    municipality.host = "testserver"
    municipality_save(municipality=municipality)
    operator, authenticator_url = operator_save(email="drift@leverandor.dk", password=PASSWORD)
    operator.secret = parse_qs(urlsplit(authenticator_url).query)["secret"][0]
    return operator


def code_now(operator) -> str:
    """The code the operator's authenticator app shows now."""
    return format_hotp_value(hotp_value(operator.secret, next(yield_hotp_counters_from_time())))


def platform_client(operator=None) -> Client:
    """A browser on the platform's host, with the operator's session (signed in as the sign-in
    page does in the first test)."""
    client = Client(HTTP_HOST=PLATFORM)
    if operator is not None:
        client.force_login(operator, backend="institutions.backends.OperatorBackend")
    return client


def platform_url(name):
    return reverse(name, urlconf=PLATFORM_URLS)


def test_an_operator_signs_in_on_the_platform_and_sees_counts_not_content(platform, municipality):
    InstitutionFactory(name="Hemmelig Skole")
    InstitutionFactory(name="Lukket Skole", is_active=False)
    make_person("leder@mariagerfjord.dk", "Lise Leder")
    anonymous = Client(HTTP_HOST=PLATFORM)
    response = anonymous.get(platform_url("platform_home"))
    assert (response.status_code, response.url) == (302, platform_url("platform_sign_in"))
    sign_in = {"email": platform.email, "password": PASSWORD, "code": code_now(platform)}
    for wrong, message in [
        ({"password": "forkert"}, "E-mailadressen, adgangskoden eller koden er forkert"),
        ({"code": "000000"}, "E-mailadressen, adgangskoden eller koden er forkert"),
        ({"code": ""}, "Kode fra din godkendelsesapp: Dette felt er påkrævet"),
    ]:
        response = anonymous.post(platform_url("platform_sign_in"), {**sign_in, **wrong})
        assert response.status_code == 400
        assert message in visible_text(response.content)
        assert "_auth_user_id" not in anonymous.session
    # The code the app shows now: the wrong attempts may have outlasted the first one's 30 s.
    sign_in["code"] = code_now(platform)
    response = anonymous.post(platform_url("platform_sign_in"), sign_in)
    assert (response.status_code, response.url) == (302, platform_url("platform_home"))
    # The same code does not sign anyone in twice.
    replayed = Client(HTTP_HOST=PLATFORM).post(platform_url("platform_sign_in"), sign_in)
    assert replayed.status_code == 400

    page = visible_text(anonymous.get(platform_url("platform_home")).content)
    with tenancy.acting_for(municipality.pk):
        active = Institution.objects.filter(is_active=True).count()
        people = User.objects.count()
    assert f"{municipality.name} {municipality.slug} Fjern … testserver {active} {people}" in page
    assert "Hemmelig Skole" not in page and "Lise" not in page


def test_the_platform_has_none_of_a_municipalitys_pages(platform):
    client = platform_client(platform)
    for path in (reverse("strategy"), reverse("person_list"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "platformens adresse" in visible_text(response.content)


def test_an_operator_is_nobody_in_a_municipality_until_it_lets_them_read(
    platform, consultant, municipality, strategy
):
    operator_login = {"login": platform.email, "password": PASSWORD}
    response = Client().post(reverse("account_login"), operator_login)
    assert response.status_code == 200 and "_auth_user_id" not in response.client.session
    # Nor does the operator's session from the platform count on the municipality's host.
    client = platform_client(platform)
    client.defaults["HTTP_HOST"] = "testserver"
    assert client.get(reverse("strategy")).status_code == 302

    consultant_client = Client()
    consultant_client.force_login(consultant)
    page = visible_text(consultant_client.get(reverse("person_list")).content)
    assert f"{platform.email}: ingen adgang" in page
    consultant_client.post(reverse("operators_admit"), {"admitted": "yes"})
    assert MunicipalRole.objects.get(user=platform).role == User.Role.COMMITTEE
    assert SecurityEvent.objects.filter(kind="role_changed", subject=platform).count() == 1

    reader = Client()  # with the operator's password and authenticator app, as anyone here
    response = reader.post(reverse("account_login"), operator_login)
    assert (response.status_code, response.url) == (302, reverse("mfa_authenticate"))
    reader.post(reverse("mfa_authenticate"), {"code": code_now(platform)})
    assert reader.get(reverse("strategy")).status_code == 200
    assert reader.post(reverse("institution_create"), {"name": "X"}).status_code == 403
    platform_page = visible_text(
        platform_client(platform).get(platform_url("platform_home")).content
    )
    assert "Givet" in platform_page

    consultant_client.post(reverse("operators_admit"), {"admitted": "no"})
    assert not MunicipalRole.objects.filter(user=platform).exists()
    assert reader.get(reverse("strategy")).status_code == 302
    assert consultant_client.post(reverse("operators_admit"), {"admitted": "?"}).status_code == 400


def test_an_operator_adds_a_municipality_whose_first_consultant_is_invited(
    platform, mailoutbox, django_capture_on_commit_callbacks
):
    client = platform_client(platform)
    form = {
        "name": "Viborg  Kommune",
        "slug": "viborg",
        "host": "Viborg.example.org",
        "email": "it@viborg.dk",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(platform_url("platform_municipality_new"), form)
    assert (response.status_code, response.url) == (302, platform_url("platform_home"))
    viborg = Municipality.objects.get(slug="viborg")
    assert (viborg.name, viborg.host) == ("Viborg Kommune", NEW_HOST)
    [invitation] = mailoutbox
    assert invitation.to == ["it@viborg.dk"]
    assert f"http://{NEW_HOST}/" in invitation.body
    with tenancy.acting_for(viborg.pk):
        assert User.objects.get(email="it@viborg.dk").role == User.Role.CONSULTANT
        assert Institution.objects.count() == 1  # its administration
    # The new municipality answers on its host, and the first is unchanged.
    assert Client(HTTP_HOST=NEW_HOST).get(reverse("account_login")).status_code == 200


@pytest.mark.parametrize(
    "change, message",
    [
        ({"host": "aarhus.andetsted.dk"}, "Installationen svarer ikke på aarhus.andetsted.dk"),
        ({"host": "testserver"}, "En anden kommune svarer på dette værtsnavn"),
        ({"host": PLATFORM}, "Det er platformens eget værtsnavn"),
        ({"slug": "ikke et kort navn"}, "Kortnavn"),
        ({"email": "drift@leverandor.dk"}, "Adressen er allerede i brug"),
        ({"name": ""}, "Navn"),
    ],
)
def test_a_municipality_is_not_added_from_bad_input(platform, change, message):
    form = {"name": "Viborg Kommune", "slug": "viborg", "host": NEW_HOST, "email": "it@viborg.dk"}
    before = Municipality.objects.count()
    response = platform_client(platform).post(
        platform_url("platform_municipality_new"), {**form, **change}
    )
    assert response.status_code == 400
    assert message in visible_text(response.content)
    assert Municipality.objects.count() == before


def test_a_report_waiting_long_shows_on_the_platforms_page(platform, municipality, strategy):
    report = Report.objects.create(kind=Report.Kind.STATUS, strategy=strategy)
    Report.objects.filter(pk=report.pk).update(requested_at=timezone.now() - dt.timedelta(hours=1))
    page = visible_text(platform_client(platform).get(platform_url("platform_home")).content)
    assert "kører rapportarbejderne?" in page


def test_save_operator_refuses_a_municipalitys_person_and_a_weak_password(
    platform, consultant, monkeypatch
):
    with pytest.raises(ValidationError):
        operator_save(email=consultant.email, password=PASSWORD)
    monkeypatch.setenv("OPERATOR_PASSWORD", "1234")
    with pytest.raises(CommandError, match="for kort"):
        call_command("save_operator", "--email", "ny@leverandor.dk", "--no-input")
    monkeypatch.setenv("OPERATOR_PASSWORD", PASSWORD)
    out = io.StringIO()
    call_command("save_operator", "--email", "ny@leverandor.dk", "--no-input", stdout=out)
    assert User.every_municipality.get(email="ny@leverandor.dk").is_operator
    assert "otpauth://totp/" in out.getvalue()
    # Again, for a new password: the authenticator app stays as it was.
    out = io.StringIO()
    call_command("save_operator", "--email", "ny@leverandor.dk", "--no-input", stdout=out)
    assert "otpauth://" not in out.getvalue()


def test_wrong_attempts_make_the_operators_address_wait(platform):
    client = Client(HTTP_HOST=PLATFORM)
    wrong = {"email": platform.email, "password": "forkert", "code": "123456"}
    for _ in range(5):
        assert client.post(platform_url("platform_sign_in"), wrong).status_code == 400
    right = {"email": platform.email, "password": PASSWORD, "code": code_now(platform)}
    response = client.post(platform_url("platform_sign_in"), right)
    assert response.status_code == 429
    assert "For mange forkerte adgangskoder" in visible_text(response.content)
    assert "_auth_user_id" not in client.session


def test_an_operator_removes_a_municipality_that_leaves_and_not_the_last(
    platform, municipality, django_capture_on_commit_callbacks
):
    viborg = municipality_add(
        municipality=Municipality(name="Viborg Kommune", slug="viborg", host=NEW_HOST)
    )
    # Its host answers (and is remembered) before it goes.
    assert Client(HTTP_HOST=NEW_HOST).get(reverse("account_login")).status_code == 200
    client = platform_client(platform)
    url = reverse("platform_municipality_remove", args=["viborg"], urlconf=PLATFORM_URLS)
    page = visible_text(client.get(url).content)
    assert "Fjern Viborg Kommune" in page and "kan ikke hentes tilbage" in page
    response = client.post(url, {"confirm": "Viborg"})
    assert response.status_code == 400
    assert "Skriv “viborg” præcis" in visible_text(response.content)
    assert Municipality.objects.filter(pk=viborg.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "viborg"})
    assert response.status_code == 200
    page = visible_text(response.content)
    assert "Viborg Kommune er fjernet" in page and "aktører 3" in page
    assert not Municipality.objects.filter(pk=viborg.pk).exists()
    response = Client(HTTP_HOST=NEW_HOST).get(reverse("account_login"))
    assert response.status_code == 404  # its host answers for nobody now

    last = reverse("platform_municipality_remove", args=[municipality.slug], urlconf=PLATFORM_URLS)
    response = client.post(last, {"confirm": municipality.slug})
    assert response.status_code == 400
    assert "Platformen skal betjene mindst én kommune" in visible_text(response.content)
    assert Municipality.objects.filter(pk=municipality.pk).exists()


@pytest.mark.parametrize(
    "name, args",
    [
        ("platform_home", []),
        ("platform_municipality_new", []),
        ("platform_municipality_remove", ["viborg"]),
    ],
)
def test_the_platforms_pages_are_for_its_operators_only(platform, consultant, name, args):
    url = reverse(name, args=args, urlconf=PLATFORM_URLS)
    sign_in = platform_url("platform_sign_in")
    for method in ("get", "post"):
        response = getattr(Client(HTTP_HOST=PLATFORM), method)(url)
        assert (response.status_code, response.url) == (302, sign_in)
        # A municipality's person's session names nobody on the platform's host.
        someone = Client(HTTP_HOST=PLATFORM)
        someone.force_login(consultant)
        response = getattr(someone, method)(url)
        assert (response.status_code, response.url) == (302, sign_in)


@pytest.mark.parametrize("name", ["platform_home", "platform_municipality_remove"])
def test_the_platforms_pages_run_the_same_queries_however_many_municipalities(
    platform, municipality, name, django_assert_max_num_queries
):
    client = platform_client(platform)
    args = [municipality.slug] if name == "platform_municipality_remove" else []
    url = reverse(name, args=args, urlconf=PLATFORM_URLS)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for number in range(3):
        municipality_add(
            municipality=Municipality(
                name=f"Kommune {number}", slug=f"k{number}", host=f"k{number}.example.org"
            )
        )
    with django_assert_max_num_queries(len(one)):
        assert client.get(url).status_code == 200
    assert len(one) <= 5
