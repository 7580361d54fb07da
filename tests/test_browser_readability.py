"""What axe cannot see, in a real Chromium at 1280 and 375 px: every checkbox shows a box, and
no text a person reads is smaller than 14 px (DKFDS's root font size is 10 px)."""

import pytest
from django.urls import reverse

from tests.browser import use_session_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_TEXT = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const element = walker.currentNode.parentElement;
    if (!text || element.closest(".sr-only, script, style, noscript, template, svg")) continue;
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    const size = parseFloat(style.fontSize);
    if (size < 14) small.push(`${size}px: ${text.slice(0, 40)}`);
  }
  return small;
}"""

HIDDEN_CHECKBOXES = """() => [...document.querySelectorAll("input[type=checkbox]")].filter(box => {
  const label = document.querySelector(`label[for="${box.id}"]`);
  const drawn = label && getComputedStyle(label, "::before");
  const ownBox = box.getBoundingClientRect().width >= 16 && getComputedStyle(box).opacity !== "0";
  return !(ownBox || (drawn && drawn.content !== "none" && parseFloat(drawn.width) >= 16));
}).map(box => `${box.name}=${box.value}`)"""


def pages_of(role, institutions):
    school = institutions["school_a"].pk
    return {
        "consultant": [
            reverse("strategy"),
            reverse("dashboard"),
            reverse("person_create"),
            reverse("institution_list"),
            reverse("pool_allocation"),
            reverse("municipal_plan"),
            reverse("report_list"),
        ],
        "leader": [
            reverse("my_institution"),
            reverse("institution_progress", args=[school]),
            reverse("local_plan", args=[school]),
            reverse("strategy"),
        ],
        "committee": [reverse("dashboard"), reverse("report_list")],
    }[role]


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("role", ["consultant", "leader", "committee"])
def test_every_checkbox_shows_a_box_and_no_text_is_below_14_px(
    page,
    live_server,
    strategy,
    institutions,
    consultant,
    leader_school_a,
    committee_member,
    role,
    width,
):
    person = {"consultant": consultant, "leader": leader_school_a, "committee": committee_member}
    use_session_of(page, live_server, person[role])
    page.set_viewport_size({"width": width, "height": 900})
    for path in pages_of(role, institutions):
        page.goto(live_server.url + path)
        assert page.evaluate(SMALL_TEXT) == [], path
        assert page.evaluate(HIDDEN_CHECKBOXES) == [], path
