import json

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import fragments
from core.params import id_from, query_without
from goals.models import Indicator
from goals.permissions import strategy_writable
from goals.selectors import institution_indicators, strategy_current, strategy_current_or_404
from goals.services import measurement_record
from institutions.models import Actor
from institutions.permissions import (
    consultant_required,
    institution_readable,
    institutions_for,
    is_consultant,
    may_edit_progress,
    may_read_everything,
    may_request_plan_pdf,
    may_see_all_plans,
    own_memberships,
    plan_owner,
)

from . import rollup
from .forms import (
    ActionPlanItemForm,
    MeasurementForm,
    PlanApproveForm,
    PoolAllocationForm,
    ProgressForm,
)
from .models import Action, ActionPlan, ActionPlanItem, Progress
from .revision import revision_notice
from .selectors import (
    PROGRESS_FILTERS,
    ProgressChange,
    action_plan_get,
    institution_local_goals,
    institution_progress,
    plan_budget_institutions,
    plan_budget_totals,
    plan_budgets,
    plan_page,
    pool_allocation_preview,
    progress_changes,
    progress_filtered,
    progress_tick_parts,
    sections_opened,
)
from .services import (
    ProgressConflict,
    action_plan_approve,
    goal_progress_set,
    plan_item_add,
    plan_item_delete,
    plan_item_save,
    pool_allocation_create,
    progress_set,
)


@require_GET
def my_institution(request):
    """The leader's landing page: their (first) institution."""
    institution = institutions_for(request.user).order_by("name").first()
    if institution is None or is_consultant(request.user) or may_read_everything(request.user):
        return redirect("institution_list" if is_consultant(request.user) else "strategy")
    return redirect("institution_progress", pk=institution.pk)


def _page(request, institution, *, failed=None, failed_measurement=None, status=200):
    """The institution's actions and indicators, narrowed by `?vis=` to one kind of row;
    `failed` is a row whose change was refused, with why, and `failed_measurement` an
    indicator's refused form."""
    strategy = strategy_current()
    may_edit = may_edit_progress(request, institution)
    today = timezone.localdate()
    view = request.GET.get("vis", "")
    view = view if view in PROGRESS_FILTERS else ""
    opened = failed["row"].action.goal.domain_id if failed else id_from(request.GET.get("domaene"))

    def progress_context():
        sections = institution_progress(institution=institution, strategy=strategy)
        filters = progress_filtered(sections, view=view, today=today)
        sections_opened(sections, opened=opened)
        indicators = institution_indicators(institution=institution, strategy=strategy)
        local_goals = institution_local_goals(institution=institution, strategy=strategy)
        for indicator in indicators:
            if failed_measurement and indicator.pk == failed_measurement[0]:
                indicator.form = failed_measurement[1]
            else:
                indicator.form = MeasurementForm(
                    initial={"measured_on": today}, auto_id=f"m{indicator.pk}-%s"
                )
        for section in sections:
            for row in section.rows:
                # Set on every row: a lookup that fails costs the template a dir() of the row.
                row.form, row.conflict = None, False
                if failed and row.pk == failed["row"].pk:
                    row.form, row.conflict = failed["form"], failed.get("conflict")
        shown = [row for section in sections for row in section.shown]
        first_open = next((row for row in shown if rollup.is_open(row.status)), None)
        return {
            "institution": institution,
            "sections": sections,
            "filters": filters,
            "view": view,
            "first_open": first_open,
            "first_open_shown": first_open is not None
            and any(section.is_open and first_open in section.shown for section in sections),
            "done": sum(section.done for section in sections),
            "counted": sum(section.counted for section in sections),
            "may_edit": may_edit,
            "statuses": Progress.Status.choices,
            "indicators": indicators,
            "local_goals": local_goals,
        }

    template = "actions/includes/institution_progress_body.html"
    if strategy is None:
        progress = render_to_string(template, {"sections": []}, request=request)
    elif failed or failed_measurement:  # a refused change is shown once, never cached
        progress = render_to_string(template, progress_context(), request=request)
    else:
        progress = fragments.fragment(
            request,
            "institution-progress",
            kinds=fragments.institution_kinds(institution.pk),
            vary_on=[
                institution.pk,
                today,
                view,
                opened,
                may_edit and fragments.form_owner(request),
            ],
            template=template,
            context=progress_context,
        )
    own = own_memberships(request.user)
    return render(
        request,
        "actions/institution_progress.html",
        {
            "institution": institution,
            "progress": progress,
            "may_edit": may_edit,
            "own_memberships": own,
            "revision": revision_notice(strategy=strategy, actor_id=institution.actor_id)
            if strategy
            else None,
        },
        status=status,
    )


@require_GET
def institution_progress_view(request, pk):
    return _page(request, institution_readable(request.user, pk))


def _institution_to_change(request, pk):
    """The institution whose progress the person is changing: 404 when they may not see
    it, 403 when they may only read it."""
    institution = institution_readable(request.user, pk)
    if not may_edit_progress(request, institution):
        raise PermissionDenied(_("You may not change this institution's status."))
    return institution


@require_POST
def progress_update(request, pk, action_pk):
    institution = _institution_to_change(request, pk)
    row = get_object_or_404(
        Progress.objects.select_related("action__goal__domain__strategy"),
        institution=institution,
        action_id=action_pk,
    )
    strategy = row.action.goal.domain.strategy
    strategy_writable(strategy)
    form = ProgressForm(request.POST)
    failed, status = None, 200
    before = (row.status, row.note)
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
    saved = "" if failed else _progress_saved_message(row, before=before)
    # htmx picks the changed row and the bars out of the page (hx-select), so both the
    # enhanced and the plain form get the same page; the page's script reads aloud what was
    # saved and puts focus back on the control that was used (static/js/app.js).
    if failed or request.headers.get("HX-Request") == "true":
        if failed:
            response = _page(request, institution, failed=failed, status=status)
        else:
            response = _tick_answer(request, institution, strategy, row=row)
        if saved:
            response["HX-Trigger"] = json.dumps({"progress-saved": {"message": saved}})
        return response
    messages.success(request, saved)
    # The row's domain opened, in case the institution's domains open one at a time.
    domain = row.action.goal.domain_id
    return redirect(
        reverse("institution_progress", args=[pk]) + f"?domaene={domain}#action-{action_pk}"
    )


def _tick_answer(request, institution, strategy, *, row: Progress):
    """A tick sent by htmx is answered with the changed action and the counts it moves, each
    under the id the page picks it by, rather than the institution's whole page."""
    parts = progress_tick_parts(institution=institution, strategy=strategy, row=row)
    row.form, row.conflict = None, False
    return render(
        request,
        "actions/includes/progress_tick.html",
        {
            "institution": institution,
            "section": parts.section,
            "row": row,
            "done": parts.total.done,
            "counted": parts.total.counted,
            "may_edit": may_edit_progress(request, institution),
            "statuses": Progress.Status.choices,
        },
    )


@require_POST
def goal_progress_update(request, pk, goal_pk):
    """Say whether the institution has reached one of its local goals."""
    institution = _institution_to_change(request, pk)
    strategy = strategy_current_or_404()
    goals = institution_local_goals(institution=institution, strategy=strategy)
    goal = next((goal for goal in goals if goal.pk == goal_pk), None)
    if goal is None:
        raise Http404(_("The institution does not meet that goal."))
    answer = request.POST.get("reached")
    if answer not in ("yes", "no"):
        raise BadRequest(_("Say whether the goal is reached."))
    goal_progress_set(goal=goal, institution=institution, reached=answer == "yes", by=request.user)
    messages.success(
        request,
        _("Saved: the goal is reached.") if answer == "yes" else _("Saved: not reached yet."),
    )
    return redirect(reverse("institution_progress", args=[pk]) + f"#goal-{goal.pk}")


def _progress_saved_message(row: Progress, *, before: tuple[str, str]) -> str:
    """What a person is told after a change: the new status, or that the note was saved."""
    if row.status == before[0] and row.note != before[1]:
        return _("The note is saved.")
    return _("Saved: %(status)s.") % {"status": row.get_status_display()}


def _change_rows(request, changes: list[ProgressChange], *, show_action: bool) -> list[str]:
    """The changes' entries. A recorded change never changes, so each is drawn once and kept
    until a name or the strategy's texts change."""
    return fragments.rows(
        request,
        "progress-change",
        changes,
        kinds=[fragments.STRATEGY, fragments.PEOPLE],
        key=lambda change: (change.record.history_id, show_action),
        template="actions/includes/change.html",
        context=lambda change: {"change": change, "show_action": show_action},
    )


def _change_list(request, institution) -> str:
    """The institution's newest changes, kept until something changes there or a name or the
    strategy's texts change."""
    return fragments.fragment(
        request,
        "progress-changes",
        kinds=fragments.institution_kinds(institution.pk),
        vary_on=[institution.pk],
        template="actions/includes/change_list.html",
        context=lambda: {
            "changes": _change_rows(
                request, progress_changes(institution=institution), show_action=True
            )
        },
    )


@require_GET
def progress_history(request, pk, action_pk):
    """One action's timeline at the institution, kept until something changes there (a row
    that goes retires it too, so a kept timeline is never of a row that is gone)."""
    institution = institution_readable(request.user, pk)

    def body_context():
        row = get_object_or_404(
            Progress.objects.select_related("action"), institution=institution, action_id=action_pk
        )
        return {
            "institution": institution,
            "row": row,
            "changes": _change_rows(
                request, progress_changes(institution=institution, row=row), show_action=False
            ),
        }

    body = fragments.fragment(
        request,
        "progress-history",
        kinds=fragments.institution_kinds(institution.pk),
        vary_on=[institution.pk, action_pk],
        template="actions/includes/progress_history_body.html",
        context=body_context,
    )
    return render(
        request,
        "actions/progress_history.html",
        {"institution": institution, "body": body},
    )


@require_GET
def institution_changes(request, pk):
    """The institution's recent changes, newest first."""
    institution = institution_readable(request.user, pk)
    return render(
        request,
        "actions/institution_changes.html",
        {
            "institution": institution,
            "changes": _change_list(request, institution),
        },
    )


# --- Handleplaner ---------------------------------------------------------------------------


def _item_form(plan: ActionPlan, data=None, item: ActionPlanItem | None = None):
    """The item form, offering the actions of the plan's actor not already in the plan."""
    actions = Action.objects.filter(
        goal__domain__strategy=plan.strategy, archived_at=None
    ).order_by("goal__domain__order", "goal__order", "order", "pk")
    if plan.institution_id:
        actions = actions.filter(actors=plan.institution.actor_id)
    else:
        actions = actions.filter(actors__code=Actor.ADMINISTRATION)
    if plan.pk:
        taken = plan.items.exclude(pk=item.pk if item else None).exclude(action=None)
        actions = actions.exclude(pk__in=taken.values("action_id"))
    return ActionPlanItemForm(
        data,
        instance=item or ActionPlanItem(),
        actions=actions,
        domains=plan.strategy.domains.order_by("order"),
        strategy=plan.strategy,
    )


def _item_fields(request, plan: ActionPlan, form) -> str:
    """The item form's fields: a form sent back with errors drawn afresh, the empty form (its
    choice of the strategy's actions is a third of the page's time) kept until the strategy
    or the plans change."""
    if form is not None:
        return render_to_string("includes/form_fields.html", {"form": form}, request=request)
    return fragments.fragment(
        request,
        "plan-item-form",
        kinds=[fragments.STRATEGY, fragments.PLANS],
        vary_on=[plan.strategy_id, plan.institution_id, plan.pk],
        template="includes/form_fields.html",
        context=lambda: {"form": _item_form(plan)},
    )


def _plan_page(request, *, institution, may_edit, form=None, approve_form=None, status=200):
    """The plan's page. Its body is kept until the plans, the strategy or names change (for
    each browser when it holds forms); a form sent back with errors is drawn afresh."""
    strategy = strategy_current_or_404()
    today = timezone.localdate()
    may_make_pdf = may_request_plan_pdf(request.user, institution)
    may_see_all = may_see_all_plans(request.user)

    def body_context():
        page = plan_page(strategy=strategy, institution=institution)
        approve = approve_form
        if may_edit and not page.plan.is_approved and approve is None:
            approve = PlanApproveForm(initial={"approved_on": today})
        return {
            "institution": institution,
            "page": page,
            "plan": page.plan,
            "overview": page.overview,
            "may_edit": may_edit,
            "item_fields": _item_fields(request, page.plan, form) if may_edit else "",
            "approve_form": approve,
            "may_make_pdf": may_make_pdf,
        }

    if form is None and approve_form is None:
        body = fragments.fragment(
            request,
            "plan",
            kinds=[fragments.STRATEGY, fragments.PLANS, fragments.PEOPLE],
            vary_on=[
                strategy.pk,
                institution.pk if institution else None,
                may_edit,
                may_make_pdf,
                today,
                (may_edit or may_make_pdf) and fragments.form_owner(request),
            ],
            template="actions/includes/plan_body.html",
            context=body_context,
        )
    else:
        body = render_to_string("actions/includes/plan_body.html", body_context(), request=request)
    return render(
        request,
        "actions/plan.html",
        {
            "institution": institution,
            "body": body,
            "may_edit": may_edit,
            "may_see_all_plans": may_see_all,
        },
        status=status,
    )


def plan_view(request, pk=None):
    """A handleplan with its economic overview; posting the form adds an item."""
    institution, may_edit = plan_owner(request, pk)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("You may not change this action plan."))
        strategy = strategy_current_or_404()
        plan = action_plan_get(strategy=strategy, institution=institution)
        form = _item_form(plan, request.POST)
        if not form.is_valid():
            return _plan_page(
                request, institution=institution, may_edit=may_edit, form=form, status=400
            )
        item = plan_item_add(
            strategy=strategy, institution=institution, item=form.instance, by=request.user
        )
        messages.success(request, _("The item is added to the action plan."))
        return redirect(item.plan.get_absolute_url() + "#items")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return _plan_page(request, institution=institution, may_edit=may_edit)


def _plan_item(request, pk, item_pk) -> ActionPlanItem:
    """An item of a plan the person may edit; another institution's item is a 404."""
    institution, may_edit = plan_owner(request, pk)
    item = get_object_or_404(
        ActionPlanItem.objects.select_related("plan__strategy", "plan__institution"),
        pk=item_pk,
        plan__institution=institution,
    )
    if not may_edit:
        raise PermissionDenied(_("You may not change this action plan."))
    return item


def plan_item_view(request, item_pk, pk=None):
    item = _plan_item(request, pk, item_pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = _item_form(item.plan, request.POST if request.method == "POST" else None, item=item)
    if request.method == "POST" and form.is_valid():
        plan_item_save(item=form.instance, by=request.user)
        messages.success(request, _("The item is saved."))
        return redirect(item.plan.get_absolute_url() + f"#item-{item.pk}")
    return render(
        request,
        "actions/plan_item_form.html",
        {"item": item, "plan": item.plan, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def plan_item_delete_view(request, item_pk, pk=None):
    item = _plan_item(request, pk, item_pk)
    plan_item_delete(item=item, by=request.user)
    messages.success(request, _("The item is removed from the action plan."))
    return redirect(item.plan.get_absolute_url() + "#items")


@require_POST
def plan_approve_view(request, pk=None):
    institution, may_edit = plan_owner(request, pk)
    if not may_edit:
        raise PermissionDenied(_("You may not change this action plan."))
    strategy = strategy_current_or_404()
    plan = action_plan_get(strategy=strategy, institution=institution)
    form = PlanApproveForm(request.POST)
    if plan.pk is None or not form.is_valid():
        if plan.pk is None:
            form.add_error(None, _("Add at least one item before you approve the plan."))
        return _plan_page(
            request, institution=institution, may_edit=may_edit, approve_form=form, status=400
        )
    if plan.is_approved:
        messages.info(request, _("The action plan is already approved."))
    else:
        action_plan_approve(
            plan=plan, approved_on=form.cleaned_data["approved_on"], by=request.user
        )
        messages.success(
            request, _("The action plan is approved. Later changes are recorded as amendments.")
        )
    return redirect(plan.get_absolute_url())


BUDGETS_PER_PAGE = 50


@require_GET
def plan_budgets_view(request):
    """Every local plan's budget side by side, for consultants and the committee."""
    if not may_see_all_plans(request.user):
        raise PermissionDenied(_("Only consultants and the committee see every plan."))
    strategy = strategy_current_or_404()
    # A page of institutions at a time; the totals are everyone's, summed in the database.
    page = Paginator(plan_budget_institutions(), BUDGETS_PER_PAGE).get_page(request.GET.get("side"))
    rows = plan_budgets(strategy=strategy, institutions=page.object_list)
    totals = plan_budget_totals(strategy=strategy)
    return render(
        request,
        "actions/plan_budgets.html",
        {"page": page, "rows": rows, "totals": totals, "query": query_without(request, "side")},
    )


# --- Central pool -------------------------------------------------------------------------


@consultant_required
def pool_allocation_view(request):
    """Share an amount by number of children: preview first, then confirm that preview."""
    strategy = strategy_current_or_404()
    form = PoolAllocationForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        actor_ids = [actor.pk for actor in form.cleaned_data["actors"]]
        preview = pool_allocation_preview(amount=form.cleaned_data["amount"], actor_ids=actor_ids)
        confirmed = "confirm" in request.POST
        if not preview.rows:
            form.add_error(
                "actors", _("None of the chosen kinds of institution has children to share by.")
            )
            preview = None
        elif confirmed and form.cleaned_data["preview"] == preview.fingerprint:
            pool_allocation_create(
                strategy=strategy,
                title=form.cleaned_data["title"],
                amount=form.cleaned_data["amount"],
                actor_ids=actor_ids,
                by=request.user,
            )
            messages.success(request, _("The amount is allocated."))
            return redirect("pool_allocation")
        else:
            if confirmed:
                messages.warning(
                    request,
                    _("The institutions changed since the preview. Check the new allocation."),
                )
            form.data = form.data.copy()
            form.data["preview"] = preview.fingerprint
    allocations = strategy.pool_allocations.select_related("created_by").annotate(
        institutions=Count("shares"), shared=Sum("shares__amount")
    )
    return render(
        request,
        "actions/pool_allocation.html",
        {"form": form, "preview": preview, "allocations": allocations},
        status=400 if form.errors else 200,
    )


# --- Indicators ---------------------------------------------------------------------------


@require_POST
def measurement_add(request, pk, indicator_pk):
    institution = institution_readable(request.user, pk)
    if not may_edit_progress(request, institution):
        raise PermissionDenied(_("You may not report for this institution."))
    strategy = strategy_current_or_404()
    indicator = get_object_or_404(
        Indicator, pk=indicator_pk, goal__domain__strategy=strategy, actors=institution.actor_id
    )
    form = MeasurementForm(request.POST, auto_id=f"m{indicator.pk}-%s")
    if not form.is_valid():
        return _page(request, institution, failed_measurement=(indicator.pk, form), status=400)
    measurement_record(
        indicator=indicator,
        institution=institution,
        value=form.cleaned_data["value"],
        measured_on=form.cleaned_data["measured_on"],
        by=request.user,
    )
    messages.success(request, _("The value is saved."))
    return redirect(reverse("institution_progress", args=[pk]) + f"#indicator-{indicator.pk}")
