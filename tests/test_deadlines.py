"""Deadlines in words are dates too: "efteråret 2026" keeps its words and means the last day of
the period, in the form, the spreadsheet and the overdue flags; words that cannot be read are
refused in Danish, never stored silently."""

import datetime as dt

import pytest
from django.urls import reverse

from actions.forms import ActionForm
from actions.models import Action
from core.danish import deadline_text, parse_deadline
from tests.conftest import visible_text
from tests.test_spreadsheets import csv_upload, preview


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("Efteråret 2026", dt.date(2026, 11, 30)),
        ("foråret 2026", dt.date(2026, 5, 31)),
        ("sommeren 2027", dt.date(2027, 8, 31)),
        ("primo 2027", dt.date(2027, 3, 31)),
        ("medio 2027", dt.date(2027, 6, 30)),
        ("ultimo 2027", dt.date(2027, 12, 31)),
        ("inden udgangen af 2027", dt.date(2027, 12, 31)),
        ("1. kvartal 2027", dt.date(2027, 3, 31)),
        ("4. kvartal 2026", dt.date(2026, 12, 31)),
        ("K2 2027", dt.date(2027, 6, 30)),
        ("uge 36 2026", dt.date(2026, 9, 6)),
        ("uge 1, 2027", dt.date(2027, 1, 10)),
        ("2026", dt.date(2026, 12, 31)),
        ("senest marts 2027", dt.date(2027, 3, 31)),
        ("februar 2028", dt.date(2028, 2, 29)),
        ("2. halvår 2026", dt.date(2026, 12, 31)),
        ("skoleåret 2026/27", dt.date(2027, 6, 30)),
        ("  Efteråret   2026. ", dt.date(2026, 11, 30)),
    ],
)
def test_words_mean_the_last_day_of_the_period_they_name(written, day):
    assert parse_deadline(written) == (day, written.strip())


def test_dates_stay_dates_and_empty_is_no_deadline():
    assert parse_deadline("31-12-2026") == (dt.date(2026, 12, 31), "")
    assert parse_deadline("2026-12-31") == (dt.date(2026, 12, 31), "")
    assert parse_deadline("") == (None, "")


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("snart", "“snart” kan ikke læses som en frist."),
        ("efteråret", "“efteråret” kan ikke læses som en frist."),
        ("uge 54 2026", "Uge 54 findes ikke."),
        ("32-12-2026", "“32-12-2026” kan ikke læses som en frist."),
    ],
)
def test_unreadable_words_are_refused_in_danish(written, message):
    with pytest.raises(ValueError, match=message):
        parse_deadline(written)


def test_a_deadline_is_shown_as_its_words_with_its_date():
    assert deadline_text(dt.date(2026, 11, 30), "efteråret 2026") == (
        "efteråret 2026 (30. november 2026)"
    )
    assert deadline_text(dt.date(2026, 12, 31)) == "31. december 2026"
    assert deadline_text(None) == ""


def _form(strategy, action, **changes):
    data = {
        "text": action.text,
        "goal": action.goal_id,
        "actors": [actor.pk for actor in action.actors.all()],
        "parent": "",
        "responsible": "",
        "deadline": "",
        "deadline_label": "",
        "budget": "",
        "version": action.version,
    } | changes
    return ActionForm(data=data, instance=action, strategy=strategy)


def test_the_action_form_sets_the_date_from_the_words_and_refuses_what_it_cannot_read(strategy):
    action = Action.objects.filter(goal__domain__strategy=strategy, parent=None).first()
    form = _form(strategy, action, deadline_label="efteråret 2026")
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["deadline"], form.cleaned_data["deadline_label"]) == (
        dt.date(2026, 11, 30),
        "efteråret 2026",
    )
    # A date typed as words is a date.
    form = _form(strategy, action, deadline_label="31-12-2026")
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["deadline"], form.cleaned_data["deadline_label"]) == (
        dt.date(2026, 12, 31),
        "",
    )
    form = _form(strategy, action, deadline_label="når vi når det")
    assert not form.is_valid()
    assert form.errors["deadline_label"] == [
        "“når vi når det” kan ikke læses som en frist. Skriv en dato (31-12-2026) eller fx "
        "“efteråret 2026”, “primo 2027”, “1. kvartal 2027”, “uge 36 2026” eller “2026”."
    ]


HEADINGS = ["Domæne", "Mål", "Målniveau", "Handling", "Overpunkt", "Aktør", "Frist"]


def test_an_imported_deadline_in_words_gets_its_date_and_shows_as_overdue(
    client, strategy, institutions, consultant, committee_member
):
    client.force_login(consultant)
    rows = [
        HEADINGS,
        [
            "Kompetencer",
            "Alle kan kode.",
            "Lokale mål",
            "afholde kodeuge.",
            "",
            "Skole",
            "foråret 2026",
        ],
        ["Kompetencer", "Alle kan kode.", "Lokale mål", "lave kodeklub.", "", "Skole", "2099"],
    ]
    response = preview(client, csv_upload(rows, name="strategi.csv"), "strategi")
    page = visible_text(response.content)
    # The preview shows the words with the date they mean.
    assert "foråret 2026 (31. maj 2026)" in page
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    action = Action.objects.get(text="afholde kodeuge.")
    assert (action.deadline, action.deadline_label) == (dt.date(2026, 5, 31), "foråret 2026")

    client.force_login(committee_member)
    page = visible_text(client.get(reverse("dashboard")).content)
    overdue = page[page.index("Handlinger efter fristen") :]
    assert "afholde kodeuge. foråret 2026 (31. maj 2026)" in overdue
    assert "lave kodeklub." not in overdue


def test_an_unreadable_deadline_in_a_spreadsheet_is_a_row_error_not_a_500(
    client, strategy, institutions, consultant
):
    client.force_login(consultant)
    rows = [
        HEADINGS,
        ["Kompetencer", "Alle kan kode.", "Lokale mål", "afholde kodeuge.", "", "Skole", "snart"],
    ]
    before = Action.objects.count()
    response = preview(client, csv_upload(rows, name="strategi.csv"), "strategi")
    assert response.status_code == 200
    page = visible_text(response.content)
    assert "2 Frist “snart” kan ikke læses som en frist." in page
    assert Action.objects.count() == before
