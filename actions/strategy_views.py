from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.params import id_from
from goals.forms import RevisionAdoptForm, RevisionStartForm, StrategyCreateForm
from goals.models import Strategy
from goals.permissions import (
    strategies_visible,
    strategy_readable,
    strategy_writable,
)
from goals.selectors import item_history
from goals.services import strategy_create
from institutions.forms import picker_searched
from institutions.permissions import consultant_required

from .editing import CONTAINERS, KINDS, editable
from .models import Action
from .revision import action_carry_over_set, revision_adopt, revision_compare, revision_start
from .selectors import delete_consequences
from .services import EditConflict, action_archive, item_delete, item_move, item_restore, item_save
from .sharing import model_strategies, strategy_copy_model, strategy_share

# --- Editing, for consultants -------------------------------------------------------------


def _editable_fields(kind) -> list[str]:
    form_fields = kind.form._meta.fields
    return [name for name in form_fields if not kind.model._meta.get_field(name).many_to_many]


def _edit_page(request, kind, form, *, instance, conflict=None, status=200):
    template = "goals/item_edit.html"
    if request.headers.get("HX-Request") == "true":
        template += "#item"
    return render(
        request,
        template,
        {
            "kind": kind,
            "kind_label": kind.label_for(instance),
            "form": form,
            "item": instance,
            "conflict": conflict,
            "texts": [
                (form[name].label, form[name].value(), getattr(conflict, name))
                for name in kind.texts
            ]
            if conflict
            else [],
            "back_url": kind.page_url(instance) if instance.pk else _strategy_url(kind, instance),
            "in_place": request.headers.get("HX-Request") == "true",
            "container": kind.container_of(instance) if instance.pk else None,
        },
        status=status,
    )


def _strategy_url(kind, instance) -> str:
    return reverse("strategy_version", args=[kind.strategy_of(instance).pk])


def _writable(kind, pk):
    """The item to change, if its version of the strategy may still be changed."""
    instance = get_object_or_404(kind.model, pk=pk)
    strategy_writable(kind.strategy_of(instance))
    return instance


def _saved(request, kind, instance):
    """Say it is saved, and warn (not refuse) when a deadline falls outside the period."""
    messages.success(request, _("Saved."))
    strategy = kind.strategy_of(instance)
    deadline = getattr(instance, "deadline", None)
    period = (strategy.period_start, strategy.period_end)
    if deadline and all(period) and not period[0] <= deadline <= period[1]:
        messages.warning(
            request,
            _("The deadline %(deadline)s is outside the strategy's period.")
            % {"deadline": date_format(deadline, "j. F Y")},
        )
    return redirect(kind.page_url(instance))


@consultant_required
def item_edit(request, slug, pk):
    """Edit one item; a save that someone else beat is shown side by side, not lost."""
    kind = editable(slug)
    instance = _writable(kind, pk)
    form = kind.form_for(
        strategy=kind.strategy_of(instance),
        instance=instance,
        data=request.POST if request.method == "POST" else None,
    )
    if picker_searched(form, request.POST):
        return _edit_page(request, kind, form, instance=instance)
    if request.method == "POST":
        if not form.is_valid():
            return _edit_page(request, kind, form, instance=instance, status=400)
        try:
            instance = item_save(
                form=form,
                siblings=kind.siblings,
                expected_version=form.cleaned_data["version"],
                by=request.user,
            )
        except EditConflict as conflict:
            # Their text stays in the form; the version moves on, so saving again is a choice.
            data = request.POST.copy()
            data["version"] = conflict.current.version
            form = kind.form_for(
                strategy=kind.strategy_of(conflict.current), instance=conflict.current, data=data
            )
            return _edit_page(
                request,
                kind,
                form,
                instance=conflict.current,
                conflict=conflict.current,
                status=409,
            )
        return _saved(request, kind, instance)
    return _edit_page(request, kind, form, instance=instance)


@consultant_required
def item_create(request, slug, parent_pk):
    kind = editable(slug)
    if kind.parent is None:
        raise Http404
    container = get_object_or_404(CONTAINERS[kind.parent], pk=parent_pk)
    instance = kind.model(**{kind.parent: container})
    strategy = container if isinstance(container, Strategy) else kind.strategy_of(instance)
    strategy_writable(strategy)
    data = request.POST if request.method == "POST" else None
    form = kind.form_for(strategy=strategy, instance=instance, data=data)
    if picker_searched(form, request.POST):
        return _edit_page(request, kind, form, instance=instance)
    if request.method == "POST":
        if not form.is_valid():
            return _edit_page(request, kind, form, instance=instance, status=400)
        instance = item_save(
            form=form, siblings=kind.siblings, expected_version=None, by=request.user
        )
        return _saved(request, kind, instance)
    return _edit_page(request, kind, form, instance=instance)


@consultant_required
@require_POST
def item_move_view(request, slug, pk):
    kind = editable(slug)
    instance = _writable(kind, pk)
    if not kind.siblings or request.POST.get("retning") not in ("op", "ned"):
        return HttpResponseBadRequest(_("Choose up or down."))
    item_move(
        instance=instance, siblings=kind.siblings, step=-1 if request.POST["retning"] == "op" else 1
    )
    return redirect(kind.page_url(instance))


@consultant_required
def item_delete_view(request, slug, pk):
    """Ask first, saying what goes with it; then delete (history is kept)."""
    kind = editable(slug)
    instance = _writable(kind, pk)
    if kind.parent is None:
        raise Http404
    back = _strategy_url(kind, instance)
    if request.method == "POST":
        if "archive" in request.POST and isinstance(instance, Action):
            action_archive(action=instance, by=request.user)
            messages.success(request, _("Archived. Its progress and history are kept."))
        else:
            item_delete(instance=instance, by=request.user)
            messages.success(request, _("Deleted. Its history is kept."))
        return redirect(back)
    return render(
        request,
        "goals/item_delete.html",
        {
            "kind": kind,
            "kind_label": kind.label_for(instance),
            "item": instance,
            "consequences": delete_consequences(instance),
            "may_archive": isinstance(instance, Action),
            "back_url": kind.page_url(instance),
        },
    )


@consultant_required
def item_history_view(request, slug, pk):
    """Who changed what and when, old → new, with each version restorable."""
    kind = editable(slug)
    instance = get_object_or_404(kind.model, pk=pk)
    fields = _editable_fields(kind)
    if request.method == "POST":
        strategy_writable(kind.strategy_of(instance))
        history_id, version = (
            id_from(request.POST.get("history_id")),
            id_from(request.POST.get("version")),
        )
        if history_id is None or version is None:
            return HttpResponseBadRequest(_("Choose a version to restore."))
        record = get_object_or_404(instance.history, history_id=history_id)
        try:
            item_restore(
                instance=instance,
                record=record,
                fields=fields,
                expected_version=version,
                by=request.user,
            )
        except EditConflict:
            messages.error(request, _("Someone changed it meanwhile. Look again before restoring."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The earlier version is restored."))
        return redirect(request.path)
    return render(
        request,
        "goals/item_history.html",
        {
            "kind": kind,
            "kind_label": kind.label_for(instance),
            "item": instance,
            "entries": item_history(instance=instance, texts=kind.texts, fields=fields),
            "back_url": kind.page_url(instance),
        },
    )


@consultant_required
@require_POST
def strategy_create_view(request):
    """The municipality's first strategy, empty, to be filled in on the strategy page."""
    form = StrategyCreateForm(request.POST)
    if not form.is_valid():
        return render(request, "goals/no_strategy.html", {"form": form}, status=400)
    strategy = strategy_create(form=form, by=request.user)
    return redirect("strategy_version", pk=strategy.pk)


# --- The four-yearly revision ----------------------------------------------------------------


@require_GET
def strategy_versions(request):
    """Every version of the strategy, newest first; drafts only for those who may see them."""
    versions = strategies_visible(request.user).order_by("-pk")
    return render(request, "goals/strategy_versions.html", {"versions": versions})


@consultant_required
def revision_start_view(request, pk):
    """Copy the adopted strategy into a draft of the next version."""
    strategy = get_object_or_404(Strategy, pk=pk, status=Strategy.Status.ADOPTED)
    form = RevisionStartForm(request.POST or None, strategy=strategy)
    if request.method == "POST" and form.is_valid():
        try:
            draft = revision_start(strategy=strategy, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The draft is ready. The adopted version stays in force until it is adopted."),
            )
            return redirect("strategy_version", pk=draft.pk)
    return render(
        request,
        "goals/revision_start.html",
        {"strategy": strategy, "form": form},
        status=400 if form.errors else 200,
    )


@consultant_required
@require_POST
def action_carry_over_view(request, pk):
    """Keep or reset the institutions' progress on a continued action when adopted."""
    action = get_object_or_404(Action.objects.select_related("goal__domain"), pk=pk)
    try:
        action_carry_over_set(
            action=action, carry_over=request.POST.get("carry_over", ""), by=request.user
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    messages.success(request, _("Saved."))
    return redirect(KINDS["handling"].page_url(action))


@require_GET
def strategy_compare(request, pk):
    """The version side by side with the one before it: added, removed, changed, moved."""
    strategy = strategy_readable(request.user, pk)
    if strategy.previous is None:
        raise Http404(_("This version has no earlier version to compare with."))
    comparison = revision_compare(old=strategy.previous, new=strategy)
    return render(request, "goals/strategy_compare.html", {"comparison": comparison})


@consultant_required
def strategy_adopt(request, pk):
    """Record the committee's decision and bring the draft into force."""
    draft = get_object_or_404(Strategy, pk=pk, status=Strategy.Status.DRAFT)
    form = RevisionAdoptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revision_adopt(draft=draft, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(title)s is adopted and in force.") % {"title": draft.title}
            )
            return redirect("strategy_version", pk=draft.pk)
    comparison = revision_compare(old=draft.previous, new=draft) if draft.previous else None
    return render(
        request,
        "goals/strategy_adopt.html",
        {"draft": draft, "form": form, "comparison": comparison},
        status=400 if form.errors else 200,
    )


# --- Model strategies shared between municipalities --------------------------------------------


@consultant_required
@require_GET
def strategy_models(request):
    """The strategies other municipalities share as models, to copy as a draft; and this
    municipality's own, to share."""
    own = Strategy.objects.exclude(status=Strategy.Status.DRAFT).order_by("-pk")
    return render(request, "goals/strategy_models.html", {"models": model_strategies(), "own": own})


@consultant_required
@require_POST
def strategy_model_copy(request, pk):
    """Copy a model strategy as a draft of this municipality's, to edit and adopt."""
    try:
        draft = strategy_copy_model(model_pk=pk, by=request.user)
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from None
    messages.success(
        request,
        _("The draft is ready: edit it as your own, and adopt it when the committee has decided."),
    )
    return redirect("strategy_version", pk=draft.pk)


@consultant_required
@require_POST
def strategy_share_view(request, pk):
    """Share the strategy as a model for other municipalities, or withdraw it."""
    strategy = get_object_or_404(Strategy, pk=pk)
    shared = request.POST.get("shared") == "yes"
    try:
        strategy_share(strategy=strategy, shared=shared, by=request.user)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    if shared:
        messages.success(
            request, _("Other municipalities can now copy %(title)s.") % {"title": strategy.title}
        )
    else:
        messages.success(request, _("%(title)s is no longer shared.") % {"title": strategy.title})
    return redirect("strategy_models")
