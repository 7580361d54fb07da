"""Requesting and producing reports. The Report row is the source of truth: a task only
takes its primary key, and running it again for a finished report changes nothing."""

import contextvars
import datetime as dt
import io
import logging
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actions.models import ActionPlanItem
from core import tenancy
from core.spreadsheets import neutralised
from goals.models import Strategy
from institutions.models import Institution

from .documents import report_context, report_docx, report_html
from .exports import municipality_export
from .models import Report
from .pdf import html_to_pdf
from .tables import table_dataset

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# The worker's task (reports.tasks), named rather than imported: tasks call services, never
# the other way round.
REPORT_BUILD_TASK = "reports.tasks.report_build_task"
# People wait for the reports they ask for; a batch's parts and its ZIP wait for them. On
# Redis a worker takes every message of a lower number first (0, the default, is first).
PERSON_PRIORITY, BATCH_PRIORITY = 0, 9


def report_enqueue(report_id: int, *, for_batch: bool = False) -> bool:
    """Hand the report to a worker, behind what people are waiting for when it is part of
    a batch. When the queue cannot be reached the row stays queued, marked, and
    `reports_requeue` sends it when the queue is back: the request is not lost."""
    priority = BATCH_PRIORITY if for_batch else PERSON_PRIORITY
    task = current_app.signature(REPORT_BUILD_TASK, args=[report_id, tenancy.current()])
    try:
        task.apply_async(retry=False, priority=priority)
    except Exception:
        logger.exception("Could not enqueue report %s", report_id)
        Report.objects.filter(pk=report_id).update(enqueue_failed_at=timezone.now())
        return False
    Report.objects.filter(pk=report_id).update(enqueue_failed_at=None, enqueued_at=timezone.now())
    return True


def reports_requeue(*, now: dt.datetime) -> int:
    """Send again, once, what no worker will make otherwise: reports whose queue was down,
    running reports whose worker has gone quiet, and queued ones whose message has waited past
    the queue's visibility timeout (a Redis that lost it). Each is taken by a conditional
    UPDATE, so two runs at once send one copy. Returns how many were sent."""
    quiet = now - dt.timedelta(seconds=settings.REPORT_STALE_SECONDS)
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    lost = now - dt.timedelta(seconds=visibility + 60)
    waiting = Report.objects.exclude(kind=Report.Kind.ACTION_PLAN_BATCH, started_at__isnull=True)
    candidates = waiting.filter(
        Q(status=Report.Status.QUEUED, enqueue_failed_at__isnull=False)
        | Q(status=Report.Status.RUNNING, heartbeat_at__lt=quiet)
        | Q(status=Report.Status.QUEUED, enqueued_at__lt=lost)
        | Q(status=Report.Status.QUEUED, enqueued_at__isnull=True, requested_at__lt=lost)
    ).only("status", "enqueued_at", "heartbeat_at", "kind", "batch_id")
    sent = 0
    for report in candidates:
        taken = Report.objects.filter(
            pk=report.pk,
            status=report.status,
            enqueued_at=report.enqueued_at,
            heartbeat_at=report.heartbeat_at,
        ).update(status=Report.Status.QUEUED, enqueued_at=now)
        if taken:
            sent += report_enqueue(report.pk, for_batch=report.is_batch_work)
    return sent


@transaction.atomic
def report_request(
    *,
    kind: str,
    strategy: Strategy,
    by,
    institution: Institution | None = None,
    parameters: dict | None = None,
) -> Report:
    """Record the request and enqueue its task once the row is committed."""
    report = Report(
        kind=kind,
        strategy=strategy,
        institution=institution,
        parameters=parameters or {},
        requested_by=by,
    )
    report.full_clean()
    report.save()
    tenancy.on_commit(partial(report_enqueue, report.pk))
    return report


@transaction.atomic
def report_batch_request(*, strategy: Strategy, by) -> Report:
    """One local action plan per active institution whose plan has items, and a ZIP of all
    when they are done. The institutions skipped for an empty plan are listed on the batch;
    with no plan to make, nothing is asked for (ValidationError)."""
    items = ActionPlanItem.objects.filter(plan__strategy=strategy, plan__institution=OuterRef("pk"))
    active = (
        Institution.objects.local()
        .filter(is_active=True)
        .annotate(has_items=Exists(items))
        .order_by("name")
    )
    institutions = [institution for institution in active if institution.has_items]
    if not institutions:
        raise ValidationError(_("No local action plan has any items yet."))
    skipped = [institution.name for institution in active if not institution.has_items]
    batch = Report(
        kind=Report.Kind.ACTION_PLAN_BATCH,
        strategy=strategy,
        requested_by=by,
        parameters={"skipped": skipped},
    )
    batch.full_clean()
    batch.save()
    parts = Report.objects.bulk_create(
        Report(
            kind=Report.Kind.ACTION_PLAN,
            strategy=strategy,
            institution=institution,
            batch=batch,
            requested_by=by,
        )
        for institution in institutions
    )
    for part in parts:
        tenancy.on_commit(partial(report_enqueue, part.pk, for_batch=True))
    return batch


def report_retry(*, report: Report) -> Report:
    """Send a failed report to the queue again, with fresh attempts."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status != Report.Status.FAILED:
            return report
        report.status, report.attempts, report.error = Report.Status.QUEUED, 0, ""
        report.save(update_fields=["status", "attempts", "error"])
        tenancy.on_commit(partial(report_enqueue, report.pk, for_batch=report.is_batch_work))
    return report


def _claim(report_id: int, *, task_id: str) -> Report | None:
    """Mark the report running for one more attempt; None when there is nothing to do: it is
    finished, deleted since it was asked for, or another task is making it (its heartbeat is
    fresh)."""
    now = timezone.now()
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status in (Report.Status.DONE, Report.Status.FAILED):
            return None
        quiet = now - dt.timedelta(seconds=settings.REPORT_STALE_SECONDS)
        if (
            report.status == Report.Status.RUNNING
            and report.heartbeat_at
            and (report.heartbeat_at > quiet)
            and not (task_id and report.claimed_by == task_id)
        ):
            return None
        report.status = Report.Status.RUNNING
        report.attempts += 1
        report.started_at = report.heartbeat_at = now
        report.claimed_by = task_id
        report.save(
            update_fields=["status", "attempts", "started_at", "heartbeat_at", "claimed_by"]
        )
        return report


@contextmanager
def _heartbeat(report_id: int) -> Iterator[None]:
    """While the block runs, renew the report's heartbeat four times per REPORT_STALE_SECONDS
    from a thread of its own (rendering holds this one for minutes)."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.REPORT_STALE_SECONDS / 4):
                Report.objects.filter(pk=report_id).update(heartbeat_at=timezone.now())
        except DatabaseError:
            logger.warning("Heartbeat of report %s stopped: the database is away", report_id)
        finally:
            connection.close()

    # The thread acts for this report's municipality (core.tenancy), as this one does.
    thread = threading.Thread(
        target=contextvars.copy_context().run,
        args=(beat,),
        name=f"report-{report_id}-heartbeat",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _file_name(report: Report, extension: str) -> str:
    """One name per report, in its municipality's folder: a retry after a killed worker
    replaces its own half-made file and never touches another report's."""
    day = timezone.localdate(report.requested_at)
    title = slugify(report.title)[:60] or "rapport"
    return f"reports/{report.municipality_id}/{day:%Y/%m}/{report.pk}-{title}.{extension}"


def _store(name: str, content: bytes) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))


def report_build(
    *, report_id: int, task_id: str = "", today: dt.date | None = None
) -> Report | None:
    """Render the report's PDF (or a batch's ZIP) and record the result. Errors are raised
    for the task to retry; the last attempt records the error instead. `task_id` names the
    queue's task: its retries keep it, and may take back a report it left running."""
    report = _claim(report_id, task_id=task_id)
    if report is None:
        return None
    try:
        with _heartbeat(report.pk):
            name, word_name, page_count = _make(report, today=today or timezone.localdate())
    except Exception as error:
        if report.attempts >= MAX_ATTEMPTS:
            report_fail(report_id=report.pk, error=error)
            return report
        Report.objects.filter(pk=report.pk).update(status=Report.Status.QUEUED)
        raise
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.DONE,
        file=name,
        word_file=word_name,
        page_count=page_count,
        error="",
        finished_at=timezone.now(),
    )
    if report.batch_id:
        batch_check(batch_id=report.batch_id)
    return Report.objects.get(pk=report.pk)


def _make(report: Report, *, today: dt.date) -> tuple[str, str, int | None]:
    """Render and store the report's file: (its name, its Word copy's name or "", its page
    count if a PDF)."""
    if report.kind == Report.Kind.ACTION_PLAN_BATCH:
        return _store(_file_name(report, "zip"), _batch_zip(report)), "", None
    if report.kind == Report.Kind.DATA_EXPORT:
        return _store(_file_name(report, "zip"), _data_zip(report)), "", None
    if report.kind == Report.Kind.SPREADSHEET:
        return _store(_file_name(report, "xlsx"), _spreadsheet(report)), "", None
    # Workers have no request to pick the language from; reports are in Danish.
    with translation.override(settings.LANGUAGE_CODE):
        context = report_context(report=report, today=today)
        html = report_html(report=report, context=context)
        word = report_docx(report=report, context=context) if report.has_word_copy else None
    pdf = html_to_pdf(html)
    word_name = _store(_file_name(report, "docx"), word) if word else ""
    return _store(_file_name(report, "pdf"), pdf.content), word_name, pdf.page_count


def _data_zip(report: Report) -> bytes:
    with tempfile.TemporaryFile() as archive:
        municipality_export(target=archive, by=report.requested_by)
        archive.seek(0)
        return archive.read()


def _spreadsheet(report: Report) -> bytes:
    strategy = Strategy.objects.get(reports=report)
    table, filters = report.parameters["table"], report.parameters.get("filters", {})
    with translation.override(settings.LANGUAGE_CODE):  # the headings, in Danish
        return neutralised(table_dataset(strategy, table, filters)).export("xlsx")


def report_fail(*, report_id: int, error: BaseException | str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=Report.Status.DONE).update(
        status=Report.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
    )


def batch_check(*, batch_id: int) -> None:
    """When the last part of a batch is done, enqueue the ZIP (once)."""
    with transaction.atomic():
        batch = Report.objects.select_for_update().get(pk=batch_id)
        unfinished = batch.parts.exclude(status__in=[Report.Status.DONE, Report.Status.FAILED])
        if batch.status != Report.Status.QUEUED or unfinished.exists():
            return
        if batch.started_at is None:
            batch.started_at = timezone.now()
            batch.save(update_fields=["started_at"])
            tenancy.on_commit(partial(report_enqueue, batch.pk, for_batch=True))


def _batch_zip(batch: Report) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in batch.parts.filter(status=Report.Status.DONE).select_related("institution"):
            with default_storage.open(part.file.name) as file:
                name = part.institution.name if part.institution else str(part.pk)
                archive.writestr(f"{slugify(name, allow_unicode=True)}.pdf", file.read())
    return buffer.getvalue()
