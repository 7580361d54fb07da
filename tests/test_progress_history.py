"""Each action's timeline at an institution, and the institution's recent changes."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Action
from institutions.models import Membership
from institutions.selectors import MUNICIPALITY_CACHE_KEY
from tests.conftest import count_queries, make_person, set_status, visible_text

TEXT = "prioritere økonomi til investering i læringsteknologier."


def test_timeline_says_who_when_and_old_to_new(client, strategy, institutions, leader_school_a):
    school = institutions["school_a"]
    action = Action.objects.get(text=TEXT)
    colleague = make_person(
        "kollega@example.org", "Kim Kollega", a=(school, Membership.Role.RESOURCE_PERSON)
    )
    set_status(school, action, "in_progress", leader_school_a, note="Budget sat af")
    set_status(school, action, "done", colleague, note="Robotter indkøbt")
    client.force_login(leader_school_a)
    page = client.get(reverse("progress_history", args=[school.pk, action.pk])).content.decode()
    page = page[page.index("<main") :]  # the header names the signed-in person too
    assert page.index("Kim Kollega") < page.index("Lise Leder")  # newest first
    assert "Status: I gang → Udført" in page
    assert "Status: Ikke startet → I gang" not in page  # the first change has no earlier record
    assert "Status: I gang" in page
    assert "Robotter indkøbt" in page and "Budget sat af" in page


def test_feed_lists_the_institutions_changes_only(
    client, strategy, institutions, leader_school_a, consultant
):
    school_a, school_b = institutions["school_a"], institutions["school_b"]
    first, second = Action.objects.filter(actors__code="skole").order_by("pk")[:2]
    set_status(school_a, first, "done", leader_school_a)
    set_status(school_a, second, "in_progress", leader_school_a)
    set_status(school_b, first, "done", consultant, note="Kun på Skole B")
    client.force_login(leader_school_a)
    page = client.get(reverse("institution_changes", args=[school_a.pk])).content.decode()
    assert page.index(second.text) < page.index(first.text)
    assert "Kun på Skole B" not in page


def test_another_schools_history_is_404(client, strategy, institutions, leader_school_a):
    school_b = institutions["school_b"]
    action = Action.objects.get(text=TEXT)
    client.force_login(leader_school_a)
    assert client.get(reverse("progress_history", args=[school_b.pk, action.pk])).status_code == 404
    assert client.get(reverse("institution_changes", args=[school_b.pk])).status_code == 404


def test_feed_query_count_does_not_grow_with_changes(
    client, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    actions = list(Action.objects.filter(actors__code="skole").order_by("pk"))
    client.force_login(leader_school_a)
    url = reverse("institution_changes", args=[school.pk])
    set_status(school, actions[0], "in_progress", leader_school_a)

    def count():
        cache.delete(MUNICIPALITY_CACHE_KEY)  # each count reads the header's name afresh
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    few = count()
    for action in actions:
        set_status(school, action, "in_progress", leader_school_a, note="a")
        set_status(school, action, "done", leader_school_a, note="b")
    assert count() == few


def test_a_timeline_seen_again_reads_only_who_asks_and_a_tick_there_shows_at_once(
    client, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    action = Action.objects.get(text=TEXT)
    client.force_login(leader_school_a)
    url = reverse("progress_history", args=[school.pk, action.pk])
    set_status(school, action, "in_progress", leader_school_a)
    assert "Nuværende status: I gang" in visible_text(client.get(url).content)
    # Kept: the session's person and their memberships (whether they may read it) only.
    assert count_queries(client, url, cached=True) == 2
    set_status(school, action, "done", leader_school_a)
    text = visible_text(client.get(url).content)
    assert "Nuværende status: Udført" in text and "Status: I gang → Udført" in text
    # An action that has no row at the school answers 404, however often it is asked for.
    daycare_only = Action.objects.exclude(actors__code="skole").first()
    elsewhere = reverse("progress_history", args=[school.pk, daycare_only.pk])
    assert [client.get(elsewhere).status_code for _look in range(2)] == [404, 404]
