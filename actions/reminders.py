"""Reminder e-mails, sent by Celery beat: to leaders whose institution has overdue actions or
has not updated anything for a while, and to consultants when the revision is near. Each
person gets one per period, however often the task runs."""

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from goals.models import Strategy
from institutions.models import Institution, Membership, User
from institutions.selectors import municipality_current, municipality_site_url

from . import rollup
from .models import Reminder


@dataclass
class InstitutionNeed:
    institution: Institution
    overdue: int
    last_update: dt.datetime | None


def institutions_needing_reminder(*, strategy: Strategy, today: dt.date) -> list[InstitutionNeed]:
    """Active institutions with actions past their deadline and not done, or no update to
    their progress for REMINDER_QUIET_MONTHS months."""
    quiet_since = today - relativedelta(months=settings.REMINDER_QUIET_MONTHS)
    rows = Q(progress__action__goal__domain__strategy=strategy, progress__action__archived_at=None)
    institutions = (
        Institution.objects.local()
        .filter(is_active=True)
        .annotate(
            overdue=Count(
                "progress",
                filter=rows & rollup.overdue(today=today, path="progress__"),
            ),
            last_update=Max("progress__updated_at", filter=rows),
        )
    )
    return [
        InstitutionNeed(institution, institution.overdue, institution.last_update)
        for institution in institutions
        if institution.overdue
        or institution.last_update is None
        or institution.last_update.date() < quiet_since
    ]


def _send_once(*, kind: str, user: User, period: str, template: str, context: dict) -> bool:
    """Record and send in one transaction: a failed send is tried again next run, and a
    recorded one is never sent again."""
    try:
        with transaction.atomic():
            Reminder.objects.create(kind=kind, user=user, period=period)
            with translation.override(settings.LANGUAGE_CODE):
                context = {
                    **context,
                    "person": user,
                    "site_name": settings.SITE_NAME,
                    "municipality_name": municipality_current().name,
                }
                send_mail(
                    subject=render_to_string(f"{template}_subject.txt", context).strip(),
                    message=render_to_string(f"{template}_message.txt", context),
                    from_email=None,
                    recipient_list=[user.email],
                )
    except IntegrityError:
        return False  # already reminded this period
    return True


def reminders_send(*, strategy: Strategy, today: dt.date) -> int:
    """Send this period's reminders that have not been sent yet. Returns how many were sent."""
    sent = 0
    period = f"{today:%Y-%m}"
    site = municipality_site_url()  # its own host name: one of several municipalities
    for need in institutions_needing_reminder(strategy=strategy, today=today):
        link = site + reverse("institution_progress", args=[need.institution.pk])
        leaders = User.objects.filter(
            is_active=True,
            memberships__institution=need.institution,
            memberships__role=Membership.Role.LEADER,
        )
        for leader in leaders:
            sent += _send_once(
                kind=Reminder.Kind.INSTITUTION,
                user=leader,
                period=f"{period}:{need.institution.pk}",
                template="actions/email/reminder_institution",
                context={
                    "need": need,
                    "link": link,
                    "quiet_months": settings.REMINDER_QUIET_MONTHS,
                },
            )
    due = revision_due(strategy=strategy)
    if due and due - relativedelta(months=6) <= today < due:
        consultants = User.objects.filter(is_active=True).filter(
            Q(role_here=User.Role.CONSULTANT) | Q(is_superuser=True)
        )
        for consultant in consultants:
            sent += _send_once(
                kind=Reminder.Kind.REVISION_DUE,
                user=consultant,
                period=f"{strategy.pk}:{due:%Y-%m-%d}",
                template="actions/email/reminder_revision",
                context={
                    "strategy": strategy,
                    "due": due,
                    "link": site + reverse("report_list"),
                },
            )
    return sent


def revision_due(*, strategy: Strategy) -> dt.date | None:
    """When the strategy must be revised: the end of its period, or its approval date plus
    the revision interval."""
    if strategy.period_end:
        return strategy.period_end
    if strategy.approved_on:
        return strategy.approved_on + relativedelta(years=strategy.revision_interval_years)
    return None
