"""A real Chromium: a consultant edits an action in place and moves it with the keyboard."""

import time

import pytest
from django.urls import reverse

from actions.models import Action
from tests.browser import axe_violations, use_session_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS = "prioritere økonomi til investering i læringsteknologier."


@pytest.mark.parametrize("width", [1280, 375])
def test_consultant_edits_an_action_in_place_and_moves_it_with_the_keyboard(
    page, live_server, strategy, institutions, consultant, width
):
    action = Action.objects.get(text=FOCUS)
    page.set_viewport_size({"width": width, "height": 900})
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse("strategy") + f"#action-{action.pk}")
    item = page.locator(f"#item-handling-{action.pk}")
    item.get_by_role("link", name="Redigér").click()
    # htmx swapped the form in; the page did not change.
    field = page.locator(f"#item-handling-{action.pk}").get_by_label("Tekst", exact=True)
    field.wait_for()
    assert page.url.endswith(f"#action-{action.pk}")
    # The form took the focus, in its first field, under the page's own headings.
    page.wait_for_function("document.activeElement.tagName === 'TEXTAREA'")
    assert page.evaluate("document.activeElement.closest('.item-edit') !== null")
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
    field.fill("prioritere økonomi til robotter i indskolingen.")
    page.locator(f"#item-handling-{action.pk}").get_by_role("button", name="Gem").click()
    page.locator(f"#item-handling-{action.pk} .action-text").get_by_text(
        "prioritere økonomi til robotter i indskolingen."
    ).wait_for()
    # Back on the item's own "Redigér", and "Gemt" said aloud.
    page.wait_for_function("document.getElementById('live-region').textContent === 'Gemt'")
    edit_link = f"#item-handling-{action.pk} .edit-link"
    assert page.evaluate(f"document.activeElement.matches('{edit_link}')")
    action.refresh_from_db()
    assert (action.text, action.version) == ("prioritere økonomi til robotter i indskolingen.", 2)

    siblings = list(Action.objects.filter(goal=action.goal, parent=None).order_by("order", "pk"))
    position = siblings.index(action)
    # Moving is in the item's form, opened with the keyboard: the focus goes to its first field.
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.tagName === 'TEXTAREA'")
    button = page.locator(f"#item-handling-{action.pk}").get_by_role("button", name="Flyt ned")
    button.focus()
    page.keyboard.press("Enter")
    # htmx posts the move and swaps the domain in; wait for the answer, then ask the database.
    page.wait_for_load_state("networkidle")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        siblings = list(
            Action.objects.filter(goal=action.goal, parent=None).order_by("order", "pk")
        )
        if siblings.index(action) == position + 1:
            break
        time.sleep(0.1)
    assert siblings.index(action) == position + 1
    # The move was said aloud once the domain was swapped in; the focus is on the moved
    # action's "Redigér", its form closed.
    page.wait_for_function("document.getElementById('live-region').textContent === 'Flyttet ned'")
    assert page.locator(f"#item-handling-{action.pk}").count() == 1
    assert page.locator(f"#item-handling-{action.pk} form").count() == 0
    assert page.evaluate(f"document.activeElement.matches('{edit_link}')")
    assert axe_violations(page) == []


@pytest.mark.parametrize("view", ["item_edit", "item_history", "item_delete"])
def test_edit_views_have_no_wcag_violations(
    page, live_server, strategy, institutions, consultant, view
):
    action = Action.objects.get(text=FOCUS)
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse(view, args=["handling", action.pk]))
    assert page.locator("h1").is_visible()
    assert axe_violations(page) == []
