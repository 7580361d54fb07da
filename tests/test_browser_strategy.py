"""A real Chromium reads the strategy page: sign-in, keyboard, phone width and axe-core."""

import pytest
from django.urls import reverse

from tests.browser import axe_violations, sign_in, use_session_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_signs_in_and_reads_the_strategy(page, live_server, strategy, leader_school_a):
    sign_in(page, live_server, leader_school_a.email)
    headings = page.locator("section.domain h2").all_inner_texts()
    assert headings == [
        "Infrastruktur",
        "Organisering",
        "Kompetencer",
        "Læringsteknologi",
        "Læremidler",
    ]
    assert page.locator("li.action").count() == 43
    assert "Leder, Skole A" in page.locator("header").inner_text()


def test_strategy_page_has_no_wcag_violations(page, live_server, strategy, leader_school_a):
    sign_in(page, live_server, leader_school_a.email)
    assert axe_violations(page) == []


def test_strategy_page_has_no_wcag_violations_on_a_phone(
    page, live_server, strategy, leader_school_a
):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, leader_school_a.email)
    assert axe_violations(page) == []
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.get_by_role("button", name="Log ud").is_visible()


def test_login_page_has_no_wcag_violations(page, live_server, db):
    page.goto(live_server.url + reverse("account_login"))
    assert axe_violations(page) == []


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(
    page, live_server, strategy, leader_school_a
):
    sign_in(page, live_server, leader_school_a.email)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Gå til sidens indhold"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


@pytest.mark.parametrize(
    "url_name", ["institution_list", "institution_create", "person_list", "person_create"]
)
def test_consultant_pages_have_no_wcag_violations(
    page, live_server, consultant, institutions, url_name
):
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse(url_name))
    assert page.locator("h1").is_visible()
    assert axe_violations(page) == []


def test_form_errors_have_no_wcag_violations(page, live_server, consultant, institutions):
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse("person_create"))
    page.get_by_role("button", name="Send invitation").click()
    assert page.locator(".form-error-message").count() >= 1
    assert axe_violations(page) == []


def test_password_reset_page_has_no_wcag_violations(page, live_server, db):
    page.goto(live_server.url + reverse("account_reset_password"))
    assert page.locator("h1").is_visible()
    assert axe_violations(page) == []


def test_two_factor_page_has_no_wcag_violations(page, live_server, consultant):
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse("mfa_index"))
    assert page.locator("h1").is_visible()
    assert axe_violations(page) == []


def test_leader_ticks_an_action_on_a_phone(page, live_server, strategy, leader_school_a):
    from actions.models import Action, Progress

    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, leader_school_a.email)
    page.get_by_role("link", name="Min institution").click()
    assert page.locator("h1").inner_text() == "Skole A"
    summary = page.locator("#progress-summary")
    assert "0 af 15 handlinger udført" in summary.inner_text()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    action = Action.objects.get(text="prioritere økonomi til investering i læringsteknologier.")
    row = page.locator(f"#action-{action.pk}")
    row.get_by_text("Tilføj en note").click()  # the note opens only when needed
    row.get_by_label("Hvad har vi gjort?").fill("Indkøbt robotter til indskolingen")
    button = row.get_by_role("button", name="Udført")
    box = button.bounding_box()
    assert box["height"] >= 44
    button.click()
    # htmx swaps the row and the bars in place; no page load.
    page.wait_for_function(
        "document.querySelector('#progress-summary').innerText.includes('1 af 15')"
    )
    row = page.locator(f"#action-{action.pk}")
    assert row.get_by_role("button", name="Udført").get_attribute("aria-pressed") == "true"
    assert row.get_by_label("Hvad har vi gjort?").input_value() == (
        "Indkøbt robotter til indskolingen"
    )
    assert page.evaluate("document.querySelector('#progress-summary progress').value") == 1
    progress = Progress.objects.get(action=action, institution__name="Skole A")
    assert (progress.status, progress.note) == ("done", "Indkøbt robotter til indskolingen")
    assert axe_violations(page) == []


def test_ticking_works_without_javascript(browser, live_server, strategy, leader_school_a):
    from actions.models import Action, Progress

    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    sign_in(page, live_server, leader_school_a.email)
    page.goto(live_server.url + reverse("my_institution"))
    action = Action.objects.get(text="prioritere økonomi til investering i læringsteknologier.")
    page.locator(f"#action-{action.pk}").get_by_role("button", name="I gang").click()
    assert "Gemt: I gang." in page.locator("main").inner_text()
    assert "0 af 15 handlinger udført" in page.locator("#progress-summary").inner_text()
    assert Progress.objects.get(action=action, institution__name="Skole A").status == (
        "in_progress"
    )
    context.close()
