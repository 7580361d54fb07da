"""Who may see and ask for which reports (DESIGN.md §4)."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from institutions.models import Institution, User
from institutions.permissions import institutions_for, is_consultant, may_request_plan_pdf

from .models import Report
from .tables import FOR_CONSULTANTS, MADE_BY_WORKER


def reports_visible(user: User) -> QuerySet:
    """The reports a person may see and download (DESIGN §4): consultants all; the committee
    status and revision reports; leaders their own institutions' action plans; everyone the
    spreadsheets they asked for."""
    reports = Report.objects.filter(batch__isnull=True)
    if is_consultant(user):
        return reports
    own = Q(kind=Report.Kind.SPREADSHEET, requested_by=user)
    if user.is_active and user.role == User.Role.COMMITTEE:
        return reports.filter(Q(kind__in=[Report.Kind.STATUS, Report.Kind.REVISION]) | own)
    return reports.filter(
        Q(kind=Report.Kind.ACTION_PLAN, institution__in=institutions_for(user).values("pk")) | own
    )


def report_readable(user: User, pk: int) -> Report:
    """A report the person may see; anyone else's is a 404, so existence does not leak."""
    return get_object_or_404(reports_visible(user).select_related("institution"), pk=pk)


def may_request_report(
    user: User, kind: str, institution: Institution | None = None, table: str = ""
) -> bool:
    if kind == Report.Kind.SPREADSHEET:
        return may_request_spreadsheet(user, table)
    if is_consultant(user):
        return True
    if kind in (Report.Kind.STATUS, Report.Kind.REVISION):
        return user.is_active and user.role == User.Role.COMMITTEE
    if kind == Report.Kind.ACTION_PLAN:
        return may_request_plan_pdf(user, institution)
    return False


def may_request_spreadsheet(user: User, table: str) -> bool:
    """The dashboard's tables for everyone who reads it; the institution register (names and
    leaders' e-mail addresses) for consultants."""
    if table not in MADE_BY_WORKER:
        return False
    if table in FOR_CONSULTANTS:
        return is_consultant(user)
    return user.is_active
