import contextvars
import copy
import io
import json
import os
import re
import shutil
import threading
from html import unescape
from urllib.parse import urlencode, urlsplit

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from actions.models import Action, Progress
from actions.services import progress_set, progress_sync, strategy_create_from_document
from core import fragments, tenancy
from goals.models import Strategy
from institutions.models import Actor, Institution, Membership, Municipality, User
from institutions.selectors import MUNICIPALITY_CACHE_KEY, municipality_for_host
from institutions.services import person_update
from reports.models import Report
from strategy_tracker.celery import app as celery_app
from tests.factories import InstitutionFactory, MembershipFactory, PersonFactory

STRATEGY_FILE = settings.BASE_DIR / "fixtures" / "strategy_mariagerfjord.json"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _own_redis_database():
    """Under pytest-xdist each worker uses a Redis database of its own (1, 2, …), so one
    worker's cache.clear() or purged queue never reaches another's tests, nor its cached parts.
    Worker processes that tests start inherit it through the environment."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, …; unset without xdist
    if not worker or not settings.REDIS_URL:
        yield
        return
    url = urlsplit(settings.REDIS_URL)._replace(path=f"/{int(worker[2:]) + 1}").geturl()
    os.environ["REDIS_URL"] = url
    caches = {"default": settings.CACHES["default"] | {"LOCATION": url}}
    with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url, CACHES=caches):
        celery_app.conf.broker_url = url
        yield


DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def installation_municipality() -> Municipality:
    """The installation's one municipality: made by a migration, made again after a test that
    empties the database."""
    return Municipality.objects.order_by("pk").first() or Municipality.objects.create(
        name=settings.MUNICIPALITY_NAME, slug="mariagerfjord-kommune"
    )


@pytest.fixture(autouse=True)
def municipality(request, _fresh_cache):
    """A test that reaches the database acts for the installation's municipality, as every
    request to an installation of one municipality does (core.tenancy). Which municipality
    answers on a host is cached, as in every process after its first request."""
    if not (
        request.node.get_closest_marker("django_db")
        or DATABASE_FIXTURES & set(request.fixturenames)
    ):
        yield None
        return
    request.getfixturevalue("_django_db_helper")
    municipality = installation_municipality()
    municipality_for_host("testserver")
    with tenancy.acting_for(municipality.pk):
        yield municipality


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login rate limits and cached page parts live in the cache; each test starts with none."""
    cache.clear()


def count_queries(client, url, *, cached: bool = False) -> int:
    """The queries of one GET, which must succeed. Unless `cached`, the page parts cached
    until their data changes are made afresh, as on the first request after a change."""
    if not cached:
        fragments.changed(*fragments.KINDS)
        cache.delete(MUNICIPALITY_CACHE_KEY)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


# --- Services: skipped locally when missing, a failure when CI is set -----------------------


def _postgres_missing() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "PostgreSQL is not configured (set DATABASE_URL)"
    return None


def _redis_missing() -> str | None:
    if not settings.REDIS_URL:
        return "Redis is not configured (set REDIS_URL)"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at {settings.REDIS_URL} does not answer: {error}"
    return None


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


# --- Browser: one Chromium for the session, a fresh context per test --------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test
    # body are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    # axe is injected as a script of the test's own; the pages' CSP would refuse it.
    context = browser.new_context(locale="da-DK", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def _browser_missing() -> str | None:
    if not chromium_path():
        return "Chromium is not installed (apt-get install chromium)"
    return None


SERVICE_CHECKS = {
    "postgres": _postgres_missing,
    "redis": _redis_missing,
    "browser": _browser_missing,
}


@pytest.fixture(autouse=True)
def _require_services(request):
    for marker, missing in SERVICE_CHECKS.items():
        if request.node.get_closest_marker(marker) and (problem := missing()):
            if os.environ.get("CI"):
                pytest.fail(f"{marker} is required in CI: {problem}")
            pytest.skip(problem)


# --- Data ---------------------------------------------------------------------------------


@pytest.fixture
def worker(transactional_db):
    """A Celery worker in this process, consuming from the Redis on the machine."""
    assert not celery_app.conf.task_always_eager
    celery_app.control.purge()  # messages left by earlier tests that had no worker
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield


@pytest.fixture
def identity_providers():
    """A local SAML identity provider and OpenID Connect provider (tests/identity_providers.py)."""
    from tests.identity_providers import IdentityProviderServer

    server = IdentityProviderServer()
    yield server
    server.stop()


@pytest.fixture
def service_keys(settings, tmp_path):
    """This service's SAML key and certificate, as the operator gives them."""
    from tests.identity_providers import key_pair

    keys = key_pair("Strategitrackeren test")
    (tmp_path / "service.crt").write_text(keys.certificate_pem)
    (tmp_path / "service.key").write_text(keys.key_pem)
    settings.SAML_SP_CERTIFICATE_FILE = str(tmp_path / "service.crt")
    settings.SAML_SP_PRIVATE_KEY_FILE = str(tmp_path / "service.key")
    return keys


@pytest.fixture
def context_handler(db, identity_providers, service_keys):
    """Context Handler connected: the local SAML identity provider, the municipality's CVR
    number and a privilege for each role (tests/identity_providers.py)."""
    from institutions.services import kombit_configure
    from tests import identity_providers as idps

    idp = identity_providers.saml
    kombit_configure(
        cvr=idps.CVR,
        settings={
            "idp": {
                "entity_id": idp.entity_id,
                "sso_url": idp.sso_url,
                "x509cert": idp.keys.certificate_body,
            },
            "roles": {
                "consultant": [idps.CONSULTANT],
                "committee": [idps.COMMITTEE],
                "staff": [idps.STAFF],
            },
        },
    )
    idp.service_certificate = service_keys.certificate_pem
    return idp


def set_status(institution, action, status, by, note="", reason=""):
    """An institution's status on an action, set through the service as a tick sets it."""
    row = Progress.objects.get(institution=institution, action=action)
    progress_set(
        progress_id=row.pk,
        status=status,
        reason=reason,
        note=note,
        expected_version=row.version,
        by=by,
    )


def workbook_rows(content: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.values)


def spreadsheet_made(client, table: str, query: dict | None = None) -> bytes:
    """Ask for a table's workbook as the page's button does, make it as the worker does, and
    return the file the person downloads."""
    from reports.services import report_build

    url = reverse("report_request", args=["spreadsheet"])
    if query:
        url += "?" + urlencode(query)
    response = client.post(url, {"table": table})
    report = Report.objects.filter(kind="spreadsheet").latest("requested_at")
    assert response.url == report.get_absolute_url()
    assert report_build(report_id=report.pk).status == "done"
    page = visible_text(client.get(response.url).content)
    assert "Hent regnearket (XLSX)" in page
    download = client.get(reverse("report_download", args=[report.pk]))
    assert download["Content-Disposition"].endswith('.xlsx"')
    return b"".join(download.streaming_content)


@pytest.fixture
def media(settings, tmp_path):
    """Files the app writes (reports, uploads) go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _ensure_actors() -> dict[str, Actor]:
    defaults = [
        ("forvaltning", "Forvaltning", 1),
        ("skole", "Skole", 2),
        ("dagtilbud", "Dagtilbud", 3),
    ]
    return {
        code: Actor.objects.get_or_create(code=code, defaults={"name": name, "order": order})[0]
        for code, name, order in defaults
    }


@pytest.fixture
def actors(db):
    """The three actors; created by a data migration, re-made after a flushing test."""
    return _ensure_actors()


@pytest.fixture(scope="session")
def _strategy_rows(django_db_setup, django_db_blocker):
    """Mariagerfjord's strategy made once per session by the service, in a transaction that
    is rolled back; what it wrote is kept as rows. (The service takes about 450 queries.)
    Progress is left out: it belongs to the institutions of the test that asks."""
    document = json.loads(STRATEGY_FILE.read_text(encoding="utf-8"))
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if not any(field.related_model is Institution for field in model._meta.concrete_fields)
    ]
    with django_db_blocker.unblock(), transaction.atomic():
        token = tenancy.begin(installation_municipality().pk)
        _ensure_actors()
        before = {model: set(model.objects.values_list("pk", flat=True)) for model in models}
        made = strategy_create_from_document(document=document)
        written = {model: list(model.objects.exclude(pk__in=before[model])) for model in models}
        rows = {model: objects for model, objects in written.items() if objects}
        actor_pks = dict(Actor.objects.values_list("code", "pk"))
        transaction.set_rollback(True)
        tenancy.end(token)
    return made.pk, actor_pks, rows


@pytest.fixture
def strategy(actors, _strategy_rows):
    """Mariagerfjord Kommune's real strategy, as shipped in fixtures/: the rows the service
    wrote once this session, inserted again in a few queries (pointing at this test's actors),
    then progress for the institutions there are, as the service does. Where a strategy is
    there already, the service itself runs."""
    pk, actor_pks, rows = _strategy_rows
    if Strategy.objects.exists():
        document = json.loads(STRATEGY_FILE.read_text(encoding="utf-8"))
        return strategy_create_from_document(document=document)
    actor_now = {actor_pks[code]: actor.pk for code, actor in actors.items()}
    with transaction.atomic():
        for model, objects in rows.items():
            objects = copy.deepcopy(objects)
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model is Actor:
                    for row in objects:
                        setattr(row, field.attname, actor_now[getattr(row, field.attname)])
                if field.is_relation and field.related_model is Municipality:
                    for row in objects:
                        setattr(row, field.attname, tenancy.current())
            model.objects.bulk_create(objects)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(rows)):
                cursor.execute(sql)
        progress_sync(
            action_ids=Action.objects.filter(goal__domain__strategy=pk).values_list("pk", flat=True)
        )
    return Strategy.objects.get(pk=pk)


OTHER_STRATEGY = {
    "title": "Digitale børn i dagplejen",
    "municipality_name": "Viborg Kommune",
    "purpose": "De yngste børn møder digitale medier som en del af legen.",
    "actions_heading": "Konkrete handlinger og projekter",
    "domain_word": "område",
    "domains_word": "områder",
    "revision_interval_years": 2,
    "domains": [
        {
            "name": name,
            "introduction": f"Om {name.lower()}.",
            "goals": [goal],
            "action_groups": [{"actors": ["dagpleje"], "actions": [{"goal": 1, "text": action}]}],
        }
        for name, goal, action in (
            (
                "Pædagogik",
                "Børnene bruger digitale medier kreativt.",
                "Alle dagplejere får en tablet med apps til de yngste.",
            ),
            (
                "Kompetencer",
                "Dagplejerne er trygge ved digitale medier.",
                "Hver dagplejer deltager i et kursus i digital dannelse.",
            ),
            (
                "Forældresamarbejde",
                "Forældrene ser, hvad børnene oplever.",
                "Forældre får billeder og beskeder fra dagen i Aula.",
            ),
        )
    ],
}


@pytest.fixture
def other_strategy(actors):
    """Another municipality's strategy, shaped differently from Mariagerfjord's: three
    "områder" instead of five domains, one kind of institution (Dagpleje, added as the
    municipality's own) with two units, and no principles."""
    from administration.services import actor_save

    dagpleje = actor_save(actor=Actor(name="Dagpleje", order=4))
    for name in ("Dagplejen Nord", "Dagplejen Syd"):
        Institution.objects.create(name=name, actor=dagpleje, area="Viborg")
    return strategy_create_from_document(document=OTHER_STRATEGY)


def make_institutions(actors, *, schools: int, daycare: int, prefix: str = "") -> list[Institution]:
    institutions = Institution.objects.bulk_create(
        [Institution(name=f"{prefix}Forvaltningen", actor=actors["forvaltning"])]
        + [Institution(name=f"{prefix}Skole {n}", actor=actors["skole"]) for n in range(schools)]
        + [
            Institution(name=f"{prefix}Dagtilbud {n}", actor=actors["dagtilbud"])
            for n in range(daycare)
        ]
    )
    progress_sync(institution_ids=[institution.pk for institution in institutions])
    return institutions


@pytest.fixture
def institutions(actors):
    """The administration, schools A and B, and one daycare institution."""
    administration = InstitutionFactory(name="Forvaltningen", actor=actors["forvaltning"])
    school_a = InstitutionFactory(name="Skole A", actor=actors["skole"], area="Hobro")
    school_b = InstitutionFactory(name="Skole B", actor=actors["skole"], area="Hadsund")
    daycare = InstitutionFactory(name="Dagtilbud A", actor=actors["dagtilbud"], area="Hobro")
    progress_sync()
    return {
        "administration": administration,
        "school_a": school_a,
        "school_b": school_b,
        "daycare": daycare,
    }


def make_person(email: str, name: str, role: str = User.Role.STAFF, **memberships) -> User:
    """A person with the test password; `memberships` maps an institution to a role."""
    first_name, last_name = name.split(" ", 1)
    user = PersonFactory(email=email, first_name=first_name, last_name=last_name, role=role)
    for institution, membership_role in memberships.values():
        MembershipFactory(user=user, institution=institution, role=membership_role)
    return user


def leader_renamed(leader: User, institution: Institution, *, by: User) -> None:
    """The leader renamed "Omdøbt Leder" by a consultant, through the service the person
    form uses (it retires what shows names)."""
    leader.first_name, leader.last_name = "Omdøbt", "Leder"
    person_update(
        person=leader,
        institutions=[institution],
        membership_role=Membership.Role.LEADER,
        changed_by=by,
    )


def with_totp(user: User) -> User:
    """Give a person two-factor authentication, as consultants must have before editing."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def consultant(db):
    return with_totp(make_person("konsulent@example.org", "Karen Konsulent", User.Role.CONSULTANT))


@pytest.fixture
def leader_school_a(institutions):
    return make_person(
        "leder.a@example.org",
        "Lise Leder",
        school=(institutions["school_a"], Membership.Role.LEADER),
    )


@pytest.fixture
def committee_member(db):
    return make_person("udvalg@example.org", "Ulla Udvalg", User.Role.COMMITTEE)


def run_together(work, count: int) -> list:
    """Start `count` threads at the same moment; each returns its result or its error."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(n):
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except Exception as error:  # reported by the test
            results[n] = error
        finally:
            connection.close()

    # Each thread acts for this test's municipality (core.tenancy), as the test does.
    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(run, n)) for n in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def visible_text(html: str | bytes) -> str:
    """What a reader sees of a page's main content: tags dropped, entities decoded and white
    space collapsed, so tests read like the page rather than like its markup."""
    if isinstance(html, bytes):
        html = html.decode()
    if "<main" in html:
        html = html[html.index("<main") : html.index("</main>")]
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(text)).strip()
