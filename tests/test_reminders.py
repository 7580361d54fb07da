"""Reminder e-mails from Celery beat: once per person and period, in Danish, with a link."""

import datetime as dt

import pytest
from django.core import mail

from actions.models import Action, Progress
from actions.reminders import reminders_send
from actions.services import progress_set
from actions.tasks import reminders_send_task
from institutions.models import Membership
from institutions.services import municipality_save
from tests.conftest import make_person

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def overdue(strategy, institutions):
    """A school action whose deadline has passed; school B has done it recently."""
    action = Action.objects.filter(actors__code="skole").order_by("pk").first()
    action.deadline = dt.date(2026, 6, 30)
    action.save()
    strategy.period_start, strategy.period_end = dt.date(2023, 1, 1), dt.date(2027, 12, 31)
    strategy.save()
    return action


def test_leaders_of_overdue_institutions_get_one_reminder_per_period(
    strategy, institutions, overdue, leader_school_a
):
    leader_b = make_person(
        "leder.b@example.org", "Bo Leder", b=(institutions["school_b"], Membership.Role.LEADER)
    )
    row = Progress.objects.get(institution=institutions["school_b"], action=overdue)
    progress_set(
        progress_id=row.pk, status="done", reason="", note="", expected_version=1, by=leader_b
    )
    assert reminders_send(strategy=strategy, today=TODAY) == 1
    assert reminders_send(strategy=strategy, today=TODAY + dt.timedelta(days=3)) == 0
    assert [message.to for message in mail.outbox] == [["leder.a@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "Påmindelse: it-strategien på Skole A"
    assert "1 handling har overskredet fristen og er endnu ikke udført." in message.body
    assert f"/min-institution/{institutions['school_a'].pk}/" in message.body
    # A new month is a new period.
    assert reminders_send(strategy=strategy, today=dt.date(2026, 12, 2)) == 1


def test_quiet_institutions_are_reminded_and_deactivated_people_are_not(
    strategy, institutions, leader_school_a
):
    leader_school_a.is_active = False
    leader_school_a.save()
    daycare_leader = make_person(
        "leder.d@example.org", "Dorte Leder", d=(institutions["daycare"], Membership.Role.LEADER)
    )
    assert reminders_send(strategy=strategy, today=TODAY) == 1
    assert mail.outbox[0].to == [daycare_leader.email]
    assert "Der er endnu ikke registreret noget for institutionen." in mail.outbox[0].body


def test_consultants_are_reminded_once_six_months_before_the_revision(
    strategy, institutions, consultant
):
    strategy.period_end = TODAY + dt.timedelta(days=90)
    strategy.save()
    Progress.objects.update(updated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert reminders_send(strategy=strategy, today=TODAY) == 1
    assert reminders_send(strategy=strategy, today=TODAY + dt.timedelta(days=40)) == 0
    message = mail.outbox[0]
    assert message.to == [consultant.email]
    assert message.subject == "It-strategien skal revideres 20. februar 2027"


def test_the_beat_task_sends_nothing_twice(strategy, institutions, overdue, leader_school_a):
    assert reminders_send_task() >= 1
    sent = len(mail.outbox)
    assert reminders_send_task() == 0
    assert len(mail.outbox) == sent


def test_a_reminder_links_to_the_host_of_its_municipality(
    strategy, institutions, consultant, municipality, settings
):
    settings.SITE_URL = "https://strategi.example.org"
    municipality.host = "mariagerfjord.example.org"
    municipality_save(municipality=municipality)
    strategy.period_end = TODAY + dt.timedelta(days=90)
    strategy.save()
    assert reminders_send(strategy=strategy, today=TODAY) == 1
    assert "https://mariagerfjord.example.org/rapporter/" in mail.outbox[0].body
