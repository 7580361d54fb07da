"""Every role's pages in a real Chromium at 1280 and 375 px: axe finds no WCAG 2.1 or 2.2 A/AA
violation, and what axe cannot see holds too: every checkbox shows a box, no text a person reads
is smaller than 14 px (DKFDS's root font size is 10 px), no English word is left on the page and
nothing goes to the browser's console."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from actions.models import Progress
from actions.revision import revision_start
from reports.models import Report
from tests.browser import AXE_SCRIPT, use_session_of

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


# English words a Danish page must not show (whole words, as a person reads them).
ENGLISH = re.compile(
    r"\b(Goal|Goals|Save|Cancel|Edit|Delete|Password|Authenticator|Authenticators|Django|"
    r"Submit|Sign in|Sign out|Log in|Log out|MFA|None|True|False|Successfully|Loading)\b"
)

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]]


def pages_of(role, institutions, strategy):
    school = institutions["school_a"].pk
    domain = strategy.domains.order_by("order").first().pk
    action = Progress.objects.filter(institution_id=school).order_by("pk").first().action_id
    return {
        "consultant": [
            reverse("strategy"),
            reverse("strategy_versions"),
            reverse("item_edit", args=["strategi", strategy.pk]),
            reverse("item_history", args=["strategi", strategy.pk]),
            reverse("dashboard"),
            reverse("dashboard_domain", args=[domain]),
            reverse("person_create"),
            reverse("person_list"),
            reverse("sign_in_limits"),
            reverse("institution_list"),
            reverse("institution_edit", args=[school]),
            reverse("actor_list"),
            reverse("spreadsheet_import"),
            reverse("pool_allocation"),
            reverse("municipal_plan"),
            reverse("plan_budgets"),
            reverse("report_list"),
            reverse("item_delete", args=["domaene", domain]),
            reverse("mfa_index"),
        ],
        "leader": [
            reverse("my_institution"),
            reverse("institution_progress", args=[school]),
            reverse("progress_history", args=[school, action]),
            reverse("institution_changes", args=[school]),
            reverse("local_plan", args=[school]),
            reverse("strategy"),
            reverse("report_list"),
        ],
        "anonymous": [
            reverse("account_login"),
            reverse("account_reset_password"),
            reverse("accessibility"),
            reverse("data_protection"),
        ],
        "committee": [
            reverse("dashboard"),
            reverse("dashboard_domain", args=[domain]),
            reverse("institution_progress", args=[school]),
            reverse("local_plan", args=[school]),
            reverse("report_list"),
        ],
    }[role]


def consultant_journey_pages(strategy, consultant) -> list[str]:
    """The revision's pages (a draft of the next version), a report's own page and the
    data export."""
    draft = revision_start(
        strategy=strategy,
        title="Næste version",
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2030, 12, 31),
        by=consultant,
    )
    report = Report.objects.create(
        kind=Report.Kind.STATUS,
        strategy=strategy,
        parameters={"since": "2026-10-01"},
        requested_by=consultant,
    )
    return [
        reverse("strategy_version", args=[draft.pk]),
        reverse("strategy_compare", args=[draft.pk]),
        reverse("strategy_adopt", args=[draft.pk]),
        reverse("report_detail", args=[report.pk]),
        reverse("data_export"),
        reverse("account_change_password"),
    ]


@pytest.mark.parametrize("role", ["consultant", "leader", "committee", "anonymous"])
def test_every_page_reads_well_for_every_role_at_both_widths(
    page,
    live_server,
    strategy,
    institutions,
    consultant,
    leader_school_a,
    committee_member,
    role,
):
    person = {"consultant": consultant, "leader": leader_school_a, "committee": committee_member}
    if role in person:
        use_session_of(page, live_server, person[role])
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    paths = pages_of(role, institutions, strategy)
    if role == "consultant":
        paths += consultant_journey_pages(strategy, consultant)
    for path in paths:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_server.url + path)
        assert ENGLISH.findall(page.locator("body").inner_text()) == [], path
        # On a desktop and then on a phone: the same page, laid out again at the new width.
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate(SMALL_TEXT) == [], (path, width)
            assert page.evaluate(HIDDEN_CHECKBOXES) == [], (path, width)
            assert axe(page) == [], (path, width)
        assert errors == [], path
