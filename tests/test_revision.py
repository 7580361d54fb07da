"""The four-yearly revision on Mariagerfjord's strategy: start a draft, edit it, compare it
with the adopted version, adopt it, and look back at the archived version."""

import datetime as dt

import pytest
from django.urls import reverse

from actions.models import Action, Progress
from actions.revision import revision_compare, revision_start
from goals.models import Aim, Domain, Goal, Indicator, Principle, Strategy
from reports.models import Report
from reports.services import report_build
from tests.conftest import count_queries, visible_text
from tests.factories import rows_written
from tests.test_reports import pdf_text

FOCUS = "prioritere økonomi til investering i læringsteknologier."
GOAL = "I skolen skal børn og unge have adgang til en personlig enhed."


@pytest.fixture
def recorded(strategy, institutions, leader_school_a):
    """School A has finished the focus action and is under way with another; every other
    row of every institution is done, so only those two actions are unfinished somewhere."""
    school_a = institutions["school_a"]
    focus = Action.objects.get(text=FOCUS)
    under_way = (
        Progress.objects.filter(institution=school_a).exclude(action=focus).order_by("pk").first()
    )
    rows_written(Progress.objects.all(), status="done")
    rows_written(
        Progress.objects.filter(pk=under_way.pk),
        status="in_progress",
        note="Halvvejs",
        updated_by=leader_school_a,
    )
    rows_written(
        Progress.objects.filter(action=focus, institution=institutions["school_b"]),
        status="not_started",
    )
    return {"focus": focus, "under_way": under_way.action, "school_a": school_a}


def start(strategy, consultant):
    return revision_start(
        strategy=strategy,
        title="Pædagogisk IT-strategi 2027–2030",
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2030, 12, 31),
        by=consultant,
    )


def copy_of(model, original, draft):
    field = {
        Action: "goal__domain__strategy",
        Goal: "domain__strategy",
        Indicator: "goal__domain__strategy",
    }.get(model, "strategy")
    return model.objects.get(origin=original, **{field: draft})


def test_start_copies_every_item_linked_to_its_original(strategy, recorded, consultant):
    Indicator.objects.create(goal=recorded["focus"].goal, name="Enheder pr. elev")
    draft = start(strategy, consultant)

    assert (draft.status, draft.previous, draft.title) == (
        "draft",
        strategy,
        "Pædagogisk IT-strategi 2027–2030",
    )
    assert draft.purpose == strategy.purpose
    for model, field in [
        (Aim, "strategy"),
        (Principle, "strategy"),
        (Domain, "strategy"),
        (Goal, "domain__strategy"),
        (Action, "goal__domain__strategy"),
        (Indicator, "goal__domain__strategy"),
    ]:
        originals = model.objects.filter(**{field: strategy})
        copies = model.objects.filter(**{field: draft})
        assert originals.count() > 0
        assert copies.count() == originals.count(), model
        assert set(copies.values_list("origin", flat=True)) == set(
            originals.values_list("pk", flat=True)
        )
    # Sub-items sit under the copy of their parent, goals keep their principles.
    for child in Action.objects.filter(goal__domain__strategy=draft).exclude(parent=None):
        assert child.parent.origin_id == child.origin.parent_id
    goal = copy_of(Goal, recorded["focus"].goal, draft)
    assert {p.origin_id for p in goal.principles.all()} == set(
        recorded["focus"].goal.principles.values_list("pk", flat=True)
    )
    # Unfinished actions are continued with their progress; finished ones are not marked.
    continued = Action.objects.filter(goal__domain__strategy=draft).exclude(carry_over="")
    assert {action.origin for action in continued} == {recorded["focus"], recorded["under_way"]}
    assert set(continued.values_list("carry_over", flat=True)) == {"carry"}
    # The draft gets no progress rows: institutions keep working on the adopted version.
    assert not Progress.objects.filter(action__goal__domain__strategy=draft).exists()


def test_only_one_revision_at_a_time_and_only_of_the_adopted_version(
    client, strategy, recorded, consultant
):
    start(strategy, consultant)
    client.force_login(consultant)
    response = client.post(
        reverse("revision_start", args=[strategy.pk]),
        {"title": "Igen", "period_start": "2027-01-01", "period_end": "2030-12-31"},
    )
    assert response.status_code == 400
    assert "Revisionen af denne strategi er allerede startet." in visible_text(response.content)
    assert Strategy.objects.count() == 2

    response = client.post(
        reverse("revision_start", args=[strategy.pk]),
        {"title": "Baglæns", "period_start": "2030-01-01", "period_end": "2027-12-31"},
    )
    assert response.status_code == 400
    assert "Perioden skal slutte efter, at den begynder." in visible_text(response.content)


def test_start_edit_compare_adopt_on_the_mariagerfjord_strategy(
    client, strategy, recorded, consultant, leader_school_a, institutions
):
    client.force_login(consultant)
    response = client.post(
        reverse("revision_start", args=[strategy.pk]),
        {
            "title": "Pædagogisk IT-strategi 2027–2030",
            "period_start": "2027-01-01",
            "period_end": "2030-12-31",
        },
    )
    draft = Strategy.objects.get(status="draft")
    assert response.url == reverse("strategy_version", args=[draft.pk])
    focus, under_way = recorded["focus"], recorded["under_way"]
    focus_copy, under_way_copy = copy_of(Action, focus, draft), copy_of(Action, under_way, draft)

    # Edit the draft: a goal reworded, an action moved to another goal, one removed, one
    # added, and the progress of one continued action reset.
    goal = copy_of(Goal, focus.goal, draft)
    response = client.post(
        reverse("item_edit", args=["maal", goal.pk]),
        {"text": goal.text + " Også i fritiden.", "scope": "municipal"}
        | {"principles": list(goal.principles.values_list("pk", flat=True))}
        | {"version": goal.version},
    )
    assert response.status_code == 302
    other_goal = Goal.objects.filter(domain__strategy=draft).exclude(pk=goal.pk).first()
    moved = (
        Action.objects.filter(goal__domain__strategy=draft, parent=None, children=None)
        .exclude(goal=other_goal)
        .exclude(pk__in=[focus_copy.pk, under_way_copy.pk])
        .first()
    )
    response = client.post(
        reverse("item_edit", args=["handling", moved.pk]),
        {
            "text": moved.text,
            "goal": other_goal.pk,
            "actors": list(moved.actors.values_list("pk", flat=True)),
            "version": moved.version,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    removed = (
        Action.objects.filter(goal__domain__strategy=draft, parent=None, children=None)
        .exclude(pk__in=[focus_copy.pk, under_way_copy.pk, moved.pk])
        .first()
    )
    assert client.post(reverse("item_delete", args=["handling", removed.pk])).status_code == 302
    response = client.post(
        reverse("item_create", args=["handling", goal.pk]),
        {
            "text": "Alle elever får en kodeklub",
            "goal": goal.pk,
            "actors": [institutions["school_a"].actor_id],
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("action_carry_over", args=[under_way_copy.pk]), {"carry_over": "reset"}
    )
    assert response.status_code == 302

    # Meanwhile the leader keeps ticking the adopted version.
    leader = client.__class__()
    leader.force_login(leader_school_a)
    row = Progress.objects.get(action=focus, institution=institutions["school_b"])
    rows_written(Progress.objects.filter(pk=row.pk), status="in_progress", version=2)
    response = leader.post(
        reverse("progress_update", args=[institutions["school_a"].pk, focus.pk]),
        {"status": "done", "version": "1", "reason": "", "note": "Alle har en enhed"},
    )
    assert response.status_code == 302
    assert not Progress.objects.filter(action__goal__domain__strategy=draft).exists()

    # The comparison lists exactly what was done to the draft, its new title included.
    comparison = revision_compare(old=strategy, new=draft)
    found = sorted(
        (change.kind, change.added, change.removed, bool(change.texts), change.moved)
        for section in comparison.sections
        for change in section.changes
    )
    assert found == sorted(
        [
            ("Strategi", False, False, True, False),
            ("Mål", False, False, True, False),
            ("Handling", False, False, False, True),
            ("Handling", False, True, False, False),
            ("Handling", True, False, False, False),
        ]
    )
    (reworded,) = [c for s in comparison.sections for c in s.changes if c.kind == "Mål"]
    assert [(t.old, t.new) for t in reworded.texts] == [
        (focus.goal.text, Goal.objects.get(pk=goal.pk).text)
    ]
    page = visible_text(client.get(reverse("strategy_compare", args=[draft.pk])).content)
    assert "5 ændringer i forhold til" in page
    assert "Alle elever får en kodeklub" in page
    assert "Flyttet fra" in page

    # Adopt: the committee's decision is recorded and the draft comes into force.
    response = client.post(
        reverse("strategy_adopt", args=[draft.pk]),
        {
            "decided_on": "2026-11-20",
            "meeting": "Børne- og Familieudvalget",
            "reference": "27.00.00",
        },
    )
    assert response.status_code == 302
    strategy.refresh_from_db()
    draft.refresh_from_db()
    assert (strategy.status, draft.status) == ("archived", "adopted")
    assert (draft.approved_on, draft.decision_meeting, draft.decision_reference) == (
        dt.date(2026, 11, 20),
        "Børne- og Familieudvalget",
        "27.00.00",
    )
    assert client.get(reverse("strategy")).context["strategy"] == draft

    # Every institution has its rows; carried-over ones keep their status, reset ones start over.
    new_rows = Progress.objects.filter(action__goal__domain__strategy=draft)
    expected_rows = sum(
        sum(action.actors.filter(pk=i.actor_id).exists() for i in institutions.values())
        for action in Action.objects.filter(goal__domain__strategy=draft, archived_at=None)
    )
    assert new_rows.count() == expected_rows
    carried = new_rows.get(action=focus_copy, institution=institutions["school_a"])
    assert (carried.status, carried.note) == ("done", "Alle har en enhed")
    assert new_rows.get(action=focus_copy, institution=institutions["school_b"]).status == (
        "in_progress"
    )
    reset = new_rows.get(action=under_way_copy, institution=institutions["school_a"])
    assert (reset.status, reset.note) == ("not_started", "")
    assert (
        new_rows.get(
            action__text="Alle elever får en kodeklub", institution=institutions["school_a"]
        ).status
        == "not_started"
    )
    # A finished action copied without being continued starts over too.
    assert not new_rows.filter(action__carry_over="").exclude(status="not_started").exists()
    # The old version keeps its own rows as they were.
    assert Progress.objects.get(action=focus, institution=institutions["school_a"]).status == "done"


@pytest.fixture
def adopted(client, strategy, recorded, consultant):
    draft = start(strategy, consultant)
    client.force_login(consultant)
    client.post(
        reverse("strategy_adopt", args=[draft.pk]),
        {"decided_on": "2026-11-20", "meeting": "Børne- og Familieudvalget"},
    )
    client.logout()
    strategy.refresh_from_db()
    return strategy, Strategy.objects.get(pk=draft.pk)


def test_the_archived_version_is_read_only(client, adopted, consultant, leader_school_a, recorded):
    old, _new = adopted
    goal = recorded["focus"].goal
    before = (
        list(Goal.objects.filter(domain__strategy=old).values()),
        list(Action.objects.filter(goal__domain__strategy=old).values()),
        list(Progress.objects.filter(action__goal__domain__strategy=old).values()),
    )
    client.force_login(consultant)
    edits = [
        (reverse("item_edit", args=["maal", goal.pk]), {"text": "Nyt", "version": goal.version}),
        (reverse("item_create", args=["handling", goal.pk]), {"text": "Ny"}),
        (reverse("item_move", args=["maal", goal.pk]), {"retning": "ned"}),
        (reverse("item_delete", args=["handling", recorded["focus"].pk]), {}),
        (reverse("item_history", args=["maal", goal.pk]), {"history_id": 1, "version": 1}),
        (reverse("revision_start", args=[old.pk]), {"title": "Igen"}),
    ]
    for url, data in edits:
        response = client.post(url, data)
        assert response.status_code in (403, 404), url
    response = client.post(edits[0][0], edits[0][1])
    assert "Denne version er arkiveret og kan ikke længere ændres." in response.content.decode()
    client.force_login(leader_school_a)
    response = client.post(
        reverse("progress_update", args=[recorded["school_a"].pk, recorded["under_way"].pk]),
        {"status": "done", "version": "1", "reason": "", "note": ""},
    )
    assert response.status_code == 403
    after = (
        list(Goal.objects.filter(domain__strategy=old).values()),
        list(Action.objects.filter(goal__domain__strategy=old).values()),
        list(Progress.objects.filter(action__goal__domain__strategy=old).values()),
    )
    assert after == before


def test_looking_back_at_an_archived_version(
    client, adopted, consultant, committee_member, recorded
):
    old, new = adopted
    Report.objects.create(kind="status", strategy=old, status="done", page_count=3)
    client.force_login(consultant)
    page = visible_text(client.get(reverse("strategy_version", args=[old.pk])).content)
    assert "Arkiveret version" in page
    assert "Rediger" not in page
    client.force_login(committee_member)
    page = visible_text(client.get(reverse("strategy_version", args=[old.pk])).content)
    assert "Statusrapport" in page
    versions = visible_text(client.get(reverse("strategy_versions")).content)
    assert old.title in versions and new.title in versions
    response = client.get(reverse("strategy_dashboard", args=[old.pk]))
    assert response.status_code == 200
    assert "Denne version er arkiveret" in visible_text(response.content)
    # The old version's numbers, not the new one's: school A finished the focus action there.
    assert (
        response.context["matrix"].total.done
        == Progress.objects.filter(
            action__goal__domain__strategy=old, status="done", institution__is_active=True
        ).count()
    )


def test_leaders_see_what_changed_for_them_after_adoption(
    client, adopted, leader_school_a, recorded
):
    _old, new = adopted
    client.force_login(leader_school_a)
    response = client.get(reverse("institution_progress", args=[recorded["school_a"].pk]))
    page = visible_text(response.content)
    assert f"{new.title} gælder nu" in page
    carried = Action.objects.filter(
        goal__domain__strategy=new, actors=recorded["school_a"].actor_id, carry_over="carry"
    ).count()
    assert carried > 0
    assert f"{carried} handlinger videreføres med den status, I havde registreret." in page or (
        f"{carried} handling videreføres med den status, I havde registreret." in page
    )


def test_leaders_cannot_see_the_draft_but_consultants_and_the_committee_can(
    client, strategy, recorded, consultant, leader_school_a, committee_member
):
    draft = start(strategy, consultant)
    pages = [
        reverse("strategy_version", args=[draft.pk]),
        reverse("strategy_compare", args=[draft.pk]),
    ]
    client.force_login(leader_school_a)
    for url in pages:
        assert client.get(url).status_code == 404
    assert draft.title not in client.get(reverse("strategy_versions")).content.decode()
    for person in (consultant, committee_member):
        client.force_login(person)
        for url in pages:
            assert client.get(url).status_code == 200
        assert draft.title in client.get(reverse("strategy_versions")).content.decode()
    page = visible_text(client.get(pages[0]).content)
    assert "Udkast til næste version" in page


def test_the_revision_report_has_the_drafts_changes(
    settings, tmp_path, strategy, recorded, consultant, committee_member
):
    settings.MEDIA_ROOT = tmp_path
    draft = start(strategy, consultant)
    goal = copy_of(Goal, recorded["focus"].goal, draft)
    goal.text = "I skolen skal alle børn have adgang til en bærbar."
    goal.save()
    report = Report.objects.create(
        kind="revision", strategy=strategy, parameters={"recommendations": ""}
    )
    report_build(report_id=report.pk)
    report.refresh_from_db()
    text = pdf_text(report.file.read())
    assert "Ændringer i udkastet til næste version" in text
    assert "bærbar" in text
    assert draft.title in text
    # The appendix: one table of every institution, in all and per domain.
    assert "Udførte handlinger ud af dem, der tæller, pr. institution" in text
    assert "Skole A" in text and "Dagtilbud A" in text


def test_a_continued_actions_choice_is_only_for_drafts(client, strategy, recorded, consultant):
    client.force_login(consultant)
    response = client.post(
        reverse("action_carry_over", args=[recorded["focus"].pk]), {"carry_over": "reset"}
    )
    assert response.status_code == 400
    draft = start(strategy, consultant)
    copy = copy_of(Action, recorded["focus"], draft)
    response = client.post(reverse("action_carry_over", args=[copy.pk]), {"carry_over": "x"})
    assert response.status_code == 400
    copy.refresh_from_db()
    assert copy.carry_over == "carry"


def test_revision_pages_run_the_same_queries_however_much_changed(
    client, strategy, recorded, consultant
):
    draft = start(strategy, consultant)
    client.force_login(consultant)
    pages = [
        reverse("strategy_versions"),
        reverse("strategy_compare", args=[draft.pk]),
        reverse("strategy_adopt", args=[draft.pk]),
        reverse("strategy_version", args=[draft.pk]),
        reverse("revision_start", args=[strategy.pk]),
    ]
    for url in pages:
        count_queries(client, url)  # the first request fills per-process caches
    few = [count_queries(client, url) for url in pages]
    goal = Goal.objects.filter(domain__strategy=draft).first()
    for n in range(20):
        action = Action.objects.create(goal=goal, text=f"Ny handling {n}", order=90 + n)
        action.actors.set(recorded["focus"].actors.all())
    Goal.objects.filter(domain__strategy=draft).update(text="Omskrevet mål")
    assert [count_queries(client, url) for url in pages] == few
    assert max(few) <= 14


def test_an_archived_versions_overview_runs_the_same_queries_as_the_current_one(
    client, adopted, committee_member
):
    old, _new = adopted
    client.force_login(committee_member)
    count_queries(client, reverse("dashboard"))
    count_queries(client, reverse("strategy_dashboard", args=[old.pk]))
    current = count_queries(client, reverse("dashboard"))
    # The archived one reads its version through the access check: one query more at most.
    assert count_queries(client, reverse("strategy_dashboard", args=[old.pk])) <= current + 1
