"""The whole strategy in one workbook: exported and imported again it is the same strategy,
field by field (Mariagerfjord's, and another shaped differently, into an empty installation);
every error in any sheet is shown with its sheet, row and column, never a 500."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import Action
from core.danish import parse_deadline
from goals.forms import StrategyForm
from goals.models import Goal, Indicator, Strategy
from institutions.models import Actor, Institution
from tests.conftest import make_person, visible_text, with_totp


def snapshot(strategy: Strategy) -> dict:
    """Every field of every object of the strategy that a consultant can set, by position."""
    principles = list(strategy.principles.order_by("order", "pk"))
    number = {p.pk: n for n, p in enumerate(principles, start=1)}

    def action(one):
        return {
            "text": one.text,
            "parent": one.parent.text if one.parent else None,
            "actors": sorted(a.code for a in one.actors.all()),
            "institutions": sorted(i.name for i in one.institutions.all()),
            "responsible": one.responsible,
            "deadline": one.deadline,
            "deadline_label": one.deadline_label,
            "budget": one.budget,
        }

    domains = []
    for domain in strategy.domains.order_by("order", "pk"):
        goals = []
        for goal in domain.goals.order_by("order", "pk"):
            goals.append(
                {
                    "text": goal.text,
                    "scope": goal.scope,
                    "principles": sorted(number[p.pk] for p in goal.principles.all()),
                    "actions": [
                        action(one)
                        for one in goal.actions.filter(archived_at=None).order_by(
                            "parent_id", "order", "pk"
                        )
                    ],
                    "indicators": [
                        {
                            "name": i.name,
                            "unit": i.unit,
                            "baseline": i.baseline,
                            "target": i.target,
                            "deadline": i.deadline,
                            "each_institution": i.each_institution,
                            "actors": sorted(a.code for a in i.actors.all()),
                        }
                        for i in goal.indicators.order_by("pk")
                    ],
                }
            )
        domains.append({"name": domain.name, "introduction": domain.introduction, "goals": goals})
    return {
        "fields": {name: getattr(strategy, name) for name in StrategyForm.Meta.fields},
        "aims": [aim.text for aim in strategy.aims.order_by("order", "pk")],
        "principles": [principle.text for principle in principles],
        "domains": domains,
    }


@pytest.fixture
def viborg_consultant(db):
    return with_totp(make_person("k@viborg.dk", "Kim Konsulent", "consultant"))


def export(client) -> bytes:
    response = client.get(reverse("strategy_workbook_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="strategi-')
    return response.content


def upload(client, content: bytes, name="strategi.xlsx"):
    file = SimpleUploadedFile(name, content)
    return client.post(reverse("strategy_workbook_import"), {"workbook-file": file})


def import_all(client, content: bytes) -> Strategy:
    preview = upload(client, content)
    assert preview.status_code == 200
    assert preview.context["reading"].errors == []
    response = client.post(reverse("strategy_workbook_confirm", args=[preview.context["token"]]))
    assert response.status_code == 302
    return Strategy.objects.order_by("-pk").first()


def enrich(strategy: Strategy) -> None:
    """What Mariagerfjord's fixture does not have: a local goal, a named project with words
    for its deadline and a budget, and an indicator each institution must reach."""
    goal = Goal.objects.filter(domain__strategy=strategy).order_by("pk").first()
    goal.scope = Goal.Scope.LOCAL
    goal.save()
    goal.principles.set(strategy.principles.order_by("order")[:2])
    action = Action.objects.filter(goal=goal, parent=None).order_by("pk").first()
    action.deadline, action.deadline_label = parse_deadline("primo 2027")
    action.budget, action.responsible = 160_000, "Skoleleder"
    action.save()
    school = Institution.objects.filter(actor__code="skole").order_by("name").first()
    if school and action.actors.filter(code="skole").exists():
        action.institutions.set([school])
    indicator = Indicator.objects.create(
        goal=goal,
        name="Enheder pr. børnegruppe",
        unit="stk.",
        baseline="0.5",
        target="1",
        each_institution=True,
        deadline="2027-12-31",
    )
    indicator.actors.set(Actor.objects.filter(code__in=["skole", "dagtilbud"]))


def test_mariagerfjords_strategy_comes_back_the_same_field_by_field_beside_and_alone(
    client, strategy, institutions, consultant
):
    enrich(strategy)
    client.force_login(consultant)
    before = snapshot(strategy)
    content = export(client)
    beside = import_all(client, content)
    assert beside.is_draft  # beside the one in force, which stays
    assert snapshot(beside) == before

    Strategy.objects.all().delete()
    imported = import_all(client, content)
    assert not imported.is_draft
    assert snapshot(imported) == before
    # Its history says who imported it.
    action = Action.objects.filter(goal__domain__strategy=imported).first()
    assert {record.history_user for record in action.history.all()} == {consultant}


def test_another_strategy_comes_back_into_an_empty_installation(
    client, other_strategy, viborg_consultant
):
    Goal.objects.filter(text="Børnene bruger digitale medier kreativt.").update(scope="local")
    project = Action.objects.get(text__startswith="Alle dagplejere")
    project.institutions.set([Institution.objects.get(name="Dagplejen Nord")])
    project.deadline, project.deadline_label = parse_deadline("Efteråret 2027")
    project.budget = 45_000
    project.save()
    client.force_login(viborg_consultant)
    before = snapshot(other_strategy)
    content = export(client)
    Strategy.objects.all().delete()

    imported = import_all(client, content)
    assert not imported.is_draft  # the installation had none: in force at once
    assert snapshot(imported) == before
    assert (imported.domain_word, imported.domains_word) == ("område", "områder")
    # In force: the named project is followed by its unit only.
    assert list(
        Action.objects.get(goal__domain__strategy=imported, text=project.text).progress.values_list(
            "institution__name", flat=True
        )
    ) == ["Dagplejen Nord"]


def workbook(**sheets) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = {
    "Strategi": [["Felt", "Tekst"], ["Titel", "Digitale børn"], ["Kommune", "Viborg Kommune"]],
    "Domæner": [["Domæne", "Indledning"], ["Pædagogik", ""]],
    "Mål": [["Domæne", "Mål", "Målniveau"], ["Pædagogik", "Børn leger digitalt.", "Lokale mål"]],
    "Handlinger": [
        ["Domæne", "Mål", "Handling", "Aktør", "Frist", "Budget (kr.)"],
        [
            "Pædagogik",
            "Børn leger digitalt.",
            "Tablets til alle.",
            "Dagtilbud",
            "primo 2027",
            "1,5 mio.",
        ],
    ],
}


def with_rows(sheet: str, *rows) -> dict:
    return (
        GOOD | {sheet: [GOOD.get(sheet, [[]])[0], *rows]}
        if sheet in GOOD
        else GOOD | {sheet: list(rows)}
    )


@pytest.mark.parametrize(
    "sheets, expected",
    [
        (with_rows("Strategi", ["Titel", ""]), ("Strategi", 2, "Tekst", "Dette felt er påkrævet.")),
        (with_rows("Strategi", ["Farve", "blå"]), ("Strategi", 2, "Felt", "Ukendt felt.")),
        (
            GOOD | {"Strategi": [["Felt", "Tekst"], ["Titel", "Digitale børn"]]},
            ("Strategi", 1, "Felt", "Rækken “Kommune” mangler."),
        ),
        (
            with_rows("Strategi", ["Titel", "Digitale børn"], ["Periodens start", "32-13-2026"]),
            ("Strategi", 3, "Tekst", "Indtast en gyldig dato."),
        ),
        (
            with_rows("Domæner", ["", "Ingen navn"]),
            ("Domæner", 2, "Domæne", "Dette felt er påkrævet."),
        ),
        (
            with_rows("Domæner", ["Pædagogik", ""], ["Pædagogik", ""]),
            ("Domæner", 3, "Domæne", "Navnet bruges allerede af en anden række."),
        ),
        (
            with_rows("Mål", ["Ukendt", "Et mål.", ""]),
            ("Mål", 2, "Domæne", "Ingen række i arket “Domæner” har dette navn."),
        ),
        (
            with_rows("Mål", ["Pædagogik", "Et mål.", "Nationalt mål"]),
            ("Mål", 2, "Målniveau", "Skriv “Kommunalt mål” eller “Lokalt mål”."),
        ),
        (
            with_rows("Handlinger", ["Pædagogik", "Børn leger digitalt.", "X.", "Ukendt", "", ""]),
            ("Handlinger", 2, "Aktør", "Ukendt aktør “ukendt”."),
        ),
        (
            with_rows("Handlinger", ["Pædagogik", "Et andet mål.", "X.", "Dagtilbud", "", ""]),
            ("Handlinger", 2, "Mål", "Ingen række i arket “Mål” har dette mål i dette domæne."),
        ),
        (
            with_rows(
                "Handlinger", ["Pædagogik", "Børn leger digitalt.", "X.", "Dagtilbud", "snart", ""]
            ),
            ("Handlinger", 2, "Frist", None),
        ),
        (
            with_rows(
                "Handlinger", ["Pædagogik", "Børn leger digitalt.", "X.", "Dagtilbud", "", "-5"]
            ),
            ("Handlinger", 2, "Budget (kr.)", "Budgettet kan ikke være negativt."),
        ),
        (
            with_rows("Handlinger", ["Pædagogik", "Børn leger digitalt.", "", "Dagtilbud", "", ""]),
            ("Handlinger", 2, "Handling", "Dette felt er påkrævet."),
        ),
        (
            with_rows(
                "Indikatorer",
                ["Domæne", "Mål", "Indikator", "Målværdi", "Hver institution"],
                ["Pædagogik", "Børn leger digitalt.", "Tablets", "mange", "Ja"],
            ),
            ("Indikatorer", 2, "Målværdi", "Indtast et tal."),
        ),
        (
            with_rows(
                "Indikatorer",
                ["Domæne", "Mål", "Indikator", "Hver institution"],
                ["Pædagogik", "Børn leger digitalt.", "Tablets", "måske"],
            ),
            ("Indikatorer", 2, "Hver institution", "Skriv “Ja” eller “Nej”."),
        ),
        (
            {name: rows for name, rows in GOOD.items() if name != "Mål"},
            ("Mål", 0, "", "Projektmappen har intet ark, der hedder Mål."),
        ),
        (
            GOOD | {"Handlinger": [["Domæne", "Handling", "Aktør"], ["Pædagogik", "X.", "Skole"]]},
            ("Handlinger", 1, "Mål", "Kolonnen mangler."),
        ),
    ],
)
def test_every_row_error_is_shown_with_sheet_row_and_column(
    client, actors, viborg_consultant, sheets, expected
):
    client.force_login(viborg_consultant)
    response = upload(client, workbook(**sheets))
    assert response.status_code == 200
    errors = [(e.sheet, e.row, e.column, e.message) for e in response.context["reading"].errors]
    sheet, row, column, message = expected
    assert any(
        e[:3] == (sheet, row, column) and (message is None or e[3] == message) for e in errors
    ), errors
    page = visible_text(response.content)
    assert "Intet oprettes, før den ingen har." in page and "Opret strategien" not in page
    download = client.get(reverse("strategy_workbook_errors", args=[response.context["token"]]))
    assert f"{sheet};{row};{column};" in download.content.decode("utf-8-sig")
    assert not Strategy.objects.exists()


def test_a_good_workbook_is_previewed_then_created_in_force(client, actors, viborg_consultant):
    client.force_login(viborg_consultant)
    response = upload(client, workbook(**GOOD))
    page = visible_text(response.content)
    assert "Digitale børn" in page and "Den bliver den gældende strategi." in page
    assert response.context["reading"].counts == {
        "Domæner": 1,
        "Mål": 1,
        "Handlinger": 1,
        "Indikatorer": 0,
    }
    strategy = import_all(client, workbook(**GOOD))
    action = Action.objects.get(goal__domain__strategy=strategy)
    assert (action.budget, action.deadline_label) == (1_500_000, "primo 2027")
    assert Goal.objects.get(domain__strategy=strategy).scope == "local"
    # Confirming again finds the upload used up.
    assert client.post(reverse("strategy_workbook_confirm", args=["x" * 22])).status_code == 409


def test_a_csv_or_a_broken_file_is_refused_in_danish(client, actors, viborg_consultant):
    client.force_login(viborg_consultant)
    response = upload(client, b"Felt;Tekst\nTitel;X\n", name="strategi.csv")
    assert response.status_code == 400
    assert "Vælg projektmappen (XLSX)" in visible_text(response.content)
    response = upload(client, b"PK\x03\x04 not a zip")
    assert response.status_code == 400
    assert not Strategy.objects.exists()
