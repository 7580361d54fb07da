"""The municipality's data in one archive, and a person anonymised with history intact."""

import io
import json
import zipfile

from django.urls import reverse

from actions.models import Progress
from actions.services import progress_set
from institutions.models import Membership, SecurityEvent, User
from reports.models import Report
from reports.services import report_build
from tests.conftest import visible_text


def test_a_consultant_exports_all_data_as_one_archive(
    client, settings, tmp_path, strategy, institutions, consultant, leader_school_a
):
    settings.MEDIA_ROOT = tmp_path
    row = Progress.objects.filter(institution=institutions["school_a"]).first()
    progress_set(
        progress_id=row.pk,
        status="done",
        reason="",
        note="",
        expected_version=1,
        by=leader_school_a,
    )
    client.force_login(consultant)
    assert client.get(reverse("data_export")).status_code == 200
    response = client.post(reverse("data_export"))
    report = Report.objects.get(kind="data_export")
    assert response.url == reverse("report_detail", args=[report.pk])
    report_build(report_id=report.pk)  # what the worker does
    page = visible_text(client.get(response.url).content)
    assert "Hent ZIP-filen" in page and "PDF" not in page
    response = client.get(reverse("report_download", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.zip"')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    strategies = json.loads(archive.read("strategier.json"))
    assert [s["fields"]["title"] for s in strategies] == [strategy.title]
    history = json.loads(archive.read("status_historik.json"))
    assert any(
        h["fields"]["status"] == "done" and h["fields"]["history_user"] == leader_school_a.pk
        for h in history
    )
    people = json.loads(archive.read("personer.json"))
    assert {p["fields"]["email"] for p in people} >= {leader_school_a.email, consultant.email}
    assert all("password" not in p["fields"] for p in people)
    assert len(json.loads(archive.read("status.json"))) == Progress.objects.count()
    assert SecurityEvent.objects.filter(kind="data_exported", actor=consultant).exists()


def test_leaders_cannot_export(client, leader_school_a):
    client.force_login(leader_school_a)
    assert client.post(reverse("data_export")).status_code == 403


def test_anonymising_a_person_keeps_their_history(
    client, strategy, institutions, consultant, leader_school_a
):
    row = Progress.objects.filter(institution=institutions["school_a"]).first()
    progress_set(
        progress_id=row.pk,
        status="done",
        reason="",
        note="",
        expected_version=1,
        by=leader_school_a,
    )
    history_before = Progress.history.filter(history_user=leader_school_a).count()
    leader = client.__class__()
    leader.force_login(leader_school_a)
    client.force_login(consultant)
    page = client.get(reverse("person_anonymise", args=[leader_school_a.pk]))
    assert "Dette kan ikke fortrydes." in visible_text(page.content)
    response = client.post(reverse("person_anonymise", args=[leader_school_a.pk]))
    assert response.status_code == 302

    person = User.objects.get(pk=leader_school_a.pk)
    assert (person.first_name, person.last_name) == ("Anonym", f"bruger {person.pk}")
    assert "lise" not in person.email.lower() and not person.is_active
    assert not person.has_usable_password()
    assert not Membership.objects.filter(user=person).exists()
    assert Progress.history.filter(history_user=person).count() == history_before
    # Their session has ended; their change still shows, under the anonymous name.
    assert leader.get(reverse("strategy")).status_code == 302
    timeline = client.get(
        reverse("progress_history", args=[institutions["school_a"].pk, row.action_id])
    )
    text = visible_text(timeline.content)
    assert "Anonym bruger" in text and "Lise" not in text
    assert not SecurityEvent.objects.filter(subject=person).exclude(ip_address=None).exists()


def test_the_data_protection_note_is_public(client, db):
    response = client.get(reverse("data_protection"))
    assert response.status_code == 200
    assert "Intet om børn eller elever." in visible_text(response.content)
