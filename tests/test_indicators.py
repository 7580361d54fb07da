"""Leaders report the indicators their kind of institution reports, on "Min institution"."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from actions.models import Action
from goals.models import Indicator, Measurement
from tests.conftest import visible_text

FOCUS = "prioritere økonomi til investering i læringsteknologier."


def make_indicator(name, actor, **fields):
    goal = Action.objects.get(text=FOCUS).goal
    indicator = Indicator.objects.create(goal=goal, name=name, **fields)
    indicator.actors.add(actor)
    return indicator


def test_leader_reports_a_value_and_sees_it_against_the_target(
    client, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    devices = make_indicator(
        "Enheder pr. børnegruppe",
        school.actor,
        unit="stk.",
        target=Decimal(4),
        deadline=dt.date(2026, 12, 31),
    )
    make_indicator("Kun for dagtilbud", institutions["daycare"].actor)
    client.force_login(leader_school_a)
    url = reverse("measurement_add", args=[school.pk, devices.pk])
    assert client.post(url, {"value": "2", "measured_on": "2026-03-01"}).status_code == 302
    response = client.post(url, {"value": "3,5", "measured_on": "2026-11-01"})
    assert response.status_code == 302
    latest = Measurement.objects.filter(institution=school).order_by("-measured_on").first()
    assert (latest.value, latest.recorded_by) == (Decimal("3.5"), leader_school_a)
    html = visible_text(client.get(reverse("institution_progress", args=[school.pk])).content)
    row = html[html.index("Enheder pr. børnegruppe") :]
    assert "Seneste værdi: 3,5 den 1. november 2026 · Mål: 4 senest 31. december 2026" in row
    assert "Kun for dagtilbud" not in html


def test_bad_values_are_refused_in_danish(client, strategy, institutions, leader_school_a):
    school = institutions["school_a"]
    indicator = make_indicator("Enheder", school.actor)
    client.force_login(leader_school_a)
    url = reverse("measurement_add", args=[school.pk, indicator.pk])
    for data, message in [
        ({"value": "mange", "measured_on": "2026-11-01"}, "Indtast et tal."),
        ({"value": "-1", "measured_on": "2026-11-01"}, "skal være større end eller lig 0."),
        ({"value": "2", "measured_on": "i går"}, "Indtast en gyldig dato."),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400
        assert message in visible_text(response.content)
    assert not Measurement.objects.exists()


def test_an_indicator_of_another_kind_cannot_be_reported(
    client, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    daycare_only = make_indicator("Kun for dagtilbud", institutions["daycare"].actor)
    client.force_login(leader_school_a)
    url = reverse("measurement_add", args=[school.pk, daycare_only.pk])
    assert client.post(url, {"value": "1", "measured_on": "2026-11-01"}).status_code == 404
    assert not Measurement.objects.exists()


def test_a_target_for_each_institution_is_counted_per_institution_not_averaged(
    client, strategy, institutions, committee_member
):
    school_a, school_b = institutions["school_a"], institutions["school_b"]
    tablets = make_indicator(
        "Tablets pr. børnegruppe", school_a.actor, target=Decimal(1), each_institution=True
    )
    average = make_indicator("Kodeklubber", school_a.actor, target=Decimal(1))
    for indicator in (tablets, average):
        for school, value in ((school_a, "1.5"), (school_b, "0.8")):
            Measurement.objects.create(
                indicator=indicator,
                institution=school,
                value=Decimal(value),
                measured_on=dt.date(2026, 11, 1),
            )
    client.force_login(committee_member)
    page = visible_text(client.get(reverse("dashboard")).content)
    rows = page[page.index("Indikatorer") :]
    tablets_row = rows[rows.index("Tablets pr. børnegruppe") :][:200]
    # One school is at 0.8: not reached, whatever the average (1.15) says.
    assert "1 af 2 institutioner har nået målet 1 Endnu ikke" in tablets_row
    average_row = rows[rows.index("Kodeklubber") :][:200]
    assert "gennemsnit 1,1 1 Ja" in average_row or "gennemsnit 1,2 1 Ja" in average_row
