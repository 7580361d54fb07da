from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from goals.selectors import strategy_current
from strategy_tracker.permissions import (
    institution_readable,
    institutions_for,
    is_consultant,
    may_edit_progress,
    may_read_everything,
)

from .forms import ProgressForm
from .models import Progress
from .selectors import institution_progress, progress_changes
from .services import ProgressConflict, progress_set


@require_GET
def my_institution(request):
    """The leader's landing page: their (first) institution."""
    institution = institutions_for(request.user).order_by("name").first()
    if institution is None or is_consultant(request.user) or may_read_everything(request.user):
        return redirect("institution_list" if is_consultant(request.user) else "strategy")
    return redirect("institution_progress", pk=institution.pk)


def _page(request, institution, *, failed=None, status=200):
    """The institution's actions; `failed` is a row whose change was refused, with why."""
    strategy = strategy_current()
    sections = institution_progress(institution=institution, strategy=strategy) if strategy else []
    for section in sections:
        for row in section.rows:
            if failed and row.pk == failed["row"].pk:
                row.form, row.conflict = failed["form"], failed.get("conflict")
    own = institutions_for(request.user).order_by("name") if not is_consultant(request.user) else []
    return render(
        request,
        "actions/institution_progress.html",
        {
            "institution": institution,
            "sections": sections,
            "done": sum(section.done for section in sections),
            "counted": sum(section.counted for section in sections),
            "may_edit": may_edit_progress(request, institution),
            "own_institutions": own,
            "statuses": Progress.Status.choices,
        },
        status=status,
    )


@require_GET
def institution_progress_view(request, pk):
    return _page(request, institution_readable(request.user, pk))


@require_POST
def progress_update(request, pk, action_pk):
    institution = institution_readable(request.user, pk)
    if not may_edit_progress(request, institution):
        raise PermissionDenied(_("You may not change this institution's status."))
    row = get_object_or_404(Progress, institution=institution, action_id=action_pk)
    form = ProgressForm(request.POST)
    failed, status = None, 200
    if not form.is_valid():
        failed, status = {"row": row, "form": form}, 400
    else:
        try:
            row = progress_set(
                progress_id=row.pk,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            )
        except ProgressConflict as conflict:
            failed, status = {"row": conflict.current, "form": form, "conflict": True}, 409
    # htmx picks the changed row and the bars out of the page (hx-select), so both the
    # enhanced and the plain form get the same page.
    if failed or request.headers.get("HX-Request") == "true":
        return _page(request, institution, failed=failed, status=status)
    messages.success(request, _("Saved: %(status)s.") % {"status": row.get_status_display()})
    return redirect(reverse("institution_progress", args=[pk]) + f"#action-{action_pk}")


@require_GET
def progress_history(request, pk, action_pk):
    """One action's timeline at the institution."""
    institution = institution_readable(request.user, pk)
    row = get_object_or_404(
        Progress.objects.select_related("action"), institution=institution, action_id=action_pk
    )
    return render(
        request,
        "actions/progress_history.html",
        {
            "institution": institution,
            "row": row,
            "changes": progress_changes(institution=institution, action_id=action_pk),
        },
    )


@require_GET
def institution_changes(request, pk):
    """The institution's recent changes, newest first."""
    institution = institution_readable(request.user, pk)
    return render(
        request,
        "actions/institution_changes.html",
        {"institution": institution, "changes": progress_changes(institution=institution)},
    )
