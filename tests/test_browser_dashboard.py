"""A real Chromium: the committee's dashboard is accessible at desktop and phone width."""

import pytest
from django.urls import reverse

from actions.models import Progress
from tests.browser import axe_violations, use_session_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def some_progress(strategy, institutions):
    rows = Progress.objects.order_by("pk")
    rows.filter(pk__in=rows.values("pk")[:20]).update(status="done")


@pytest.mark.parametrize("width", [1280, 375])
def test_dashboard_has_no_wcag_violations(
    page, live_server, some_progress, committee_member, width
):
    page.set_viewport_size({"width": width, "height": 900})
    use_session_of(page, live_server, committee_member)
    page.goto(live_server.url + reverse("dashboard"))
    assert page.locator("h1").inner_text() == "Overblik"
    assert page.locator("svg.line-chart title").text_content() == (
        "Andel udførte handlinger pr. domæne, kvartal for kvartal"
    )
    page.get_by_text("Vis som tabel").click()
    assert page.locator("details.chart-table table").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []


def test_committee_drills_down_from_a_cell_with_the_keyboard(
    page, live_server, some_progress, committee_member
):
    use_session_of(page, live_server, committee_member)
    page.goto(live_server.url + reverse("dashboard"))
    cell = page.locator(".progress-matrix tbody a[href*='aktoer=']").first
    cell.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/oversigt/domaener/**")
    assert page.locator("h1").is_visible()
    assert axe_violations(page) == []
