"""A real Chromium: a consultant of a municipality that is not Mariagerfjord goes from an empty
installation to its own strategy, institution and leader through "Kom i gang", and the
leader's first handleplan PDF speaks the strategy's words."""

import pytest
from django.test import Client
from django.urls import reverse

from actions.models import Action, ActionPlanItem
from actions.services import plan_item_add
from goals.selectors import strategy_current
from institutions.models import Institution, User
from reports.models import Report
from tests.browser import axe_violations, use_session_of
from tests.conftest import with_totp
from tests.test_getting_started import start
from tests.test_reports import download, pdf_text, wait_for
from tests.test_workbook import workbook

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ACTION = "Alle dagplejere får en tablet med apps til de yngste."
# Another municipality's strategy in its own words: "områder", a local goal, one kind.
STRATEGY_WORKBOOK = workbook(
    Strategi=[
        ["Felt", "Tekst"],
        ["Titel", "Digitalisering i dagplejen"],
        ["Kommune", "Viborg Kommune"],
        ["Periodens start", "01-01-2026"],
        ["Periodens slutning", "31-12-2029"],
        ["Ord for et domæne", "område"],
        ["Ord for domæner", "områder"],
        ["Overskrift før handlingerne", "Konkrete handlinger og projekter"],
    ],
    Domæner=[["Domæne", "Indledning"], ["Pædagogik", "Leg og læring."]],
    Mål=[["Domæne", "Mål", "Målniveau"], ["Pædagogik", "Børn leger digitalt.", "Lokale mål"]],
    Handlinger=[
        ["Domæne", "Mål", "Handling", "Aktør", "Frist", "Budget (kr.)"],
        ["Pædagogik", "Børn leger digitalt.", ACTION, "Dagpleje", "Efteråret 2027", "160.000"],
    ],
)


def test_from_an_empty_installation_to_a_first_handleplan(
    page, live_server, actors, media, worker, tmp_path
):
    start(name="Viborg Kommune", email="it@viborg.dk")
    consultant = with_totp(User.objects.get(email="it@viborg.dk"))
    use_session_of(page, live_server, consultant)
    steps = live_server.url + reverse("getting_started")

    page.goto(live_server.url + reverse("home"))
    assert page.url == steps
    assert axe_violations(page) == []

    page.get_by_label("Tekst i sidehovedet").fill("VIBORG KOMMUNE")
    page.get_by_role("button", name="Gem navnet").click()
    assert page.locator(".site-owner").inner_text() == "VIBORG KOMMUNE"

    page.get_by_role("link", name="Tilføj eller omdøb typer").click()
    page.get_by_label("Navn").fill("Dagpleje")
    page.get_by_role("button", name="Tilføj").click()
    page.goto(steps)
    assert "Nu: Skole, Dagtilbud, Dagpleje." in page.locator("#step-actors").inner_text()
    page.get_by_role("button", name="Typerne passer").click()

    page.get_by_role("link", name="Importér hele strategien fra en projektmappe").click()
    upload = tmp_path / "strategi.xlsx"
    upload.write_bytes(STRATEGY_WORKBOOK)
    page.get_by_label("Projektmappe (XLSX)").set_input_files(str(upload))
    page.get_by_role("button", name="Vis, hvad projektmappen vil oprette").click()
    assert "Den bliver den gældende strategi." in page.locator("main").inner_text()
    page.get_by_role("button", name="Opret strategien").click()
    strategy_page = page.locator("main").inner_text()
    assert "“Digitalisering i dagplejen” er importeret." in strategy_page
    assert "Konkrete handlinger og projekter" in strategy_page and ACTION in strategy_page

    page.goto(steps)
    page.locator("#step-institutions").get_by_role("link", name="Tilføj en institution").click()
    page.get_by_label("Navn").fill("Dagplejen Nord")
    page.get_by_label("Type").select_option(label="Dagpleje")
    page.get_by_role("button", name="Gem").click()

    page.goto(steps)
    page.get_by_role("link", name="Inviter en person").click()
    page.get_by_label("E-mailadresse").fill("leder@viborg.dk")
    page.get_by_label("Rolle", exact=True).select_option(label="Institutionsmedarbejder")
    page.get_by_label("Dagplejen Nord").check()
    page.get_by_label("Rolle på institutionerne").select_option(label="Leder")
    page.get_by_role("button", name="Send invitation").click()

    page.goto(steps)
    assert "Alt er på plads" in page.locator("main").inner_text()
    assert axe_violations(page) == []

    # The leader plans the action and asks for the handleplan; a real worker makes it.
    unit = Institution.objects.get(name="Dagplejen Nord")
    person = User.objects.get(email="leder@viborg.dk")
    plan_item_add(
        strategy=strategy_current(),
        institution=unit,
        item=ActionPlanItem(action=Action.objects.get(text=ACTION), budget=160_000),
        by=person,
    )
    leader = Client()
    leader.force_login(person)
    leader.post(reverse("report_request", args=["action_plan"]), {"institution": unit.pk})
    report = wait_for(Report.objects.get(kind="action_plan"))
    assert report.status == "done", report.error
    text = pdf_text(download(leader, report))
    assert "Dagplejen Nord" in text and "Viborg Kommune" in text
    assert ACTION in text and "160.000 kr." in text and "Fordelt på områder" in text
    for word in ("Mariagerfjord", "Skole", "Forvaltning"):
        assert word not in text
