"""Who may see and ask for which reports (DESIGN.md §4)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from institutions.models import Institution, User
from institutions.permissions import institutions_for, is_consultant, may_request_plan_pdf

from .models import Report


def reports_visible(user: User) -> QuerySet:
    """The reports a person may see and download (DESIGN §4): consultants all; the committee
    status and revision reports; leaders their own institutions' action plans."""
    reports = Report.objects.filter(batch__isnull=True)
    if is_consultant(user):
        return reports
    if user.is_active and user.role == User.Role.COMMITTEE:
        return reports.filter(kind__in=[Report.Kind.STATUS, Report.Kind.REVISION])
    return reports.filter(
        kind=Report.Kind.ACTION_PLAN, institution__in=institutions_for(user).values("pk")
    )


def report_readable(user: User, pk: int) -> Report:
    """A report the person may see; anyone else's is a 404, so existence does not leak."""
    return get_object_or_404(reports_visible(user).select_related("institution"), pk=pk)


def may_request_report(user: User, kind: str, institution: Institution | None = None) -> bool:
    if is_consultant(user):
        return True
    if kind in (Report.Kind.STATUS, Report.Kind.REVISION):
        return user.is_active and user.role == User.Role.COMMITTEE
    if kind == Report.Kind.ACTION_PLAN:
        return may_request_plan_pdf(user, institution)
    return False
