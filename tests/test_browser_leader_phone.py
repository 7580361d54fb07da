"""A leader on a phone (375 px), by keyboard, in a real Chromium: "Min institution" keeps them
where they were after every change and says what happened; the note and the "not relevant"
reason open only when needed; the filters narrow the list; nothing goes to the console."""

import pytest
from django.urls import reverse

from actions.models import Progress
from tests.browser import use_session_of
from tests.test_institution_progress import ACTION_TEXT, school_actions_added

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 375, "height": 812})
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    return page


def focused(page) -> dict:
    return page.evaluate(
        """() => {
          const element = document.activeElement;
          return {
            text: element.textContent.trim(),
            row: element.closest(".progress-row")?.id || "",
            pressed: element.getAttribute("aria-pressed"),
          };
        }"""
    )


def test_a_leader_ticks_by_keyboard_and_stays_where_they_were(
    phone, live_server, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    row = Progress.objects.get(institution=school, action__text=ACTION_TEXT)
    use_session_of(phone, live_server, leader_school_a)
    phone.goto(live_server.url + reverse("institution_progress", args=[school.pk]))

    # The skip link goes to the first open action; from there Tab reaches its controls.
    skip = phone.get_by_role("link", name="Gå til første åbne handling")
    skip.focus()
    phone.keyboard.press("Enter")
    assert phone.evaluate("location.hash").startswith("#action-")

    # The reason field is not in the way until it is needed, the note sits behind "Tilføj en note".
    item = phone.locator(f"#action-{row.action_id}")
    assert item.locator(".progress-reason-field").is_hidden()
    assert item.locator("textarea").is_hidden()

    summary = phone.locator("#progress-summary .progress-text")
    counted = Progress.objects.filter(institution=school).exclude(status="not_relevant").count()
    assert summary.text_content().split() == [
        "0",
        "af",
        str(counted),
        "handlinger",
        "udført",
        "(0",
        "%)",
    ]
    done = item.get_by_role("button", name="Udført")
    done.focus()
    phone.keyboard.press("Enter")
    phone.wait_for_function("document.getElementById('live-region').textContent.includes('Gemt')")
    assert phone.locator("#live-region").text_content() == "Gemt: Udført."
    after = focused(phone)
    assert after == {"text": "Udført", "row": f"action-{row.action_id}", "pressed": "true"}
    assert item.locator(".progress-saved").text_content() == "Gemt: Udført."
    # The answer moved the counts too: the institution's, and its domain's.
    assert summary.text_content().split()[:3] == ["1", "af", str(counted)]
    domain = phone.locator(f"#domain-{row.action.goal.domain_id}-progress .progress-text")
    assert domain.text_content().split()[0] == "1"
    row.refresh_from_db()
    assert row.status == Progress.Status.DONE

    # "Ikke relevant" asks why first, and Enter in the reason sets it.
    not_relevant = item.get_by_role("button", name="Ikke relevant")
    not_relevant.focus()
    phone.keyboard.press("Enter")
    reason = item.get_by_label("Hvorfor er den ikke relevant?")
    assert reason.is_visible()
    assert focused(phone)["row"] == f"action-{row.action_id}"
    assert phone.evaluate("document.activeElement.name") == "reason"
    phone.keyboard.type("Varetages af forvaltningen")
    phone.keyboard.press("Enter")
    phone.wait_for_function(
        "document.getElementById('live-region').textContent.includes('Ikke relevant')"
    )
    assert focused(phone)["text"] == "Ikke relevant"
    row.refresh_from_db()
    assert (row.status, row.reason) == (Progress.Status.NOT_RELEVANT, "Varetages af forvaltningen")

    # A note, saved from behind its disclosure: "Noten er gemt", focus on the save button.
    item.get_by_text("Tilføj en note").click()
    item.get_by_label("Hvad har vi gjort?").fill("Drøftet på personalemødet")
    item.get_by_role("button", name="Gem note").click()
    phone.wait_for_function(
        "document.getElementById('live-region').textContent.includes('Noten er gemt')"
    )
    assert focused(phone)["text"] == "Gem note"
    assert phone.console_errors == []


def test_the_filters_narrow_the_list_and_say_how_many(
    phone, live_server, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    rows = Progress.objects.filter(institution=school)
    first = rows.order_by("pk").first()
    Progress.objects.filter(pk=first.pk).update(status=Progress.Status.IN_PROGRESS)
    use_session_of(phone, live_server, leader_school_a)
    phone.goto(live_server.url + reverse("institution_progress", args=[school.pk]))

    filters = phone.get_by_role("navigation", name="Vis handlinger")
    assert filters.get_by_role("link", name=f"Alle ({rows.count()})").get_attribute("aria-current")
    filters.get_by_role("link", name="I gang (1)").click()
    phone.wait_for_url("**?vis=i-gang**")
    assert phone.locator(".progress-row").count() == 1
    assert phone.locator(f"#action-{first.action_id}").is_visible()
    filters.get_by_role("link", name="Udført (0)").click()
    assert phone.get_by_text("Ingen handlinger af denne slags.").is_visible()
    assert phone.console_errors == []


def test_with_many_actions_a_domain_opens_in_place_by_keyboard(
    phone, live_server, strategy, institutions, leader_school_a, actors
):
    school = institutions["school_a"]
    domain = school_actions_added(actors, 30).goal.domain
    in_domain = Progress.objects.filter(institution=school, action__goal__domain=domain).count()
    use_session_of(phone, live_server, leader_school_a)
    phone.goto(live_server.url + reverse("institution_progress", args=[school.pk]))
    assert phone.locator(".progress-row").count() == 0

    section = phone.locator(f"#domain-{domain.pk}")
    section.get_by_role("link", name=f"Vis de {in_domain} handlinger").focus()
    phone.keyboard.press("Enter")
    rows_in = f"document.querySelectorAll('#domain-{domain.pk} .progress-row').length"
    phone.wait_for_function(rows_in)
    assert section.locator(".progress-row").count() == in_domain
    assert phone.locator(".progress-row").count() == in_domain  # the other domains stay closed
    assert phone.evaluate("document.activeElement.id") == f"domain-{domain.pk}-heading"
    assert phone.evaluate("location.search") == ""  # opened in place
    # From the heading, Tab goes on into the domain's first action.
    for _ in range(4):
        phone.keyboard.press("Tab")
        if focused(phone)["row"]:
            break
    assert focused(phone)["row"].startswith("action-")
    assert phone.console_errors == []


# Skip link, the header's three links, the menu's four, the page's three links, then this one.
TABS_TO_FIRST_OPEN_ACTION = 12


def test_by_keyboard_alone_a_leader_reaches_the_first_open_action_and_keeps_their_place(
    phone, live_server, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    use_session_of(phone, live_server, leader_school_a)
    phone.goto(live_server.url + reverse("institution_progress", args=[school.pk]))
    tabs = 0
    while focused(phone)["text"] != "Gå til første åbne handling":
        phone.keyboard.press("Tab")
        tabs += 1
        assert tabs <= TABS_TO_FIRST_OPEN_ACTION, focused(phone)
    phone.keyboard.press("Enter")
    first_open = phone.evaluate("location.hash").removeprefix("#")
    for _ in range(4):  # past the history link and the note to the status buttons
        phone.keyboard.press("Tab")
        if focused(phone)["text"] == "I gang":
            break
    assert focused(phone) == {"text": "I gang", "row": first_open, "pressed": "false"}
    phone.keyboard.press("Enter")
    phone.wait_for_function("document.getElementById('live-region').textContent.includes('I gang')")
    # After the tick the next Tab goes on within the same action, not back to the top.
    phone.keyboard.press("Tab")
    assert focused(phone)["row"] == first_open
    assert phone.console_errors == []


def test_on_a_phone_the_menu_keeps_its_other_items_behind_more(
    phone, live_server, strategy, institutions, leader_school_a
):
    use_session_of(phone, live_server, leader_school_a)
    phone.goto(live_server.url + reverse("strategy"))
    reports = phone.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Rapporter"
    )
    assert not reports.is_visible()
    phone.get_by_role("button", name="Mere").click()
    assert reports.is_visible()
    reports.click()
    phone.wait_for_url(f"**{reverse('report_list')}")
    assert phone.console_errors == []
