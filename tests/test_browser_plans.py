"""A real Chromium: a leader keeps the local handleplan on a phone; axe checks the plan pages."""

import pytest
from django.urls import reverse

from institutions.models import Institution
from tests.browser import axe_violations, sign_in, use_session_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS = "prioritere økonomi til investering i læringsteknologier."


def test_leader_adds_to_the_local_plan_on_a_phone(page, live_server, strategy, leader_school_a):
    from actions.models import ActionPlanItem

    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, leader_school_a.email)
    page.get_by_role("link", name="Min institution").click()
    page.get_by_role("link", name="Lokal handleplan").click()
    assert page.locator("h1").inner_text() == "Lokal handleplan"
    assert axe_violations(page) == []

    page.get_by_role("button", name="Tilføj").click()  # nothing chosen: refused in Danish
    assert "Vælg en handling fra strategien" in page.locator("main").inner_text()
    assert axe_violations(page) == []

    page.get_by_label("Handling fra strategien").select_option(label=FOCUS[:80])
    page.get_by_label("Budget (kr.)").fill("25.000")
    page.get_by_label("Finansiering").select_option(label="Central pulje")
    page.get_by_role("button", name="Tilføj").click()
    main = page.locator("main").inner_text()
    assert "Punktet er føjet til handleplanen." in main
    assert "Planen koster i alt 25.000 kr. over perioden." in main
    assert ActionPlanItem.objects.get().budget == 25_000
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []


@pytest.mark.parametrize("url_name", ["municipal_plan", "plan_budgets", "pool_allocation"])
def test_consultant_plan_pages_have_no_wcag_violations(
    page, live_server, strategy, institutions, consultant, url_name
):
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse(url_name))
    assert page.locator("h1").is_visible()
    assert axe_violations(page) == []


def test_allocation_preview_has_no_wcag_violations(
    page, live_server, strategy, institutions, consultant
):
    Institution.objects.filter(actor__code="skole").update(children_count=120)
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse("pool_allocation"))
    page.get_by_label("Hvad pengene er til").fill("Udviklingspulje")
    page.get_by_label("Beløb (kr.)").fill("315.000")
    page.locator("label", has_text="Skole").click()  # the design system styles the label
    page.get_by_role("button", name="Vis fordelingen").click()
    assert "Fordelingen, før du bekræfter" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Bekræft fordelingen").click()
    assert "Beløbet er fordelt." in page.locator("main").inner_text()


def test_timeline_pages_have_no_wcag_violations_on_a_phone(
    page, live_server, strategy, institutions, leader_school_a
):
    from actions.models import Action, Progress
    from actions.services import progress_set

    school = institutions["school_a"]
    action = Action.objects.get(text=FOCUS)
    row = Progress.objects.get(institution=school, action=action)
    progress_set(
        progress_id=row.pk,
        status="done",
        reason="",
        note="Robotter indkøbt",
        expected_version=row.version,
        by=leader_school_a,
    )
    page.set_viewport_size({"width": 360, "height": 740})
    use_session_of(page, live_server, leader_school_a)
    for url in [
        reverse("progress_history", args=[school.pk, action.pk]),
        reverse("institution_changes", args=[school.pk]),
    ]:
        page.goto(live_server.url + url)
        assert "Robotter indkøbt" in page.locator("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert axe_violations(page) == []


def test_a_leader_approves_the_plan_on_the_first_try_with_todays_date(
    page, live_server, strategy, leader_school_a
):
    from django.utils import timezone

    from actions.models import ActionPlan

    use_session_of(page, live_server, leader_school_a)
    page.goto(live_server.url + reverse("my_institution"))
    page.get_by_role("link", name="Lokal handleplan").click()
    page.get_by_label("Handling fra strategien").select_option(label=FOCUS[:80])
    page.get_by_role("button", name="Tilføj").click()
    approved_on = page.get_by_label("Godkendt den")
    assert approved_on.input_value() == timezone.localdate().isoformat()  # shown, not empty
    page.get_by_role("button", name="Godkend").click()
    assert "Handleplanen er godkendt." in page.locator("main").inner_text()
    plan = ActionPlan.objects.get(institution__memberships__user=leader_school_a)
    assert (plan.status, plan.approved_on) == ("approved", timezone.localdate())
