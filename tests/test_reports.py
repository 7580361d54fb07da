"""PDF reports: made by a real Celery worker on Redis, read back with pypdf; tasks that are
idempotent, give up after three attempts, survive a killed worker and fetch nothing."""

import datetime as dt
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pypdf import PdfReader

from actions.models import Action, ActionPlanItem, Progress
from actions.services import plan_item_add
from goals.models import Goal
from reports.models import Report
from reports.pdf import html_to_pdf
from reports.services import (
    report_batch_request,
    report_build,
    report_request,
    reports_requeue,
)
from strategy_tracker.celery import app as celery_app
from tests.conftest import make_institutions, run_together, visible_text

FOCUS = "prioritere økonomi til investering i læringsteknologier."
GOAL = "I skolen skal børn og unge have adgang til en personlig enhed."


@pytest.fixture
def some_progress(strategy, institutions, leader_school_a):
    """School A has done the focus action and said why another is not relevant."""
    school = institutions["school_a"]
    focus = Action.objects.get(text=FOCUS)
    Progress.objects.filter(institution=school, action=focus).update(
        status="done", note="Robotter indkøbt"
    )
    other = Progress.objects.filter(institution=school).exclude(action=focus).first()
    other.status, other.reason = "not_relevant", "Varetages af naboskolen"
    other.save()
    return school


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def wait_for(report, statuses=("done", "failed"), timeout=90, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in statuses:
            return report
        time.sleep(every)
    raise AssertionError(f"report {report.pk} still {report.status} after {timeout} s")


def download(client, report) -> bytes:
    response = client.get(reverse("report_download", args=[report.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --- Through a real worker ----------------------------------------------------------------


@pytest.mark.redis
def test_each_report_kind_through_a_real_worker(
    client, media, worker, some_progress, committee_member, leader_school_a
):
    school = some_progress
    plan_item_add(
        strategy=school.progress.first().action.goal.domain.strategy,
        institution=school,
        item=ActionPlanItem(action=Action.objects.get(text=FOCUS), budget=160_000),
        by=leader_school_a,
    )
    plan_item_add(
        strategy=school.progress.first().action.goal.domain.strategy,
        institution=school,
        item=ActionPlanItem(
            text="Kodeklub", budget=12_500, funding="central", recurrence="recurring"
        ),
        by=leader_school_a,
    )
    client.force_login(committee_member)
    response = client.post(
        reverse("report_request", args=["status"]), {"status-since": "2026-01-01"}
    )
    status_report = Report.objects.get(kind="status")
    assert response.url == reverse("report_detail", args=[status_report.pk])
    client.post(
        reverse("report_request", args=["revision"]),
        {"revision-recommendations": "Fasthold de fem domæner.\n\nStyrk læremidlerne."},
    )
    revision = Report.objects.get(kind="revision")
    client.post(reverse("report_request", args=["spreadsheet"]), {"table": "institutioner"})
    spreadsheet = Report.objects.get(kind="spreadsheet")

    leader = client.__class__()
    leader.force_login(leader_school_a)
    leader.post(reverse("report_request", args=["action_plan"]), {"institution": school.pk})
    plan = Report.objects.get(kind="action_plan")

    for report in (status_report, revision, spreadsheet):
        assert wait_for(report).status == "done", report.error
    assert wait_for(plan).status == "done", plan.error

    rows = list(openpyxl.load_workbook(io.BytesIO(download(client, spreadsheet))).active.values)
    assert rows[0][:3] == ("Institution", "Type", "Område")
    assert "Skole A" in [row[0] for row in rows[1:]]

    status_text = pdf_text(download(client, status_report))
    assert "Statusrapport" in status_text and "Mariagerfjord Kommune" in status_text
    assert "Siden 1. januar 2026" in status_text
    assert f"Status pr. {date_format(timezone.localdate(), 'j. F Y')}" in status_text
    assert "Side 2 af" in status_text

    revision_text = pdf_text(download(client, revision))
    assert "Revisionsrapport" in revision_text
    assert GOAL in revision_text
    assert FOCUS in revision_text
    # Why it was not done, under the action: the institution, its status and its reason.
    assert "Skole A · Ikke relevant: Varetages af naboskolen" in revision_text
    assert "Fasthold de fem domæner." in revision_text
    assert "Børne- og familieudvalget" in revision_text

    plan_text = pdf_text(download(leader, plan))
    assert "Lokal handleplan" in plan_text or "Handleplan" in plan_text
    assert "Skole A" in plan_text
    # 160.000 once + 12.500 in each of the plan's years.
    years = len(school.action_plans.get().years)
    assert f"{160_000 + 12_500 * years:,} kr.".replace(",", ".") in plan_text
    assert "160.000 kr." in plan_text and "12.500 kr. pr. år" in plan_text

    reader = PdfReader(io.BytesIO(download(client, revision)))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "da"
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()
    assert revision.page_count == len(reader.pages) > 5


@pytest.mark.redis
def test_the_batch_makes_one_plan_per_institution_with_items_and_a_zip(
    client, media, worker, strategy, institutions, consultant
):
    client.force_login(consultant)
    response = client.post(reverse("report_batch"), follow=True)
    assert "Ingen lokal handleplan har punkter endnu." in response.content.decode()
    assert not Report.objects.exists()  # nothing to make, nothing asked for

    action = Action.objects.filter(goal__domain__strategy=strategy)[0]
    daycare = institutions["daycare"]
    daycare.name = "Børnehaven Humlebien"
    daycare.save()
    for institution in (institutions["school_b"], daycare):
        plan_item_add(
            strategy=strategy,
            institution=institution,
            item=ActionPlanItem(action=action, budget=10_000),
            by=consultant,
        )
    response = client.post(reverse("report_batch"))
    batch = Report.objects.get(kind="action_plan_batch")
    assert response.url == reverse("report_detail", args=[batch.pk])
    assert batch.parts.count() == 2  # Skole A's plan is empty
    page = client.get(reverse("report_detail", args=[batch.pk])).content.decode()
    assert "af 2 færdige" in page
    assert "Ikke lavet, da planen endnu ingen punkter har: Skole A." in visible_text(page)
    assert wait_for(batch).status == "done", batch.error
    archive = zipfile.ZipFile(io.BytesIO(download(client, batch)))
    # File names keep æ, ø and å.
    assert sorted(archive.namelist()) == ["børnehaven-humlebien.pdf", "skole-b.pdf"]
    assert "Skole B" in pdf_text(archive.read("skole-b.pdf"))


@pytest.mark.redis
def test_a_report_a_person_asks_for_during_a_batch_of_40_goes_before_the_batch(
    transactional_db, media, strategy, actors, consultant, committee_member
):
    action = Action.objects.filter(goal__domain__strategy=strategy)[0]
    for institution in make_institutions(actors, schools=40, daycare=0):
        if institution.actor == actors["skole"]:
            plan_item_add(
                strategy=strategy,
                institution=institution,
                item=ActionPlanItem(action=action, budget=10_000),
                by=consultant,
            )
    celery_app.control.purge()
    batch = report_batch_request(strategy=strategy, by=consultant)
    assert batch.parts.count() == 40
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        wait_for(batch.parts.order_by("pk").first())  # the batch is under way
        status = report_request(
            kind="status",
            strategy=strategy,
            by=committee_member,
            parameters={"since": "2026-01-01"},
        )
        assert wait_for(status).status == "done", status.error
        parts_done = batch.parts.filter(status="done").count()
    # Made after the part being made when it was asked for, not after the 40.
    assert parts_done <= 3
    batch.refresh_from_db()
    assert batch.status == "queued"


# --- The task's rules, without a worker -----------------------------------------------------


def test_a_done_report_is_not_made_again(media, strategy, institutions, committee_member):
    report = Report.objects.create(
        kind="status", strategy=strategy, parameters={"since": "2026-01-01"}
    )
    report_build(report_id=report.pk)
    report.refresh_from_db()
    made = (report.status, report.file.name, report.attempts, report.finished_at)
    assert report_build(report_id=report.pk) is None
    report.refresh_from_db()
    assert (report.status, report.file.name, report.attempts, report.finished_at) == made
    assert len(list(Path(media).rglob("*.pdf"))) == 1


def test_a_report_gives_up_after_three_attempts_with_the_error_recorded(
    client, media, strategy, committee_member
):
    report = Report.objects.create(
        kind="status", strategy=strategy, parameters={}, requested_by=committee_member
    )
    for _attempt in range(2):
        with pytest.raises(KeyError):
            report_build(report_id=report.pk)
        report.refresh_from_db()
        assert report.status == "queued"
    report_build(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("failed", 3)
    assert "since" in report.error
    client.force_login(committee_member)
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "Rapporten kunne ikke laves." in page and "Prøv igen" in page


def test_the_waiting_page_refreshes_only_its_status_in_place(
    client, media, strategy, committee_member
):
    report = Report.objects.create(kind="status", strategy=strategy, parameters={})
    client.force_login(committee_member)
    url = reverse("report_detail", args=[report.pk])
    page = client.get(url).content.decode()
    part = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" in page and "<html" not in part
    assert part.lstrip().startswith('<div id="report-status"')
    assert f'hx-get="{url}"' in part and part.strip() in page
    assert "Rapporten står i kø" in part


def test_leaders_see_only_their_own_institutions_reports(
    client, media, strategy, institutions, leader_school_a
):
    own = Report.objects.create(
        kind="action_plan", strategy=strategy, institution=institutions["school_a"]
    )
    other = Report.objects.create(
        kind="action_plan", strategy=strategy, institution=institutions["school_b"]
    )
    status = Report.objects.create(kind="status", strategy=strategy)
    client.force_login(leader_school_a)
    assert client.get(reverse("report_detail", args=[own.pk])).status_code == 200
    for report in (other, status):
        assert client.get(reverse("report_detail", args=[report.pk])).status_code == 404
        assert client.get(reverse("report_download", args=[report.pk])).status_code == 404
    response = client.post(
        reverse("report_request", args=["action_plan"]),
        {"institution": institutions["school_b"].pk},
    )
    assert response.status_code == 404
    assert client.post(reverse("report_request", args=["status"])).status_code in (400, 403)
    assert Report.objects.count() == 3


def test_spreadsheets_are_seen_by_who_asked_and_the_register_by_consultants(
    client, strategy, institutions, committee_member, leader_school_a
):
    client.force_login(committee_member)
    url = reverse("report_request", args=["spreadsheet"])
    response = client.post(url, {"table": "institutioner"})
    mine = Report.objects.get(kind="spreadsheet")
    assert response.url == reverse("report_detail", args=[mine.pk])
    assert "Regneark: Fremdrift pr. institution" in visible_text(
        client.get(reverse("report_list")).content
    )
    # The register holds the leaders' e-mail addresses: consultants only. Unknown tables: 404.
    assert client.post(url, {"table": "register"}).status_code == 403
    assert client.post(url, {"table": "personer"}).status_code == 404
    assert Report.objects.count() == 1

    client.force_login(leader_school_a)
    assert client.get(reverse("report_detail", args=[mine.pk])).status_code == 404
    client.post(url, {"table": "institutioner"})
    theirs = Report.objects.exclude(pk=mine.pk).get()
    assert client.get(reverse("report_detail", args=[theirs.pk])).status_code == 200


def test_a_bad_request_is_refused_in_danish(client, strategy, committee_member):
    client.force_login(committee_member)
    response = client.post(
        reverse("report_request", args=["status"]), {"status-since": "2999-01-01"}
    )
    assert response.status_code == 400
    assert "Vælg en dato, der ikke ligger i fremtiden." in response.content.decode()
    assert client.post(reverse("report_request", args=["hemmelig"])).status_code == 404
    assert not Report.objects.exists()


# --- Rendering fetches nothing ------------------------------------------------------------


@pytest.fixture
def listener():
    """A local socket that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _address = server.accept()
            except TimeoutError:
                continue
            connections.append(connection)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    server.close()


def test_hostile_text_is_printed_literally_and_nothing_is_fetched(
    media, strategy, institutions, listener
):
    port, connections = listener
    payload = f'<img src="http://127.0.0.1:{port}/"> file:///etc/passwd <script>alert(1)</script>'
    goal = Goal.objects.get(text__startswith=GOAL)
    goal.text = f"{goal.text} {payload}"
    goal.save()
    report = Report.objects.create(kind="revision", strategy=strategy, parameters={})
    report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "done", report.error
    text = pdf_text(report.file.read())
    assert f'<img src="http://127.0.0.1:{port}/">' in text
    assert "file:///etc/passwd" in text and "<script>alert(1)</script>" in text
    assert "root:x:0:0" not in text
    assert connections == []


def test_the_fetcher_refuses_network_and_files_even_in_raw_html(listener):
    port, connections = listener
    html = f"""<!DOCTYPE html><html lang="da"><head><title>t</title>
    <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
    <link rel="stylesheet" href="file:///etc/passwd"></head>
    <body><p>Tekst</p><img src="http://127.0.0.1:{port}/billede.png" alt="">
    <img src="file:///etc/hostname" alt=""><img src="/static/../../../../etc/passwd" alt="">
    </body></html>"""
    pdf = html_to_pdf(html)
    assert connections == []
    assert any(f"127.0.0.1:{port}" in url for url in pdf.refused)
    assert any(url.startswith("file:") for url in pdf.refused)
    assert "Tekst" in pdf_text(pdf.content)


# --- A killed worker ----------------------------------------------------------------------


def _worker_process(env):
    return subprocess.Popen(  # noqa: S603
        [
            *(sys.executable, "-m", "celery", "-A", "strategy_tracker", "worker"),
            *("--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=WARNING"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.redis
@pytest.mark.postgres
def test_a_report_survives_its_worker_being_killed(
    media, transactional_db, strategy, actors, committee_member
):
    make_institutions(actors, schools=40, daycare=80)  # enough pages to kill it mid-render
    env = os.environ | {
        "DATABASE_URL": _test_database_url(),
        "MEDIA_ROOT": str(media),
        # A short limit so the killed worker's task comes back within the test.
        "REPORT_TIME_LIMIT": "20",
        "CELERY_VISIBILITY_TIMEOUT": "25",
        # Its heartbeat stops with it: by the time the task comes back, the claim is free.
        "REPORT_STALE_SECONDS": "8",
    }
    celery_app.control.purge()
    first = _worker_process(env)
    try:
        report = report_request(
            kind="revision", strategy=strategy, parameters={}, by=committee_member
        )
        wait_for(report, statuses=("running", "done"), timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        report.refresh_from_db()
        assert report.status == "running"  # killed mid-render
    finally:
        if first.poll() is None:
            first.kill()
    second = _worker_process(env)
    try:
        assert wait_for(report, timeout=120).status == "done", report.error
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert report.attempts == 2
    assert len(list(Path(media).rglob("*.pdf"))) == 1


# --- The queue is down --------------------------------------------------------------------


def _test_database_url() -> str:
    database = settings.DATABASES["default"]
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    return f"postgres://{database['USER']}@{host}:{port}/{database['NAME']}"


@pytest.mark.redis
@pytest.mark.postgres
def test_a_request_made_while_the_queue_is_down_is_kept_and_made_later(
    client, media, transactional_db, strategy, committee_member, municipality
):
    # Another process whose broker does not answer (nothing listens on port 1) asks for a
    # report, as a web process would while Redis is down.
    script = (
        "from core.tenancy import begin; from goals.selectors import strategy_current; "
        "from institutions.models import User; from reports.services import report_request; "
        f"begin({municipality.pk}); "
        "report_request(kind='status', strategy=strategy_current(), "
        "parameters={'since': '2026-01-01'}, by=User.objects.get(email='udvalg@example.org'))"
    )
    env = os.environ | {
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "MEDIA_ROOT": str(media),
    }
    started = time.monotonic()
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert time.monotonic() - started < 60  # it gave up on the queue instead of hanging
    report = Report.objects.get()
    assert (report.status, report.enqueue_failed_at is not None) == ("queued", True)
    client.force_login(committee_member)
    page = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "Køen kan ikke nås lige nu. Din bestilling er gemt" in page

    # The queue is back: the beat task sends what was kept, and a worker makes it.
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        from reports.tasks import reports_requeue_task

        assert reports_requeue_task() == 1
        assert wait_for(report).status == "done", report.error
    assert report.enqueue_failed_at is None


# --- One worker per report: the claim, the heartbeat and the requeue ------------------------


def test_a_second_copy_of_a_running_report_leaves_it_to_its_worker(
    media, strategy, committee_member
):
    report = Report.objects.create(
        kind="status", strategy=strategy, parameters={"since": "2026-01-01"}
    )
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(
        status="running", attempts=1, started_at=now, heartbeat_at=now
    )
    assert report_build(report_id=report.pk) is None  # its worker is alive: hands off
    report.refresh_from_db()
    assert (report.status, report.attempts, report.file.name) == ("running", 1, "")
    # Its worker has been silent past REPORT_STALE_SECONDS: another may take it over.
    quiet = now - dt.timedelta(seconds=settings.REPORT_STALE_SECONDS + 1)
    Report.objects.filter(pk=report.pk).update(heartbeat_at=quiet)
    assert report_build(report_id=report.pk).status == "done"
    report.refresh_from_db()
    assert report.attempts == 2 and report.page_count


def test_a_report_left_running_by_its_own_task_is_taken_back_by_that_tasks_retry(media, strategy):
    report = Report.objects.create(
        kind="status", strategy=strategy, parameters={"since": "2026-01-01"}
    )
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(
        status="running", attempts=1, heartbeat_at=now, claimed_by="task-1"
    )
    assert report_build(report_id=report.pk, task_id="task-2") is None  # another copy
    assert report_build(report_id=report.pk, task_id="task-1").status == "done"  # its retry
    report.refresh_from_db()
    assert (report.attempts, report.claimed_by) == (2, "task-1")


def test_the_heartbeat_is_renewed_while_a_report_is_made(
    media, transactional_db, strategy, actors, settings
):
    settings.REPORT_STALE_SECONDS = 0.4  # a beat every 0.1 s
    make_institutions(actors, schools=20, daycare=20)
    report = Report.objects.create(kind="revision", strategy=strategy, parameters={})
    report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "done"
    assert report.heartbeat_at > report.started_at


@pytest.mark.redis
@pytest.mark.postgres
def test_requeue_runs_at_once_send_one_copy_of_a_report_whose_worker_went_quiet(
    transactional_db, strategy
):
    quiet = timezone.now() - dt.timedelta(seconds=settings.REPORT_STALE_SECONDS + 1)
    report = Report.objects.create(kind="status", strategy=strategy, parameters={})
    Report.objects.filter(pk=report.pk).update(
        status="running", attempts=1, started_at=quiet, heartbeat_at=quiet
    )
    fresh = Report.objects.create(kind="status", strategy=strategy, parameters={})
    Report.objects.filter(pk=fresh.pk).update(
        status="running", started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    celery_app.control.purge()
    sent = run_together(lambda _n: reports_requeue(now=timezone.now()), 2)
    assert sorted(sent) == [0, 1]
    assert reports_requeue(now=timezone.now()) == 0  # sent once; not again next minute
    report.refresh_from_db()
    assert report.status == "queued" and report.enqueued_at is not None
    with celery_app.connection_for_read() as conn:
        waiting = conn.default_channel.client.llen("celery")
    assert waiting == 1
    celery_app.control.purge()


def test_a_leaders_report_page_says_where_their_plan_pdf_is_made(
    client, strategy, institutions, leader_school_a
):
    client.force_login(leader_school_a)
    page = client.get(reverse("report_list")).content.decode()
    assert "Jeres lokale handleplan som PDF" in page
    plan = reverse("local_plan", args=[institutions["school_a"].pk])
    assert f'href="{plan}"' in page
    assert "Lokal handleplan for Skole A" in page
