"""'Min institution': leaders tick their institution's actions, safely, on any device."""

import json

import lxml.html
import pytest
from django.urls import reverse

from actions.models import Action, Progress
from actions.selectors import ROWS_AT_ONCE
from actions.services import progress_sync
from core import fragments
from institutions.models import Membership
from tests.conftest import count_queries, make_person, visible_text

ACTION_TEXT = "prioritere økonomi til investering i læringsteknologier."


@pytest.fixture
def action(strategy):
    return Action.objects.get(text=ACTION_TEXT)


def tick(client, institution, action, status, *, version=None, reason="", note="", **headers):
    if version is None:
        version = Progress.objects.get(institution=institution, action=action).version
    return client.post(
        reverse("progress_update", args=[institution.pk, action.pk]),
        {
            "status": status,
            "reason": reason,
            "note": note,
            "version": version,
        },
        headers=headers,
    )


def school_actions_added(actors, count: int) -> Action:
    """`count` more school actions under the goal of ACTION_TEXT, with their progress rows;
    returns that action, whose goal and domain they share."""
    action = Action.objects.get(text=ACTION_TEXT)
    extra = Action.objects.bulk_create(
        Action(goal=action.goal, order=100 + n, text=f"Ekstra handling {n}") for n in range(count)
    )
    for new in extra:
        new.actors.add(actors["skole"])
    progress_sync(action_ids=[new.pk for new in extra])
    return action


def test_leader_sees_every_action_of_the_school_grouped_by_domain(
    client, strategy, institutions, leader_school_a
):
    client.force_login(leader_school_a)
    response = client.get(reverse("institution_progress", args=[institutions["school_a"].pk]))
    page = response.content.decode()
    assert response.status_code == 200
    for text in Action.objects.filter(actors__code="skole").values_list("text", flat=True):
        assert text in page
    assert "udarbejde en kommunal handleplan" not in page  # Forvaltning only
    assert "0 af 15 handlinger udført (0 %)" in page


def test_a_schools_page_stays_light_for_a_phone(client, strategy, institutions, leader_school_a):
    # Every one of the school's actions with its tick form, under 60 KB of HTML.
    client.force_login(leader_school_a)
    response = client.get(reverse("institution_progress", args=[institutions["school_a"].pk]))
    rows = response.content.decode().count('<li id="action-')
    assert rows == Progress.objects.filter(institution=institutions["school_a"]).count() >= 15
    assert len(response.content) < 60 * 1024


def test_my_institution_leads_a_leader_to_their_school(client, institutions, leader_school_a):
    client.force_login(leader_school_a)
    response = client.get(reverse("my_institution"))
    assert response.url == reverse("institution_progress", args=[institutions["school_a"].pk])


def test_ticking_updates_status_roll_up_and_history(
    client, strategy, institutions, leader_school_a, action
):
    school = institutions["school_a"]
    client.force_login(leader_school_a)
    response = tick(client, school, action, "done", note="Indkøbt micro:bits til 4. årgang")
    assert response.status_code == 302
    row = Progress.objects.get(institution=school, action=action)
    assert (row.status, row.note, row.updated_by, row.version) == (
        "done",
        "Indkøbt micro:bits til 4. årgang",
        leader_school_a,
        2,
    )
    latest = row.history.latest()
    assert (latest.status, latest.history_user) == ("done", leader_school_a)
    page = client.get(response.url).content.decode()
    assert "1 af 15 handlinger udført (7 %)" in page
    assert "1 af 3 handlinger udført" in page  # Læringsteknologi at this school
    strategy_page = client.get(reverse("strategy")).content.decode()
    assert "1 af 3 institutioner udført" in strategy_page


def test_the_same_tap_twice_changes_nothing_more(
    client, strategy, institutions, leader_school_a, action
):
    school = institutions["school_a"]
    client.force_login(leader_school_a)
    tick(client, school, action, "in_progress", version=1)
    history = Progress.history.count()
    # A retry after a dropped connection sends the same state with the old version.
    response = tick(client, school, action, "in_progress", version=1)
    assert response.status_code == 302
    assert Progress.history.count() == history
    assert Progress.objects.get(institution=school, action=action).version == 2


def test_a_change_by_someone_else_is_shown_not_overwritten(
    client, strategy, institutions, leader_school_a, action
):
    school = institutions["school_a"]
    colleague = make_person(
        "kollega@example.org", "Kim Kollega", a=(school, Membership.Role.RESOURCE_PERSON)
    )
    client.force_login(colleague)
    tick(client, school, action, "done", version=1, note="Vi er færdige")
    client.force_login(leader_school_a)
    response = tick(client, school, action, "in_progress", version=1)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Kim Kollega" in page and "Udført" in page and "Vi er færdige" in page
    row = Progress.objects.get(institution=school, action=action)
    assert (row.status, row.updated_by) == ("done", colleague)


def test_not_relevant_needs_a_reason(client, strategy, institutions, leader_school_a, action):
    school = institutions["school_a"]
    client.force_login(leader_school_a)
    response = tick(client, school, action, "not_relevant")
    assert response.status_code == 400
    assert "Skriv kort, hvorfor handlingen ikke er relevant her." in response.content.decode()
    assert Progress.objects.get(institution=school, action=action).status == "not_started"
    response = tick(client, school, action, "not_relevant", reason="Fælles indkøb med Skole B")
    assert response.status_code == 302
    assert Progress.objects.get(institution=school, action=action).reason == (
        "Fælles indkøb med Skole B"
    )


@pytest.mark.parametrize("status", ["", "finished", "<script>"])
def test_bad_status_is_refused_in_danish(
    client, strategy, institutions, leader_school_a, action, status
):
    client.force_login(leader_school_a)
    response = tick(client, institutions["school_a"], action, status)
    assert response.status_code == 400
    assert Progress.objects.get(institution=institutions["school_a"], action=action).version == 1


def test_leader_of_another_school_gets_404_and_nothing_changes(
    client, strategy, institutions, leader_school_a, action
):
    school_b = institutions["school_b"]
    client.force_login(leader_school_a)
    assert client.get(reverse("institution_progress", args=[school_b.pk])).status_code == 404
    assert tick(client, school_b, action, "done").status_code == 404
    assert Progress.objects.get(institution=school_b, action=action).status == "not_started"


def test_committee_reads_but_cannot_tick(client, strategy, institutions, committee_member, action):
    school = institutions["school_a"]
    client.force_login(committee_member)
    page = client.get(reverse("institution_progress", args=[school.pk])).content.decode()
    assert "kan ikke ændre" in page
    assert "progress-form" not in page
    assert tick(client, school, action, "done").status_code == 403
    assert Progress.objects.get(institution=school, action=action).status == "not_started"


def test_consultant_ticks_on_behalf_and_it_is_recorded(
    client, strategy, institutions, consultant, action
):
    client.force_login(consultant)
    tick(client, institutions["daycare"], action, "done")
    row = Progress.objects.get(institution=institutions["daycare"], action=action)
    assert (row.status, row.updated_by) == ("done", consultant)


def test_htmx_tap_gets_the_page_to_pick_the_row_and_bars_from(
    client, strategy, institutions, leader_school_a, action
):
    client.force_login(leader_school_a)
    response = tick(client, institutions["school_a"], action, "done", HX_Request="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="action-{action.pk}"' in page
    assert 'id="progress-summary"' in page
    assert f'id="domain-{action.goal.domain_id}-progress"' in page
    # Only the changed action, not the institution's whole page.
    assert page.count('<li id="action-') == 1
    assert "Udført" in page and len(page) < 10 * 1024


def test_user_text_is_shown_literally(client, strategy, institutions, leader_school_a, action):
    client.force_login(leader_school_a)
    tick(client, institutions["school_a"], action, "done", note="<img src=x onerror=alert(1)>")
    page = client.get(
        reverse("institution_progress", args=[institutions["school_a"].pk])
    ).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_query_count_is_the_same_with_10_and_100_actions(
    client, strategy, institutions, leader_school_a, actors
):
    school = institutions["school_a"]
    url = reverse("institution_progress", args=[school.pk])
    client.force_login(leader_school_a)
    few = count_queries(client, url)
    school_actions_added(actors, 85)
    assert Progress.objects.filter(institution=school).count() == 100
    assert count_queries(client, url) == few


def test_query_count_is_pinned(
    client, strategy, institutions, leader_school_a, django_assert_max_num_queries
):
    client.force_login(leader_school_a)
    # After a change, 5: the user (1), the leader's memberships with their institutions (1),
    # which answer for the institution, may-edit, the switcher and the role in the header;
    # the strategy (1), every row with its action, goal and domain (1), the indicators with
    # their latest values (1). The session comes from the cache.
    fragments.changed(*fragments.KINDS)
    with django_assert_max_num_queries(7):
        client.get(reverse("institution_progress", args=[institutions["school_a"].pk]))


def test_the_tick_query_count_is_pinned(
    client, strategy, institutions, leader_school_a, django_assert_max_num_queries
):
    from actions.models import Progress

    client.force_login(leader_school_a)
    school = institutions["school_a"]
    row = Progress.objects.filter(institution=school).order_by("pk").first()
    url = reverse("progress_update", args=[school.pk, row.action_id])
    # 10: the user (1), the leader's memberships (1), the row with its strategy (1), and in
    # one transaction: the row locked (1), the update and its history record (2), the
    # action's and the institution's tallies moved (2), with their savepoint (2).
    with django_assert_max_num_queries(10):
        response = client.post(url, {"status": "done", "version": "1", "reason": "", "note": ""})
    assert response.status_code == 302


def test_an_htmx_tap_says_what_was_saved_for_the_page_to_read_aloud(
    client, strategy, institutions, leader_school_a, action
):
    client.force_login(leader_school_a)
    school = institutions["school_a"]
    response = tick(client, school, action, "done", HX_Request="true")
    assert json.loads(response["HX-Trigger"]) == {"progress-saved": {"message": "Gemt: Udført."}}
    response = tick(client, school, action, "done", note="Købt ind", HX_Request="true")
    assert json.loads(response["HX-Trigger"]) == {"progress-saved": {"message": "Noten er gemt."}}
    refused = tick(client, school, action, "not_relevant", HX_Request="true")
    assert refused.status_code == 400
    assert "HX-Trigger" not in refused  # nothing was saved, so nothing is said to be


def test_the_filters_show_one_kind_of_row_and_ignore_what_they_do_not_know(
    client, strategy, institutions, leader_school_a, action
):
    client.force_login(leader_school_a)
    school = institutions["school_a"]
    tick(client, school, action, "in_progress")
    url = reverse("institution_progress", args=[school.pk])
    in_progress = client.get(url, {"vis": "i-gang"}).content.decode()
    assert in_progress.count('<li id="action-') == 1
    assert f'id="action-{action.pk}"' in in_progress
    everything = client.get(url).content.decode()
    rows = Progress.objects.filter(institution=school).count()
    assert everything.count('<li id="action-') == rows
    assert client.get(url, {"vis": "<script>"}).content.decode().count('<li id="action-') == rows
    done = client.get(url, {"vis": "udfoert"})
    assert "Ingen handlinger af denne slags." in done.content.decode()


def _part(html: str, element_id: str) -> str:
    """The text of the element with this id, its white space joined."""
    element = lxml.html.fromstring(html).get_element_by_id(element_id)
    return " ".join(element.text_content().split())


def test_an_htmx_tick_answers_with_its_row_and_the_counts_the_page_shows(
    client, strategy, institutions, leader_school_a, action, django_assert_max_num_queries
):
    client.force_login(leader_school_a)
    school = institutions["school_a"]
    tick(client, school, action, "in_progress")
    version = Progress.objects.get(institution=school, action=action).version
    # 13: the tick's 10 (test above), then the row with its action, goal and domain (1),
    # its domain's tally at the institution (1) and the institution's stored tally (1).
    with django_assert_max_num_queries(13):
        answer = tick(client, school, action, "done", version=version, HX_Request="true")
    answer = answer.content.decode()
    page = client.get(reverse("institution_progress", args=[school.pk])).content.decode()
    domain = action.goal.domain_id
    for part in ("progress-summary", f"domain-{domain}-progress", f"action-{action.pk}"):
        assert _part(answer, part) == _part(page, part)
    assert "1 af" in _part(answer, f"domain-{domain}-progress")
    assert answer.count('<li id="action-') == 1


def test_a_school_sees_all_its_actions_on_a_light_page(
    client, strategy, institutions, leader_school_a
):
    client.force_login(leader_school_a)
    school = institutions["school_a"]
    rows = Progress.objects.filter(institution=school).count()
    assert rows <= ROWS_AT_ONCE  # Mariagerfjord's schools have 15
    page = client.get(reverse("institution_progress", args=[school.pk])).content
    assert page.decode().count('<li id="action-') == rows
    assert len(page) < 60_000


def test_a_school_with_many_actions_opens_one_domain_at_a_time(
    client, strategy, institutions, leader_school_a, actors
):
    client.force_login(leader_school_a)
    school = institutions["school_a"]
    school_actions_added(actors, 30)
    rows = list(Progress.objects.filter(institution=school).select_related("action__goal"))
    assert len(rows) > ROWS_AT_ONCE
    url = reverse("institution_progress", args=[school.pk])
    page = client.get(url).content
    assert len(page) < 60_000  # a light page on a phone, whatever the number of actions
    page = page.decode()
    assert '<li id="action-' not in page
    by_domain: dict[int, list] = {}
    for row in rows:
        by_domain.setdefault(row.action.goal.domain_id, []).append(row)
    for domain, domain_rows in by_domain.items():
        assert f'href="?domaene={domain}#domain-{domain}"' in page
        count = len(domain_rows)
        label = "Vis handlingen" if count == 1 else f"Vis de {count} handlinger"
        assert label in visible_text(page)

    domain, domain_rows = next(iter(by_domain.items()))
    opened = client.get(url, {"domaene": domain}).content.decode()
    assert opened.count('<li id="action-') == len(domain_rows)
    # Without JavaScript a tick comes back to its row, with its domain open.
    row = domain_rows[-1]
    response = tick(client, school, row.action, "done")
    assert response.url.endswith(f"?domaene={domain}#action-{row.action_id}")
    assert f'<li id="action-{row.action_id}"' in client.get(response.url).content.decode()
    for nonsense in ("x<", "99999999999999999999", "-1"):
        answer = client.get(url, {"domaene": nonsense})
        assert answer.status_code == 200
        assert '<li id="action-' not in answer.content.decode()
