"""Consultants edit the strategy in the browser: in place, with history, and no lost edits."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from actions.models import Action, Progress
from goals.models import Domain, Goal, Strategy
from institutions.models import Actor
from tests.conftest import set_status, visible_text

FOCUS = "prioritere økonomi til investering i læringsteknologier."


@pytest.fixture
def action(strategy):
    return Action.objects.get(text=FOCUS)


def action_data(action, **changes):
    data = {
        "text": action.text,
        "goal": action.goal_id,
        "actors": [actor.pk for actor in action.actors.all()],
        "parent": action.parent_id or "",
        "responsible": action.responsible,
        "deadline": action.deadline.isoformat() if action.deadline else "",
        "deadline_label": action.deadline_label,
        "budget": action.budget if action.budget is not None else "",
        "version": action.version,
    }
    return data | changes


def edit(client, slug, pk, data):
    return client.post(reverse("item_edit", args=[slug, pk]), data)


def test_consultant_edits_an_action_and_its_actors(
    client, strategy, institutions, consultant, action
):
    client.force_login(consultant)
    daycare = Actor.objects.get(code="dagtilbud")
    response = edit(
        client,
        "handling",
        action.pk,
        action_data(
            action,
            text="prioritere økonomi til læringsteknologier i alle årgange.",
            actors=[actor.pk for actor in action.actors.all()] + [daycare.pk],
            budget="160.000",
            deadline_label="Efteråret 2026",
        ),
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#action-{action.pk}")
    action.refresh_from_db()
    assert action.text == "prioritere økonomi til læringsteknologier i alle årgange."
    assert (action.budget, action.version, action.deadline_label) == (160_000, 2, "Efteråret 2026")
    # The daycare institution now has its own row for the action.
    assert Progress.objects.filter(action=action, institution=institutions["daycare"]).exists()
    assert action.history.latest().history_user == consultant


def test_consultant_builds_a_domain_goal_and_action_from_nothing(
    client, strategy, institutions, consultant
):
    client.force_login(consultant)
    response = client.post(
        reverse("item_create", args=["domaene", strategy.pk]),
        {"name": "Dataetik", "introduction": "Børn skal forstå data."},
    )
    assert response.status_code == 302
    domain = Domain.objects.get(name="Dataetik")
    assert domain.order > max(
        strategy.domains.exclude(pk=domain.pk).values_list("order", flat=True)
    )
    client.post(
        reverse("item_create", args=["maal", domain.pk]),
        {"text": "Alle børn kender deres digitale spor.", "scope": "municipal"},
    )
    goal = Goal.objects.get(domain=domain)
    school = Actor.objects.get(code="skole")
    client.post(
        reverse("item_create", args=["handling", goal.pk]),
        {"text": "afholde forløb om data i 7. klasse.", "goal": goal.pk, "actors": [school.pk]},
    )
    new_action = Action.objects.get(goal=goal)
    assert Progress.objects.filter(action=new_action).count() == 2  # schools A and B
    page = visible_text(client.get(reverse("strategy")).content)
    assert "Dataetik" in page and "Alle børn kender deres digitale spor." in page
    assert "afholde forløb om data i 7. klasse." in page


def test_moving_an_action_up_and_down(client, strategy, institutions, consultant):
    client.force_login(consultant)
    goal = Action.objects.get(text=FOCUS).goal
    siblings = list(Action.objects.filter(goal=goal, parent=None).order_by("order", "pk"))
    second = siblings[1]
    url = reverse("item_move", args=["handling", second.pk])

    def order():
        return list(Action.objects.filter(goal=goal, parent=None).order_by("order", "pk"))

    client.post(url, {"retning": "op"})
    assert order().index(second) == 0
    client.post(url, {"retning": "ned"})
    assert order().index(second) == 1
    assert client.post(url, {"retning": "sidelæns"}).status_code == 400


@pytest.mark.parametrize("slug", ["maal", "handling"])
def test_two_stale_forms_first_wins_second_sees_both_texts(
    client, strategy, institutions, consultant, action, slug
):
    item = action if slug == "handling" else action.goal
    if slug == "handling":
        first = action_data(action, text="Første konsulents tekst.")
        second = action_data(action, text="Anden konsulents tekst.")
    else:
        base = {"text": item.text, "scope": item.scope, "version": item.version}
        first, second = (
            base | {"text": "Første konsulents mål."},
            base | {"text": "Anden konsulents mål."},
        )
    before = item.history.count()
    client.force_login(consultant)
    assert edit(client, slug, item.pk, first).status_code == 302
    response = edit(client, slug, item.pk, second)
    assert response.status_code == 409
    page = visible_text(response.content)
    assert "En anden har gemt dette, mens du redigerede" in page
    assert first["text"] in page and second["text"] in page  # side by side
    item.refresh_from_db()
    assert item.text == first["text"]
    assert item.history.count() == before + 1
    # Saving again from the conflict page is a conscious choice, and it goes through.
    merged = second | {"text": "Fælles tekst.", "version": item.version}
    assert edit(client, slug, item.pk, merged).status_code == 302
    item.refresh_from_db()
    assert item.text == "Fælles tekst."


def test_the_in_place_form_is_the_edit_pages_own_part(
    client, strategy, institutions, consultant, action
):
    """htmx gets the form alone, the same markup the page has, and a stale save shows both texts."""
    client.force_login(consultant)
    url = reverse("item_edit", args=["handling", action.pk])
    page = client.get(url).content.decode()
    part = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in part and part.lstrip().startswith(f'<div id="item-handling-{action.pk}"')
    assert visible_text(part) in visible_text(page)
    assert (
        edit(client, "handling", action.pk, action_data(action, text="Ny tekst.")).status_code
        == 302
    )
    stale = action_data(action, text="Gammel formulars tekst.")
    response = client.post(url, stale, headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "<html" not in response.content.decode()
    assert "Ny tekst." in visible_text(response.content)


def test_text_is_shown_as_text(client, strategy, institutions, consultant, action):
    client.force_login(consultant)
    hostile = 'prioritere <script>alert("x")</script> og <img src=x onerror=alert(1)>'
    edit(client, "handling", action.pk, action_data(action, text=hostile))
    html = client.get(reverse("strategy")).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": "   "}, "Dette felt er påkrævet."),
        ({"budget": "-5.000"}, "Denne værdi skal være større end eller lig 0."),
        ({"actors": []}, "Vælg, hvem der udfører handlingen."),
        ({"deadline": "31-02-2026"}, "Indtast en gyldig dato."),
        ({"text": "x" * 2_001}, "Denne værdi må højst have 2000 tegn (den har 2001)."),
    ],
)
def test_bad_action_edits_are_refused_in_danish(
    client, strategy, institutions, consultant, action, changes, message
):
    client.force_login(consultant)
    response = edit(client, "handling", action.pk, action_data(action, **changes))
    assert response.status_code == 400
    assert message in visible_text(response.content)
    action.refresh_from_db()
    assert (action.text, action.version) == (FOCUS, 1)


def test_a_sub_item_must_belong_to_its_parents_goal(client, strategy, consultant, action):
    other_goal_parent = Action.objects.filter(parent=None).exclude(goal=action.goal).first()
    client.force_login(consultant)
    response = edit(client, "handling", action.pk, action_data(action, parent=other_goal_parent.pk))
    assert response.status_code == 400
    assert "Et underpunkt skal høre til samme mål som sit overpunkt." in visible_text(
        response.content
    )


def test_a_deadline_outside_the_period_is_a_warning_not_an_error(
    client, strategy, consultant, action
):
    strategy.period_start, strategy.period_end = dt.date(2023, 1, 1), dt.date(2026, 12, 31)
    strategy.save()
    client.force_login(consultant)
    response = edit(client, "handling", action.pk, action_data(action, deadline="2028-06-30"))
    assert response.status_code == 302
    page = visible_text(client.get(response.url).content)
    assert "Fristen 30. juni 2028 ligger uden for strategiens periode." in page


def test_deleting_an_action_with_progress_asks_first_and_keeps_history(
    client, strategy, institutions, consultant, action
):
    set_status(institutions["school_a"], action, "done", consultant)
    set_status(institutions["school_b"], action, "not_relevant", consultant, reason="Centralt")
    client.force_login(consultant)
    url = reverse("item_delete", args=["handling", action.pk])
    page = visible_text(client.get(url).content)
    assert (
        "2 statusser, institutionerne har registreret (i gang, udført eller ikke relevant)" in page
    )
    assert "Arkivér" in page  # recommended, as the institutions' work would be lost
    assert Action.objects.filter(pk=action.pk).exists()
    assert client.post(url).status_code == 302
    assert not Action.objects.filter(pk=action.pk).exists()
    assert Action.history.filter(id=action.pk, history_type="-").get().history_user == consultant


def test_history_shows_old_to_new_and_restores_an_earlier_version(
    client, strategy, consultant, action
):
    client.force_login(consultant)
    edit(client, "handling", action.pk, action_data(action, text="prioritere penge til robotter."))
    url = reverse("item_history", args=["handling", action.pk])
    html = client.get(url).content.decode()
    assert "prioritere <del>økonomi</del> <ins>penge</ins> til" in html
    assert "<del>investering i læringsteknologier.</del> <ins>robotter.</ins>" in html
    action.refresh_from_db()
    first = action.history.order_by("history_date").first()
    response = client.post(url, {"history_id": first.history_id, "version": action.version})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.text, action.version) == (FOCUS, 3)
    assert action.history.latest().history_change_reason.startswith("Gendannede versionen fra")


def test_consultant_adds_an_indicator_to_a_goal(client, strategy, institutions, consultant, action):
    client.force_login(consultant)
    school = Actor.objects.get(code="skole")
    response = client.post(
        reverse("item_create", args=["indikator", action.goal_id]),
        {
            "name": "Enheder pr. elev",
            "unit": "stk.",
            "baseline": "0,5",
            "target": "1",
            "deadline": "2026-12-31",
            "actors": [school.pk],
        },
    )
    assert response.status_code == 302
    indicator = action.goal.indicators.get()
    assert (str(indicator.baseline), indicator.unit) == ("0.50", "stk.")
    page = visible_text(client.get(reverse("strategy")).content)
    assert "Indikator: Enheder pr. elev (målværdi 1 stk.)" in page


def test_a_consultant_builds_a_strategy_from_nothing_in_the_browser(
    client, actors, institutions, consultant
):
    client.force_login(consultant)
    response = client.get(reverse("strategy"))
    assert response.status_code == 404
    assert "Opret strategien" in visible_text(response.content)
    response = client.post(
        reverse("strategy_create"),
        {
            "title": "Det gode digitale liv",
            "municipality_name": "Mariagerfjord Kommune",
            "period_start": "2027-01-01",
            "period_end": "2030-12-31",
        },
    )
    assert response.status_code == 302
    strategy = Strategy.objects.get()
    assert strategy.status == "adopted"

    def create(slug, parent, data):
        response = client.post(reverse("item_create", args=[slug, parent.pk]), data)
        assert response.status_code == 302, visible_text(response.content)

    create("formaal", strategy, {"text": "At børn og unge bliver kompetente."})
    create("pejlemaerke", strategy, {"text": "Alle børn skal have lige muligheder."})
    create("domaene", strategy, {"name": "Infrastruktur", "introduction": ""})
    domain = strategy.domains.get()
    principle = strategy.principles.get()
    create(
        "maal",
        domain,
        {"text": "Aula benyttes.", "scope": "municipal", "principles": [principle.pk]},
    )
    goal = domain.goals.get()
    create(
        "handling",
        goal,
        {"text": "udarbejde en handleplan.", "goal": goal.pk, "actors": [actors["forvaltning"].pk]},
    )
    create("indikator", goal, {"name": "Enheder", "actors": [actors["skole"].pk]})
    edit(
        client,
        "strategi",
        strategy.pk,
        {
            "title": strategy.title,
            "municipality_name": strategy.municipality_name,
            "purpose": "Formålet med strategien.",
            "period_start": "2027-01-01",
            "period_end": "2030-12-31",
            "revision_interval_years": 4,
            "version": 1,
        },
    )
    page = visible_text(client.get(reverse("strategy")).content)
    for text in [
        "Det gode digitale liv",
        "Formålet med strategien.",
        "At børn og unge bliver kompetente.",
        "Alle børn skal have lige muligheder.",
        "Infrastruktur",
        "Aula benyttes.",
        "udarbejde en handleplan.",
        "Indikator: Enheder",
    ]:
        assert text in page
    assert goal.principles.get() == principle
    assert Progress.objects.filter(action__goal=goal, institution=institutions["administration"])


def test_an_action_with_progress_is_archived_rather_than_deleted(
    client, strategy, institutions, consultant, leader_school_a, action
):
    school = institutions["school_a"]
    set_status(school, action, "done", leader_school_a)
    client.force_login(consultant)
    url = reverse("item_delete", args=["handling", action.pk])
    page = visible_text(client.get(url).content)
    assert "Vi anbefaler at arkivere den" in page
    assert client.post(url, {"archive": "1"}).status_code == 302
    action.refresh_from_db()
    assert action.archived_at is not None
    assert Progress.objects.filter(action=action, institution=school, status="done").exists()
    assert FOCUS not in visible_text(client.get(reverse("strategy")).content)
    matrix = client.get(reverse("dashboard")).context["matrix"]
    assert matrix.total.done == 0  # the archived action's progress no longer counts
    client.force_login(leader_school_a)
    mine = visible_text(client.get(reverse("institution_progress", args=[school.pk])).content)
    assert FOCUS not in mine
    assert "0 af 14 handlinger udført" in mine


def test_the_action_form_names_its_fields_in_danish(
    client, strategy, institutions, consultant, action
):
    client.force_login(consultant)
    page = client.get(reverse("item_edit", args=["handling", action.pk]))
    labels = [
        visible_text(label)
        for label in re.findall(r"<label[^>]*>.*?</label>", page.content.decode(), re.S)
    ]
    assert "Mål" in labels
    assert not {"Goal", "Actors", "Parent", "Deadline"} & set(labels)
