"""The strategy page, the overview and "Min institution" are cached until what they show
changes: a second look costs a few queries, and every kind of change is seen at once."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from actions.models import Action, Progress
from actions.services import item_move
from administration.services import institution_save
from core import fragments
from goals.models import Goal, Indicator
from goals.services import measurement_record
from tests.conftest import (
    count_queries,
    leader_renamed,
    make_institutions,
    visible_text,
    with_totp,
)
from tests.factories import PersonFactory
from tests.test_institution_progress import ACTION_TEXT as FOCUS
from tests.test_institution_progress import tick
from tests.test_revision import start as start_revision


@pytest.fixture
def focus(strategy):
    return Action.objects.get(text=FOCUS)


def text_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response.content)


def focus_tally(text: str) -> str:
    """What the strategy page says of the focus action: "1 af 3"."""
    return re.search(re.escape(FOCUS) + r" (\d+ af \d+) institution", text).group(1)


@pytest.mark.parametrize(
    ("url_name", "persona", "most"),
    # Both are kept whole until something they show changes: a look reads the session's
    # person and the strategy in force (and whether a consultant has a second factor).
    [("strategy", "consultant", 3), ("dashboard", "committee_member", 2)],
)
def test_a_second_look_costs_a_few_queries_and_shows_the_same(
    request, client, strategy, institutions, url_name, persona, most
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse(url_name)
    made = client.get(url)
    assert count_queries(client, url, cached=True) <= most  # nothing changed: nothing made
    cached = client.get(url)
    part = "document" if url_name == "strategy" else "overview"
    assert cached.context[part] == made.context[part]
    assert "<section" in cached.content.decode()  # markup from the cache, not escaped text
    assert "&lt;section" not in cached.content.decode()
    assert count_queries(client, url) > count_queries(client, url, cached=True) + 4


def test_min_institution_is_cached_for_the_institution_and_a_tick_shows_at_once(
    client, strategy, institutions, leader_school_a, consultant, focus
):
    school, other = institutions["school_a"], institutions["school_b"]
    client.force_login(leader_school_a)
    url = reverse("institution_progress", args=[school.pk])
    assert "0 af 15 handlinger udført" in text_of(client, url)
    cold = count_queries(client, url)
    assert count_queries(client, url, cached=True) < cold

    # Another school's tick leaves this page cached; the school's own shows at once.
    consultant_browser = Client()
    consultant_browser.force_login(consultant)
    assert tick(consultant_browser, other, focus, "done").status_code == 302
    assert count_queries(client, url, cached=True) < cold
    assert tick(client, school, focus, "done").status_code == 302
    assert "1 af 15 handlinger udført" in text_of(client, url)


def test_a_tick_leaves_the_strategy_document_cached_and_its_count_new(
    client, strategy, institutions, leader_school_a, committee_member, focus
):
    client.force_login(committee_member)
    url = reverse("strategy")
    assert focus_tally(text_of(client, url)) == "0 af 3"
    leader = Client()
    leader.force_login(leader_school_a)
    assert tick(leader, institutions["school_a"], focus, "done").status_code == 302

    response = client.get(url)
    rendered = [template.name for template in response.templates]
    assert "goals/includes/strategy_document.html" not in rendered  # the cached document
    text = visible_text(response.content)
    assert focus_tally(text) == "1 af 3"
    assert "Samlet fremdrift 1 af " in text  # the bars are filled in too


def test_a_cached_page_keeps_the_white_space_a_person_wrote(
    client, strategy, institutions, leader_school_a, focus
):
    """Cached parts are sent with less white space, but never a note's or a reason's."""
    client.force_login(leader_school_a)
    school = institutions["school_a"]
    note, reason = "Linje 1\n\n    Linje 2", "Varetages  centralt"
    assert tick(client, school, focus, "not_relevant", reason=reason, note=note).status_code == 302
    url = reverse("institution_progress", args=[school.pk])
    client.get(url)
    cached = client.get(url).content.decode()  # from the cache
    assert f">{note}</textarea>" in cached
    assert f'value="{reason}"' in cached
    row = cached[cached.index(f'<li id="action-{focus.pk}"') :]
    assert "\n" not in row[: row.index("<textarea")]  # the markup itself is compact


def test_every_kind_of_change_shows_on_the_cached_pages(
    client, strategy, actors, institutions, committee_member, leader_school_a, consultant, focus
):
    """Each change goes the way a person makes it, through the service that retires what the
    change shows in; no signal does it behind the scenes."""
    client.force_login(committee_member)
    editor = Client()
    editor.force_login(consultant)
    strategy_url, dashboard_url = reverse("strategy"), reverse("dashboard")
    school = institutions["school_a"]
    text_of(client, strategy_url), text_of(client, dashboard_url)

    # A tick: the counts on both pages.
    leader = Client()
    leader.force_login(leader_school_a)
    assert tick(leader, school, focus, "done").status_code == 302
    assert focus_tally(text_of(client, strategy_url)) == "1 af 3"
    overview = text_of(client, dashboard_url)
    assert "1 ændring er registreret siden da" in overview
    assert "Lise Leder" in overview  # who, among the latest changes

    # The leader's new name (people): the changes list says who.
    leader_renamed(leader_school_a, school, by=consultant)
    assert "Omdøbt Leder" in text_of(client, dashboard_url)

    # An edited goal and the order of goals (written in bulk).
    goal = Goal.objects.filter(domain__strategy=strategy).order_by("domain__order", "order")[0]
    edited = editor.post(
        reverse("item_edit", args=["maal", goal.pk]),
        {"text": "Et nyt og omskrevet mål", "scope": goal.scope, "version": goal.version},
    )
    assert edited.status_code == 302
    goal.refresh_from_db()
    page = text_of(client, strategy_url)
    assert "Et nyt og omskrevet mål" in page
    second = goal.domain.goals.order_by("order")[1]
    assert page.index(goal.text) < page.index(second.text.split("\n")[0][:40])
    item_move(instance=goal, siblings=("domain",), step=+1)
    page = text_of(client, strategy_url)
    assert page.index(goal.text) > page.index(second.text.split("\n")[0][:40])

    # New institutions (their progress rows are written in bulk): the counts grow.
    make_institutions(actors, schools=3, daycare=0, prefix="Ny ")
    assert focus_tally(text_of(client, strategy_url)) == "1 af 6"

    # A new indicator, then a measurement: the overview's indicators.
    created = editor.post(
        reverse("item_create", args=["indikator", goal.pk]),
        {"name": "Andel med adgang", "unit": "%", "target": "90", "actors": [actors["skole"].pk]},
    )
    assert created.status_code == 302
    assert "Andel med adgang" in text_of(client, dashboard_url)
    # 87: no minute or hour of a time shown on the page can read so.
    assert "87" not in text_of(client, dashboard_url)
    measurement_record(
        indicator=Indicator.objects.get(name="Andel med adgang"),
        institution=school,
        value=Decimal(87),
        measured_on=dt.date(2026, 11, 1),
        by=leader_school_a,
    )
    assert "87" in text_of(client, dashboard_url)

    # Deactivating an institution takes it out of the counts.
    school.is_active = False
    institution_save(institution=school)
    assert focus_tally(text_of(client, strategy_url)) == "0 af 5"


def test_a_change_made_in_django_admin_shows_on_the_cached_pages(
    client, strategy, actors, committee_member
):
    admin = Client()
    admin.force_login(with_totp(PersonFactory(email="admin@example.org", superuser=True)))
    client.force_login(committee_member)
    assert "Grundskole" not in text_of(client, reverse("strategy"))
    school = actors["skole"]
    changed = admin.post(
        reverse("admin:institutions_actor_change", args=[school.pk]),
        {"name": "Grundskole", "code": school.code, "order": school.order},
    )
    assert changed.status_code == 302
    assert "Grundskole" in text_of(client, reverse("strategy"))  # the actor headings


def form_token(html: str, action: str) -> str:
    """The CSRF token in the form that posts to `action`."""
    form = re.search(re.escape(f'action="{action}"') + r".*?</form>", html, re.S).group(0)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def test_a_consultants_cached_draft_has_forms_that_work_in_their_browser_only(
    strategy, institutions, consultant
):
    """A draft's carry-over forms carry the browser's CSRF token, so each browser gets its
    own copy of the cached document."""
    draft = start_revision(strategy, consultant)
    action = Action.objects.filter(goal__domain__strategy=draft).exclude(carry_over="")[0]
    page, choose = (
        reverse("strategy_version", args=[draft.pk]),
        reverse("action_carry_over", args=[action.pk]),
    )
    browsers = [Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)]
    for browser in browsers:
        browser.force_login(consultant)
    tokens = []
    for browser in browsers:
        browser.get(page)
        cached = browser.get(page).content.decode()  # from the cache
        tokens.append(form_token(cached, choose))
    for browser, token in zip(browsers, tokens, strict=True):
        response = browser.post(choose, {"carry_over": "reset", "csrfmiddlewaretoken": token})
        assert response.status_code == 302
    # One browser's token does not pass in the other.
    response = browsers[0].post(choose, {"carry_over": "carry", "csrfmiddlewaretoken": tokens[1]})
    assert response.status_code == 403


def test_without_a_reachable_cache_every_request_makes_the_page(
    client, strategy, institutions, committee_member, settings
):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ForgivingRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    client.force_login(committee_member)
    url = reverse("strategy")
    assert fragments.tokens(fragments.STRATEGY) != fragments.tokens(fragments.STRATEGY)
    assert focus_tally(text_of(client, url)) == "0 af 3"
    assert count_queries(client, url, cached=True) > 4


def test_a_recorded_change_is_drawn_once_and_a_new_name_or_text_shows_at_once(
    client, strategy, institutions, leader_school_a, consultant, focus
):
    """The history's entries are kept as drawn (a record never changes); the person's name and
    the action's text in them are not."""
    school = institutions["school_a"]
    client.force_login(leader_school_a)
    changes_url = reverse("institution_changes", args=[school.pk])
    history_url = reverse("progress_history", args=[school.pk, focus.pk])
    assert tick(client, school, focus, "in_progress").status_code == 302
    assert "Lise Leder" in text_of(client, changes_url)
    assert "Lise Leder" in text_of(client, history_url)

    leader_renamed(leader_school_a, school, by=consultant)
    assert "Lise Leder" not in text_of(client, changes_url)
    assert "Omdøbt Leder" in text_of(client, history_url)

    editor = Client()
    editor.force_login(consultant)
    edited = editor.post(
        reverse("item_edit", args=["handling", focus.pk]),
        {
            "text": "En omskrevet handling",
            "goal": focus.goal_id,
            "actors": list(focus.actors.values_list("pk", flat=True)),
            "version": focus.version,
        },
    )
    assert edited.status_code == 302
    assert "En omskrevet handling" in text_of(client, changes_url)

    assert tick(client, school, focus, "done").status_code == 302
    entries = text_of(client, history_url)
    assert entries.count("Omdøbt Leder") == 2  # the new entry first, the first one kept
    assert entries.index("I gang → Udført") < entries.rindex("Status: I gang")


def test_the_dashboards_newest_changes_keep_their_entries_and_read_only_the_new_ones(
    client, strategy, institutions, leader_school_a, committee_member
):
    """Entries drawn before are kept; the changes made since are read and drawn, and the list
    stays newest first."""
    school = institutions["school_a"]
    rows = Progress.objects.filter(institution=school).select_related("action").order_by("pk")
    first, second = (row.action for row in rows[:2])
    leader = Client()
    leader.force_login(leader_school_a)
    client.force_login(committee_member)
    url = reverse("dashboard")

    def latest() -> str:
        text = text_of(client, url)
        return text[text.index("Seneste ændringer") : text.index("Handlinger efter fristen")]

    assert tick(leader, school, first, "in_progress").status_code == 302
    assert "Ikke startet → I gang" in latest()
    assert tick(leader, school, second, "done").status_code == 302
    assert tick(leader, school, first, "done").status_code == 302
    entries = latest()
    assert "3 ændringer er registreret siden da" in text_of(client, url)
    # The newest first: the first action done (it was in progress), the second done, the first
    # begun (the entry kept from the first look).
    assert entries.index("I gang → Udført") < entries.index(second.text[:40])
    assert entries.index(second.text[:40]) < entries.rindex("Ikke startet → I gang")
    assert entries.count("Udført") == 2
