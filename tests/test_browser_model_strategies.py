"""A real Chromium: a consultant of a second municipality finds another's shared strategy and
copies it as a draft of their own; a committee member reads how their municipality compares
with four others on the same model; on a phone as at a desk."""

import os

import pytest
from django.urls import reverse

from actions.sharing import strategy_share
from core import tenancy
from goals.models import Strategy
from institutions.models import Municipality, User
from institutions.selectors import municipality_current
from institutions.services import municipality_add, municipality_compare, municipality_save
from tests.browser import axe_violations, use_session_of
from tests.conftest import make_person, with_totp
from tests.test_municipalities import participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 375])
def test_a_consultant_copies_another_municipalitys_model_strategy(
    page, live_server, strategy, consultant, municipality, settings, width
):
    # The first municipality answers on 127.0.0.1 and shares its strategy; the second, the
    # one signed in, on localhost (the live server's own address).
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    municipality.host = "127.0.0.1"
    municipality_save(municipality=municipality)
    strategy_share(strategy=strategy, shared=True, by=consultant)
    viborg = municipality_add(
        municipality=Municipality(name="Viborg Kommune", slug="viborg", host="localhost")
    )
    with tenancy.acting_for(viborg.pk):
        vibeke = with_totp(
            make_person("konsulent@viborg.dk", "Vibeke Konsulent", User.Role.CONSULTANT)
        )
        use_session_of(page, live_server, vibeke)

    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + reverse("strategy_models"))
    row = page.get_by_role("row", name=strategy.title)
    assert "Mariagerfjord Kommune" in row.inner_text()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['SCREENSHOTS']}/models-{width}.png", full_page=True)

    row.get_by_role("button", name="Kopiér som kladde").click()
    page.wait_for_url("**/strategi/*/")
    assert "Kladden er klar" in page.locator("main").inner_text()
    with tenancy.acting_for(viborg.pk):
        assert Strategy.objects.get(status=Strategy.Status.DRAFT).title == strategy.title


@pytest.mark.parametrize("width", [1280, 375])
def test_the_committee_reads_the_comparison(
    page,
    live_server,
    strategy,
    institutions,
    consultant,
    committee_member,
    municipality,
    settings,
    width,
):
    settings.ALLOWED_HOSTS = ["*"]
    municipality.host = "localhost"
    municipality_save(municipality=municipality)
    model = strategy_share(strategy=strategy, shared=True, by=consultant)
    municipality_compare(municipality=municipality_current(), compares=True)
    for number in range(1, 5):
        participant(number, model)
    use_session_of(page, live_server, committee_member)

    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + reverse("dashboard"))
    page.get_by_role("link", name="Sammenlign med andre kommuner").click()
    first = page.locator("main table").first
    assert "Alle dens handlinger" in first.inner_text()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['SCREENSHOTS']}/comparison-{width}.png", full_page=True)
