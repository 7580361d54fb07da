"""Two municipalities on one installation: each answers on its own host name, reads only its
own rows and people, and another's objects answer as if they did not exist (core.tenancy).
The second municipality has the same strategy, institution names and kinds as the first."""

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from actions import rollup
from actions.models import Action, Progress
from actions.revision import revision_adopt, revision_start
from actions.services import progress_set, strategy_create_from_document
from actions.sharing import strategy_copy_model, strategy_share
from administration.removal import owned_models
from core import fragments, tenancy
from core.history import history_rows
from core.tenancy import NoMunicipality
from goals.models import Strategy
from institutions.models import Actor, Institution, Municipality, User
from institutions.selectors import municipality_current
from institutions.services import municipality_add, municipality_compare, municipality_save
from institutions.sign_in import KOMBIT, sign_in_app
from reports.comparison import comparison_of
from reports.exports import municipality_export
from reports.models import Report
from reports.services import report_request
from reports.tasks import report_build_task
from tests.conftest import STRATEGY_FILE, make_person, visible_text, with_totp
from tests.factories import PASSWORD, InstitutionFactory, PersonFactory
from tests.test_permission_matrix import all_routes, data, people, snapshot, url_for  # noqa: F401 (fixtures)

OTHER_HOST = "viborg.example.org"
UNKNOWN_HOST = "aarhus.example.org"  # allowed, but no municipality's


def _owned_querysets():
    """The default manager of every model that belongs to a municipality, and the rows of
    every history, many-to-many links' included."""
    live, history = owned_models()
    for model in live:
        yield pytest.param(model._default_manager, id=model._meta.label)
    for model in history:
        yield pytest.param(history_rows(model), id=model._meta.label)


@pytest.mark.parametrize("manager", list(_owned_querysets()))
def test_a_query_with_no_municipality_chosen_raises(db, manager):
    with tenancy.for_the_platform(), pytest.raises(NoMunicipality):
        list(manager.all()[:1])
    with tenancy.for_the_platform(), pytest.raises(NoMunicipality):
        manager.count()


@pytest.fixture
def viborg(data, municipality, settings):
    """A second municipality beside the first (which now answers on "testserver"), with the
    same strategy and institution names, and its own people."""
    settings.ALLOWED_HOSTS = ["testserver", OTHER_HOST, UNKNOWN_HOST]
    municipality.host = "testserver"
    municipality_save(municipality=municipality)
    other = municipality_add(
        municipality=Municipality(name="Viborg Kommune", slug="viborg", host=OTHER_HOST)
    )
    with tenancy.acting_for(other.pk):
        kinds = {actor.code: actor for actor in Actor.objects.all()}
        school = InstitutionFactory(name="Skole A", actor=kinds["skole"], area="Hobro")
        InstitutionFactory(name="Forvaltningen", actor=kinds["forvaltning"])
        document = json.loads(STRATEGY_FILE.read_text(encoding="utf-8"))
        strategy = strategy_create_from_document(document=document)
        people = {
            "anonymous": None,
            "committee": make_person("udvalg@viborg.dk", "Vera Udvalg", User.Role.COMMITTEE),
            "leader": make_person("leder@viborg.dk", "Vagn Leder", a=(school, "leader")),
            "consultant": with_totp(
                make_person("konsulent@viborg.dk", "Vibeke Konsulent", User.Role.CONSULTANT)
            ),
        }
    return {"municipality": other, "strategy": strategy, "school": school, "people": people}


def viborg_client(user=None) -> Client:
    client = Client(HTTP_HOST=OTHER_HOST)
    if user is not None:
        client.force_login(user)
    return client


def test_each_host_answers_for_its_own_municipality_and_an_unknown_one_for_none(viborg, data):
    consultant = viborg["people"]["consultant"]
    page = viborg_client(consultant).get(reverse("institution_list")).content.decode()
    linked = {int(pk) for pk in re.findall(r'href="/institutioner/(\d+)/', page)}
    with tenancy.acting_for(viborg["municipality"].pk):
        assert linked and linked <= set(Progress.objects.values_list("institution", flat=True))
    assert not linked & {institution.pk for institution in data["institutions"].values()}

    response = Client(HTTP_HOST=UNKNOWN_HOST).get(reverse("strategy"))
    assert response.status_code == 404
    assert "Ingen kommune på denne adresse" in visible_text(response.content)


def test_a_person_is_unknown_in_a_municipality_where_they_have_no_role(viborg, data):
    karen = data["people"]["consultant"]  # the first municipality's consultant
    karen.set_password(PASSWORD)
    karen.save()
    # Signed in on the first municipality's host, the same session on the other's is nobody.
    client = viborg_client(karen)
    response = client.get(reverse("strategy"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    # Her password does not sign her in there either.
    response = viborg_client().post(
        reverse("account_login"), {"login": karen.email, "password": PASSWORD}
    )
    assert "_auth_user_id" not in response.client.session
    with tenancy.acting_for(viborg["municipality"].pk):
        assert not User.objects.filter(email=karen.email).exists()
        people = viborg_client(viborg["people"]["consultant"]).get(reverse("person_list"))
    assert karen.email not in people.content.decode()
    assert "konsulent@viborg.dk" in people.content.decode()


def test_a_person_of_one_municipality_is_given_a_role_in_another_too(
    viborg, data, mailoutbox, django_capture_on_commit_callbacks
):
    karen = data["people"]["consultant"]  # the first municipality's consultant
    karen.set_password(PASSWORD)
    karen.save()
    Authenticator.objects.filter(user=karen).delete()  # signs in with her password alone
    form = {
        "email": karen.email.upper(),
        "first_name": "Navn",
        "last_name": "Herfra",
        "role": User.Role.COMMITTEE,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = viborg_client(viborg["people"]["consultant"]).post(
            reverse("person_create"), form
        )
    assert response.status_code == 302
    [notice] = mailoutbox
    assert notice.to == [karen.email]
    assert f"http://{OTHER_HOST}/konto/login/" in notice.body
    with tenancy.acting_for(viborg["municipality"].pk):
        assert User.objects.get(pk=karen.pk).role == User.Role.COMMITTEE
    karen.refresh_from_db()
    assert (karen.role, karen.first_name) == (User.Role.CONSULTANT, "Karen")  # as she was
    # Her own password signs her in there now, as a committee member who may not edit.
    client = viborg_client()
    client.post(reverse("account_login"), {"login": karen.email, "password": PASSWORD})
    assert client.get(reverse("strategy")).status_code == 200
    assert client.get(reverse("person_list")).status_code == 403


# Another municipality's object answers as if it did not exist: as a made-up id does (404, or
# 405 where the address takes only the other method), or with the sign-in page for a person who
# has not signed in; a page refused to a role answers 404 too (strategy_tracker.errors).
REFUSED = {404, 405}


def made_up(url: str) -> str:
    return re.sub(r"/\d+/", "/987654/", url)


def test_another_municipalitys_objects_answer_404_and_nothing_changes(viborg, data):
    routes = [
        (route, name)
        for route, name in all_routes()
        if not route.startswith("admin/") and re.search(r"<(?!slug:|str:)\w+:|object_id", route)
    ]
    assert len(routes) > 30
    before = snapshot()
    cases = 0
    for role, user in viborg["people"].items():
        client = viborg_client(user)
        for route, name in routes:
            url = url_for(name, route, data)  # the first municipality's objects
            for method in (client.get, client.post):
                response = method(url)
                cases += 1
                if user is None:
                    assert response.status_code == 302, (role, url)
                    assert response.url.startswith(reverse("account_login")), (role, url)
                    continue
                case = (role, name, url, method.__name__)
                assert response.status_code == method(made_up(url)).status_code, case
                assert response.status_code in REFUSED, case
    assert snapshot() == before
    print(f"{cases} requests of another municipality's objects")  # for the closing note


def test_cached_page_parts_are_each_municipalitys_own(viborg, data):
    strategy, school = data["strategy"], data["institutions"]["school_a"]
    row = Progress.objects.filter(institution=school).order_by("pk").first()
    progress_set(
        progress_id=row.pk,
        status="done",
        reason="",
        note="",
        expected_version=row.version,
        by=data["people"]["consultant"],
    )
    committee = data["people"]["committee"]
    first = Client()
    first.force_login(committee)
    first.get(reverse("dashboard"))  # the first municipality's parts, cached
    theirs = viborg_client(viborg["people"]["committee"])
    served = theirs.get(reverse("dashboard")).content
    cache.clear()
    with tenancy.acting_for(viborg["municipality"].pk):
        fragments.changed(*fragments.KINDS)
    made_afresh = theirs.get(reverse("dashboard")).content
    assert _without_tokens(served) == _without_tokens(made_afresh)
    assert strategy.pk != viborg["strategy"].pk


def _without_tokens(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


def viborg_report(viborg) -> Report:
    """A status report the second municipality's consultant asks for, made as a worker makes
    it: acting for no municipality until the task's arguments name one."""
    other = viborg["municipality"]
    with tenancy.acting_for(other.pk):
        report = report_request(
            kind=Report.Kind.STATUS,
            strategy=viborg["strategy"],
            parameters={"since": "2026-01-01"},
            by=viborg["people"]["consultant"],
        )
    with tenancy.for_the_platform():
        report_build_task.apply(args=[report.pk, other.pk]).get()
    return report


def test_a_report_is_made_for_the_municipality_its_task_names(viborg, media):
    other = viborg["municipality"]
    report = viborg_report(viborg)
    with tenancy.acting_for(other.pk):
        report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.file.name.startswith(f"reports/{other.pk}/")


def test_a_second_municipality_needs_host_names(db, municipality):
    with pytest.raises(CommandError, match="værtsnavn"):
        call_command("save_municipality", slug="viborg", name="Viborg Kommune", host="v.dk")
    call_command("save_municipality", slug=municipality.slug, host="mariagerfjord.example.org")
    call_command("save_municipality", slug="viborg", name="Viborg Kommune", host="v.example.org")
    viborg = Municipality.objects.get(slug="viborg")
    with tenancy.acting_for(viborg.pk):
        assert sorted(Actor.objects.values_list("code", flat=True)) == [
            "dagtilbud",
            "forvaltning",
            "skole",
        ]
    with pytest.raises(CommandError, match="--municipality"), tenancy.for_the_platform():
        call_command("tallies")


def test_createsuperuser_makes_one_of_the_municipalitys_people(db, municipality):
    call_command("createsuperuser", email="drift@example.org", interactive=False, verbosity=0)
    person = User.objects.get(email="drift@example.org")
    assert (person.is_superuser, person.role) == (True, User.Role.STAFF)


def test_sign_in_is_set_up_by_each_municipality_for_itself(viborg, context_handler):
    """Context Handler connected by the first municipality is offered on its address only."""
    offered = "Log ind med KOMBIT Context Handler"
    assert offered in visible_text(Client().get(reverse("account_login")).content)
    assert offered not in visible_text(viborg_client().get(reverse("account_login")).content)
    with tenancy.acting_for(viborg["municipality"].pk):
        assert sign_in_app(KOMBIT) is None


def test_a_municipality_starts_from_anothers_shared_strategy(viborg, data):
    """Mariagerfjord shares its strategy; Viborg copies it, edits an action and adopts it."""
    model = data["strategy"]
    first = Client()
    first.force_login(data["people"]["consultant"])
    assert first.post(reverse("strategy_share", args=[model.pk]), {"shared": "yes"}).status_code
    theirs = viborg_client(viborg["people"]["consultant"])
    page = visible_text(theirs.get(reverse("strategy_models")).content)
    assert f"{model.title} Mariagerfjord Kommune" in page

    response = theirs.post(reverse("strategy_model_copy", args=[model.pk]))
    assert response.status_code == 302
    other = viborg["municipality"]
    with tenancy.acting_for(municipality_of(model)):
        originals = dict(
            Action.objects.filter(goal__domain__strategy=model, archived_at=None).values_list(
                "pk", "text"
            )
        )
    with tenancy.acting_for(other.pk):
        draft = Strategy.objects.get(status=Strategy.Status.DRAFT)
        copies = Action.objects.filter(goal__domain__strategy=draft)
        assert dict(copies.values_list("origin", "text")) == originals
        kinds = set(Actor.objects.values_list("pk", flat=True))
        assert set(copies.values_list("actors", flat=True)) <= kinds
        action = copies.order_by("pk").first()
    assert draft.municipality_name == "Viborg Kommune"

    edit = reverse("item_edit", args=["handling", action.pk])
    form = {"text": "Viborgs egen tekst", "goal": action.goal_id, "version": 1}
    with tenancy.acting_for(other.pk):
        form["actors"] = list(action.actors.values_list("pk", flat=True))
    assert theirs.post(edit, form).status_code == 302
    adopt = {"decided_on": "2026-11-20", "meeting": "Børne- og Ungeudvalget", "reference": ""}
    assert theirs.post(reverse("strategy_adopt", args=[draft.pk]), adopt).status_code == 302
    with tenancy.acting_for(other.pk):
        draft.refresh_from_db()
        assert draft.status == Strategy.Status.ADOPTED
        assert Action.objects.get(pk=action.pk).text == "Viborgs egen tekst"
        assert Progress.objects.filter(action__goal__domain__strategy=draft).exists()
    with tenancy.acting_for(municipality_of(model)):
        assert Action.objects.get(pk=action.origin_id).text == originals[action.origin_id]

    # Withdrawn, it is no longer offered nor copied.
    first.post(reverse("strategy_share", args=[model.pk]), {"shared": "no"})
    page = visible_text(theirs.get(reverse("strategy_models")).content)
    assert "Ingen anden kommune deler en strategi endnu." in page
    assert theirs.post(reverse("strategy_model_copy", args=[model.pk])).status_code == 404


def municipality_of(strategy) -> int:
    return Strategy.every_municipality.get(pk=strategy.pk).municipality_id


def participant(number: int, model: Strategy, *, revised: bool = False) -> Municipality:
    """Another municipality that copies the model, adopts it (and, if `revised`, a revision of
    it too), ticks `number` of its actions done at its one school, and takes part in the
    comparison."""
    other = municipality_add(
        municipality=Municipality(
            name=f"Kommune {number}", slug=f"k{number}", host=f"k{number}.example.org"
        )
    )
    with tenancy.acting_for(other.pk):
        municipality_compare(municipality=municipality_current(), compares=True)
        kinds = {actor.code: actor for actor in Actor.objects.all()}
        InstitutionFactory(name="Skole A", actor=kinds["skole"])
        consultant = make_person(f"k{number}@example.org", "Kim Konsulent", User.Role.CONSULTANT)
        draft = strategy_copy_model(model_pk=model.pk, by=consultant)
        adopted = revision_adopt(
            draft=draft,
            decided_on=dt.date(2026, 11, 20),
            meeting="Udvalget",
            reference="",
            by=consultant,
        )
        if revised:
            draft = revision_start(
                strategy=adopted,
                title="Revideret strategi",
                period_start=dt.date(2027, 1, 1),
                period_end=dt.date(2030, 12, 31),
                by=consultant,
            )
            revision_adopt(
                draft=draft,
                decided_on=dt.date(2026, 11, 27),
                meeting="Udvalget",
                reference="",
                by=consultant,
            )
        for row in Progress.objects.filter(
            action__goal__domain__strategy__status="adopted"
        ).order_by("action__model_item", "pk")[:number]:
            progress_set(
                progress_id=row.pk,
                status="done",
                reason="",
                note="",
                expected_version=row.version,
                by=consultant,
            )
    return other


def test_municipalities_on_one_model_compare_from_five_without_names(data, municipality, settings):
    settings.ALLOWED_HOSTS = ["*"]
    model = data["strategy"]
    municipality.host = "testserver"
    municipality_save(municipality=municipality)
    model = strategy_share(strategy=model, shared=True, by=data["people"]["consultant"])
    municipality_compare(municipality=municipality_current(), compares=True)
    committee = Client()
    committee.force_login(data["people"]["committee"])
    for number in range(1, 4):
        participant(number, model)
    page = visible_text(committee.get(reverse("comparison")).content)
    assert "Endnu deltager færre end 5 kommuner" in page  # four take part

    participant(4, model, revised=True)  # its revision still builds on the model
    result = comparison_of(model)
    assert (result.participants, result.shown) == (5, True)
    domain = result.domains[0]
    own = Progress.objects.filter(
        action__goal__domain__strategy=model,
        action__goal__domain__name=domain.domain.text,
        action__archived_at=None,
        institution__is_active=True,
    )
    assert (domain.domain.own.done, domain.domain.own.counted) == (
        own.filter(rollup.done()).count(),
        own.filter(rollup.counted()).count(),
    )
    assert (
        0 <= domain.domain.spread.lower <= domain.domain.spread.median <= domain.domain.spread.upper
    )
    page = visible_text(committee.get(reverse("comparison")).content)
    assert "5 kommuner, der bygger på" in page
    assert domain.domain.text in page
    assert not any(f"Kommune {number}" in page for number in range(1, 5))


def test_a_municipality_that_leaves_is_removed_with_all_it_owns_and_nothing_else(
    viborg, data, media, django_capture_on_commit_callbacks
):
    other = viborg["municipality"]
    report = viborg_report(viborg)
    with tenancy.acting_for(other.pk):
        report.refresh_from_db()
    assert media.joinpath(report.file.name).exists()
    before = _first_municipality()
    out = io.StringIO()
    with pytest.raises(CommandError, match="--yes"):
        call_command("remove_municipality", municipality="viborg")
    with django_capture_on_commit_callbacks(execute=True):  # its files go once it is gone
        call_command("remove_municipality", municipality="viborg", yes=True, stdout=out)

    printed = out.getvalue()
    assert "Removed Viborg Kommune:" in printed
    assert re.search(r"goals\.Strategy\s+1\n", printed)
    assert re.search(r"people\s+3\n", printed)
    assert not Municipality.objects.filter(slug="viborg").exists()
    assert not Strategy.every_municipality.filter(municipality=other.pk).exists()
    assert not User.every_municipality.filter(email__endswith="@viborg.dk").exists()
    assert not media.joinpath(report.file.name).exists()
    assert _first_municipality() == before  # as it was


def _first_municipality():
    """The snapshot of the permission matrix, without the other municipality's row."""
    rows = list(snapshot())
    rows[2] = [row for row in rows[2] if row["slug"] != "viborg"]  # the municipalities
    return rows


def test_the_data_export_and_the_admin_hold_only_the_municipalitys_own(viborg, data):
    other = viborg["municipality"]
    with tenancy.acting_for(other.pk):
        buffer = io.BytesIO()
        municipality_export(target=buffer, by=viborg["people"]["consultant"])
        own = set(Institution.objects.values_list("pk", flat=True))
        superuser = with_totp(PersonFactory(email="drift@viborg.dk", superuser=True))
    archive = zipfile.ZipFile(buffer)
    table = lambda name: json.loads(archive.read(name))  # noqa: E731
    assert {row["pk"] for row in table("institutioner.json")} == own
    assert {row["fields"]["institution"] for row in table("status.json")} <= own
    assert all(row["fields"]["email"].endswith("@viborg.dk") for row in table("personer.json"))
    assert len(table("strategier.json")) == 1

    page = viborg_client(superuser).get("/admin/institutions/institution/").content.decode()
    listed = {int(pk) for pk in re.findall(r"/admin/institutions/institution/(\d+)/change/", page)}
    assert listed == own


def test_a_streamed_spreadsheet_is_made_for_its_municipality_as_it_is_sent(viborg, data):
    """A server reads a streamed answer after the request's middleware has returned: each
    chunk is still made acting for the municipality of the request, and for no other."""
    client = viborg_client(viborg["people"]["consultant"])
    response = client.get(reverse("spreadsheet_export", args=["institutioner", "csv"]))
    with tenancy.for_the_platform():
        body = b"".join(response.streaming_content).decode("utf-8")
    rows = body.splitlines()[1:]
    assert len(rows) == 2  # Viborg's two institutions, not the first municipality's four
    assert all(row.startswith(("Skole A", "Forvaltningen")) for row in rows)


def test_djangos_shell_and_dumpdata_act_for_the_municipality_named(viborg, data):
    with tenancy.for_the_platform():
        out = io.StringIO()
        call_command("dumpdata", "institutions.Institution", municipality="viborg", stdout=out)
        with pytest.raises(CommandError, match="--municipality"):
            call_command("dumpdata", "institutions.Institution", stdout=io.StringIO())
    with tenancy.acting_for(viborg["municipality"].pk):
        own = set(Institution.objects.values_list("pk", flat=True))
    assert {row["pk"] for row in json.loads(out.getvalue())} == own


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999"])
def test_a_refused_page_with_an_id_that_cannot_exist_answers_404(data, pk):
    committee = Client()
    committee.force_login(data["people"]["committee"])
    response = committee.get(f"/institutioner/{pk}/")  # consultants' page: refused to a role
    assert response.status_code == 404
    own = data["institutions"]["school_a"].pk
    assert committee.get(reverse("institution_edit", args=[own])).status_code == 403
