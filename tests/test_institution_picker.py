"""Choosing institutions in a municipality with thousands of them: the people and action
forms show the institutions chosen and a search on the server, never a box for every one."""

import re

import pytest
from django.urls import reverse

from actions.models import Action
from institutions.models import Membership, User
from tests.conftest import count_queries, make_institutions, make_person, visible_text


def picked(html: str, kind: str, name: str) -> list[str]:
    """The values of a picker's boxes or radio buttons in a page, chosen ones starred."""
    found = re.findall(
        rf'<input class="form-{kind}"\s+type="{kind}"\s+name="{name}"'
        r'\s+value="(\d+)"[^>]*?(checked)?>',
        html,
    )
    return [value + ("*" if checked else "") for value, checked in found]


def boxes(html: str) -> list[str]:
    """The institution boxes of the people and action forms."""
    return picked(html, "checkbox", "institutions")


def radios(html: str) -> list[str]:
    """The radio buttons for the import page's one institution."""
    return picked(html, "radio", "institution")


@pytest.fixture
def many(actors):
    return make_institutions(actors, schools=40, daycare=40, prefix="Mange ")


def test_the_person_form_lists_only_the_chosen_institutions(client, consultant, many):
    person = make_person("lene@example.org", "Lene Leder", a=(many[3], Membership.Role.LEADER))
    client.force_login(consultant)
    page = client.get(reverse("person_edit", args=[person.pk])).content.decode()
    assert boxes(page) == [f"{many[3].pk}*"]
    assert 'name="institution_search"' in page
    assert boxes(client.get(reverse("person_create")).content.decode()) == []


def test_the_search_keeps_the_ticked_and_offers_at_most_25(client, consultant, many):
    client.force_login(consultant)
    ticked = many[0]
    response = client.get(
        reverse("institution_choices"),
        {"felt": "institutions", "institution_search": "Mange", "institutions": [ticked.pk]},
    )
    assert response.status_code == 200
    found = boxes(response.content.decode())
    assert found[0] == f"{ticked.pk}*" and len(found) == 26
    assert "80 institutioner passer" in visible_text(response.content)
    narrow = client.get(
        reverse("institution_choices"),
        {"felt": "institutions", "institution_search": many[41].name},
    )
    assert boxes(narrow.content.decode()) == [str(many[41].pk)]


def test_bad_field_name_is_refused(client, consultant):
    client.force_login(consultant)
    response = client.get(reverse("institution_choices"), {"felt": "<script>"})
    assert response.status_code == 400


def test_find_without_javascript_shows_matches_and_saves_nothing(client, consultant, many):
    client.force_login(consultant)
    form = {
        "email": "ny@example.org",
        "first_name": "Ny",
        "last_name": "Person",
        "role": User.Role.STAFF,
        "institution_search": many[41].name,
        "find": "1",
    }
    response = client.post(reverse("person_create"), form)
    assert response.status_code == 200
    assert boxes(response.content.decode()) == [str(many[41].pk)]
    assert not User.objects.filter(email="ny@example.org").exists()

    # Ticked and saved (no "Find"): the person works there.
    del form["find"]
    saved = client.post(
        reverse("person_create"),
        {**form, "institutions": [many[41].pk], "membership_role": Membership.Role.LEADER},
    )
    assert saved.status_code == 302
    assert Membership.objects.get(user__email="ny@example.org").institution == many[41]


@pytest.mark.parametrize("schools", [10, 200])
def test_the_person_forms_queries_do_not_grow_with_the_institutions(
    client, consultant, actors, schools
):
    made = make_institutions(actors, schools=schools, daycare=schools, prefix="Mange ")
    person = make_person("lene@example.org", "Lene Leder", a=(made[1], Membership.Role.LEADER))
    client.force_login(consultant)
    url = reverse("person_edit", args=[person.pk])
    assert count_queries(client, url) == PERSON_FORM_QUERIES
    assert len(client.get(url).content) < 40 * 1024


# The same at 21 and at 401 institutions: none of them is read but those chosen.
PERSON_FORM_QUERIES = 7


def test_a_small_municipality_sees_all_its_institutions(client, consultant, institutions):
    client.force_login(consultant)
    page = client.get(reverse("person_create")).content.decode()
    assert sorted(boxes(page)) == sorted(str(one.pk) for one in institutions.values())


def test_the_action_form_finds_named_institutions(client, consultant, strategy, institutions, many):
    action = Action.objects.filter(actors__code="skole").first()
    client.force_login(consultant)
    url = reverse("item_edit", args=["handling", action.pk])
    page = client.get(url).content.decode()
    assert boxes(page) == []
    data = {
        "text": action.text,
        "goal": action.goal_id,
        "actors": list(action.actors.values_list("pk", flat=True)),
        "version": action.version,
        "institution_search": "Skole A",
        "find": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert boxes(response.content.decode()) == [str(institutions["school_a"].pk)]
    action.refresh_from_db()
    assert not action.institutions.exists()


@pytest.mark.parametrize("schools", [10, 200])
def test_the_import_page_chooses_one_institution_by_a_search(client, consultant, actors, schools):
    made = make_institutions(actors, schools=schools, daycare=schools, prefix="Mange ")
    client.force_login(consultant)
    url = reverse("spreadsheet_import")
    assert count_queries(client, url) == IMPORT_PAGE_QUERIES
    page = client.get(url).content.decode()
    # A small municipality sees all its institutions to choose from; a large one, a search.
    assert len(page) < 40 * 1024
    assert len(radios(page)) == (len(made) if len(made) <= 25 else 0)
    assert "Søg på navn eller område, og vælg én." in visible_text(page)

    # Without JavaScript: "Find" shows the matches as radio buttons and imports nothing.
    found = client.post(url, {"kind": "status", "institution_search": made[5].name, "find": "1"})
    assert found.status_code == 200
    matches = radios(found.content.decode())
    assert str(made[5].pk) in matches and len(matches) <= 25
    # With it: the search answers radio buttons, the one chosen first.
    answer = client.get(
        reverse("institution_choices"),
        {
            "felt": "institution",
            "type": "radio",
            "institution": made[7].pk,
            "institution_search": "Mange",
        },
    )
    chosen = radios(answer.content.decode())
    assert chosen[0] == f"{made[7].pk}*" and len(chosen) == min(len(made), 26)


# The same at 21 and at 401 institutions: none of them is read for the page.
IMPORT_PAGE_QUERIES = 5
