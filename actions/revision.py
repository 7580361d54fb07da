"""The four-yearly revision: copy the adopted strategy into a draft, compare the two, adopt.

Every copied item keeps a link (`origin`) to the item it came from. That link is what the
comparison matches on and what carries an institution's progress over on adoption.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from core import fragments
from core.history import history_note
from goals.models import Aim, Domain, Goal, Indicator, Principle, Strategy
from institutions.models import Institution

from .editing import KINDS
from .models import Action, Progress
from .services import STRATEGY_TEXT_FIELDS
from .tallies import tallies_recount

COPIED = gettext_lazy("Copied from the previous version")
UNFINISHED = [Progress.Status.NOT_STARTED, Progress.Status.IN_PROGRESS]


def copy_item(item, *, by, **values):
    """Save a copy of `item` with `values` set; the original is left as it was."""
    item.pk = item.id = None
    item._state.adding = True
    item._prefetched_objects_cache = {}  # the original's actors and principles, not the copy's
    item.version = 1
    for name, value in values.items():
        setattr(item, name, value)
    history_note(item, by=by, reason=str(COPIED))
    item.save()
    return item


@transaction.atomic
def revision_start(
    *, strategy: Strategy, title: str, period_start: dt.date, period_end: dt.date, by
) -> Strategy:
    """Copy the adopted strategy into a draft of the next version.

    Aims, principles, domains, goals, actions (with sub-items and actors) and indicators are
    copied, each linked to its original. Actions that some active institution has not yet
    finished are marked as continued, their progress to be carried over on adoption; the
    consultant can choose to reset it instead, action by action.
    """
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    if strategy.status != Strategy.Status.ADOPTED:
        raise ValidationError(_("Only the adopted strategy can be revised."))
    if strategy.next_versions.filter(status=Strategy.Status.DRAFT).exists():
        raise ValidationError(_("A revision of this strategy has already been started."))
    unfinished = set(
        Progress.objects.filter(
            action__goal__domain__strategy=strategy,
            institution__is_active=True,
            status__in=UNFINISHED,
        ).values_list("action_id", flat=True)
    )
    draft = Strategy(
        **{name: getattr(strategy, name) for name in STRATEGY_TEXT_FIELDS},
        period_start=period_start,
        period_end=period_end,
        status=Strategy.Status.DRAFT,
        previous=strategy,
    )
    draft.title = title
    history_note(draft, by=by, reason=str(COPIED))
    draft.full_clean()
    draft.save()

    for aim in strategy.aims.all():
        copy_item(aim, by=by, strategy=draft, origin_id=aim.pk)
    principles = {}
    for principle in strategy.principles.all():
        old_pk = principle.pk
        principles[old_pk] = copy_item(principle, by=by, strategy=draft, origin_id=old_pk)
    goals = {}
    for domain in strategy.domains.prefetch_related("goals__principles"):
        old_goals = list(domain.goals.all())
        new_domain = copy_item(domain, by=by, strategy=draft, origin_id=domain.pk)
        for goal in old_goals:
            old_pk, old_principles = goal.pk, [p.pk for p in goal.principles.all()]
            goals[old_pk] = copy_item(goal, by=by, domain=new_domain, origin_id=old_pk)
            goals[old_pk].principles.set([principles[pk] for pk in old_principles])

    copies = {}
    actions = (
        Action.objects.filter(goal__domain__strategy=strategy, archived_at=None)
        .prefetch_related("actors")
        .order_by(F("parent").asc(nulls_first=True), "pk")
    )
    for action in actions:
        old_pk, actors = action.pk, list(action.actors.all())
        copies[old_pk] = copy_item(
            action,
            by=by,
            goal=goals[action.goal_id],
            parent=copies.get(action.parent_id),
            origin_id=old_pk,
            carry_over=Action.CarryOver.CARRY if old_pk in unfinished else "",
        )
        copies[old_pk].actors.set(actors)
    for indicator in Indicator.objects.filter(goal__in=list(goals)).prefetch_related("actors"):
        old_pk, actors = indicator.pk, list(indicator.actors.all())
        copy = copy_item(indicator, by=by, goal=goals[indicator.goal_id], origin_id=old_pk)
        copy.actors.set(actors)
    fragments.changed(fragments.STRATEGY)
    return draft


@transaction.atomic
def action_carry_over_set(*, action: Action, carry_over: str, by) -> Action:
    """Choose whether a continued action keeps the institutions' progress on adoption."""
    action = (
        Action.objects.select_for_update()
        .select_related("goal__domain__strategy")
        .get(pk=action.pk)
    )
    if not action.goal.domain.strategy.is_draft or not action.carry_over:
        raise ValidationError(_("Only a continued action in a draft can have this choice."))
    if carry_over not in Action.CarryOver.values:
        raise ValidationError(_("Choose to carry the progress over or to reset it."))
    action.carry_over = carry_over
    action.version += 1
    history_note(action, by=by)
    action.save()
    fragments.changed(fragments.STRATEGY)
    return action


@transaction.atomic
def revision_adopt(
    *, draft: Strategy, decided_on: dt.date, meeting: str, reference: str, by
) -> Strategy:
    """Record the committee's decision: the draft comes into force, the version it replaces
    is archived read-only, and every institution gets its progress rows for the new version,
    with the status of the original where progress is carried over."""
    draft = Strategy.objects.select_for_update().get(pk=draft.pk)
    if not draft.is_draft:
        raise ValidationError(_("Only a draft can be adopted."))
    now = timezone.now()
    for old in Strategy.objects.select_for_update().filter(status=Strategy.Status.ADOPTED):
        old.status, old.archived_at = Strategy.Status.ARCHIVED, now
        old.version += 1
        history_note(
            old, by=by, reason=_("Archived on the adoption of %(title)s") % {"title": draft.title}
        )
        old.save()
    draft.status, draft.adopted_at = Strategy.Status.ADOPTED, now
    draft.approved_on, draft.decision_meeting, draft.decision_reference = (
        decided_on,
        meeting,
        reference,
    )
    draft.version += 1
    history_note(draft, by=by)
    draft.full_clean()
    draft.save()
    _progress_for_adopted(strategy=draft, by=by)
    fragments.changed(fragments.STRATEGY)
    return draft


def _progress_for_adopted(*, strategy: Strategy, by) -> None:
    actions = Action.objects.filter(goal__domain__strategy=strategy, archived_at=None)
    origin_of = {
        pk: origin
        for pk, origin, carry in actions.values_list("pk", "origin_id", "carry_over")
        if origin and carry == Action.CarryOver.CARRY
    }
    carried = {
        (row.action_id, row.institution_id): row
        for row in Progress.objects.filter(action_id__in=origin_of.values())
    }
    institutions = defaultdict(list)
    for pk, actor_id in Institution.objects.values_list("pk", "actor_id"):
        institutions[actor_id].append(pk)
    rows = []
    links = Action.actors.through.objects.filter(action__in=actions)
    for action_id, actor_id in links.values_list("action_id", "actor_id"):
        for institution_id in institutions[actor_id]:
            row = Progress(action_id=action_id, institution_id=institution_id)
            source = carried.get((origin_of.get(action_id), institution_id))
            if source is not None:
                row.status, row.reason, row.note = source.status, source.reason, source.note
                row.updated_by_id, row.updated_at = source.updated_by_id, source.updated_at
            rows.append(row)
    bulk_create_with_history(
        rows,
        Progress,
        batch_size=1000,
        default_user=by,
        default_change_reason=_("Adopted %(title)s") % {"title": strategy.title},
    )
    tallies_recount(action_ids=actions.values_list("pk", flat=True))
    fragments.changed(fragments.PROGRESS, fragments.EVERY_INSTITUTION)


# --- Comparing two versions -----------------------------------------------------------------


@dataclass
class TextChange:
    label: str
    old: str
    new: str


@dataclass
class ItemChange:
    """One item that differs between the versions. Added items have no `old`, removed ones no
    `new`; a kept item may be changed (its texts), moved (to another container) or both."""

    kind: str
    old: object = None
    new: object = None
    texts: list[TextChange] = field(default_factory=list)
    moved_from: str = ""
    moved_to: str = ""

    @property
    def added(self) -> bool:
        return self.old is None

    @property
    def removed(self) -> bool:
        return self.new is None

    @property
    def moved(self) -> bool:
        return bool(self.moved_to)

    @property
    def label(self) -> str:
        return str(self.new or self.old)


@dataclass
class ComparisonSection:
    title: str
    changes: list[ItemChange] = field(default_factory=list)


@dataclass
class Comparison:
    old: Strategy
    new: Strategy
    sections: list[ComparisonSection]

    def count(self, what: str) -> int:
        return sum(getattr(c, what) for s in self.sections for c in s.changes)

    @property
    def total(self) -> int:
        return sum(len(section.changes) for section in self.sections)


def _items(old: Strategy, new: Strategy) -> tuple[dict[str, list], dict[str, list]]:
    """Every item of both versions, one query per kind for the two together, split by version
    (the old version's items first, the new one's second)."""
    both = [old.pk, new.pk]
    querysets = {
        "formaal": Aim.objects.filter(strategy__in=both),
        "pejlemaerke": Principle.objects.filter(strategy__in=both),
        "domaene": Domain.objects.filter(strategy__in=both),
        "maal": Goal.objects.filter(domain__strategy__in=both).select_related("domain"),
        "handling": Action.objects.filter(goal__domain__strategy__in=both, archived_at=None)
        .select_related("goal__domain")
        .prefetch_related("actors")
        .order_by("goal__domain__order", "goal__order", "order", "pk"),
        "indikator": Indicator.objects.filter(goal__domain__strategy__in=both)
        .select_related("goal__domain")
        .prefetch_related("actors"),
    }
    olds, news = {}, {}
    for slug, queryset in querysets.items():
        items = list(queryset)
        olds[slug] = [item for item in items if _version_of(item) == old.pk]
        news[slug] = [item for item in items if _version_of(item) == new.pk]
    return olds, news


def _version_of(item) -> int:
    """The id of the version an item belongs to."""
    domain = _domain(item)
    return domain.strategy_id if domain is not None else item.strategy_id


def _container(item):
    """What an item sits in, for telling that it moved: a goal's domain, an action's goal."""
    if isinstance(item, Goal):
        return item.domain
    if isinstance(item, Action | Indicator):
        return item.goal
    return None


def _domain(item):
    if isinstance(item, Domain):
        return item
    if isinstance(item, Goal):
        return item.domain
    if isinstance(item, Action | Indicator):
        return item.goal.domain
    return None


def _texts(slug: str, item) -> list[tuple[str, str, str]]:
    kind = KINDS[slug]
    texts = [
        (str(item._meta.get_field(name).verbose_name), name, str(getattr(item, name) or ""))
        for name in kind.texts
    ]
    if slug in ("handling", "indikator"):
        actors = ", ".join(actor.name for actor in item.actors.all())
        texts.append((str(_("actors")), "actors", actors))
    return texts


def _text_changes(slug: str, old, new) -> list[TextChange]:
    return [
        TextChange(label.capitalize(), old_text, new_text)
        for (label, _name, old_text), (_label, _name2, new_text) in zip(
            _texts(slug, old), _texts(slug, new), strict=True
        )
        if old_text != new_text
    ]


def revision_compare(*, old: Strategy, new: Strategy) -> Comparison:
    """What the newer version adds, removes, changes (texts, word by word) and moves,
    grouped by domain; the strategy's own texts, aims and principles come first."""
    general = ComparisonSection(_("The strategy"))
    for name in STRATEGY_TEXT_FIELDS:
        old_text, new_text = str(getattr(old, name)), str(getattr(new, name))
        if old_text != new_text:
            label = str(Strategy._meta.get_field(name).verbose_name).capitalize()
            general.changes.append(
                ItemChange(
                    str(KINDS["strategi"].label).capitalize(),
                    old,
                    new,
                    [TextChange(label, old_text, new_text)],
                )
            )
    olds, news = _items(old, new)
    copied_domain = {d.origin_id: d for d in news["domaene"] if d.origin_id}
    by_domain: dict[int, ComparisonSection] = {
        domain.pk: ComparisonSection(domain.name) for domain in news["domaene"]
    }
    removed_domains: dict[int, ComparisonSection] = {}

    def section_for(item, *, is_old: bool) -> ComparisonSection:
        domain = _domain(item)
        if domain is None:
            return general
        if not is_old:
            return by_domain[domain.pk]
        if domain.pk in copied_domain:
            return by_domain[copied_domain[domain.pk].pk]
        return removed_domains.setdefault(domain.pk, ComparisonSection(domain.name))

    for slug in ("formaal", "pejlemaerke", "domaene", "maal", "handling", "indikator"):
        kind = str(KINDS[slug].label).capitalize()
        old_items = {item.pk: item for item in olds[slug]}
        kept = set()
        for item in news[slug]:
            original = old_items.get(item.origin_id)
            if original is None:
                section_for(item, is_old=False).changes.append(ItemChange(kind, new=item))
                continue
            kept.add(original.pk)
            change = ItemChange(kind, original, item, _text_changes(slug, original, item))
            container, old_container = _container(item), _container(original)
            if container is not None and container.origin_id != old_container.pk:
                change.moved_from, change.moved_to = str(old_container), str(container)
            if change.texts or change.moved:
                section_for(item, is_old=False).changes.append(change)
        for pk, item in old_items.items():
            if pk not in kept:
                section_for(item, is_old=True).changes.append(ItemChange(kind, old=item))
    sections = [general, *by_domain.values(), *removed_domains.values()]
    return Comparison(old=old, new=new, sections=[s for s in sections if s.changes])


# --- What a leader is told after an adoption -------------------------------------------------


@dataclass
class RevisionNotice:
    strategy: Strategy
    added: int
    carried: int
    reset: int
    removed: int


def revision_notice(*, strategy: Strategy, actor_id: int, days: int = 90) -> RevisionNotice | None:
    """For a recently adopted version: what changed for institutions of one kind."""
    if not (strategy.previous_id and strategy.adopted_at):
        return None
    if strategy.adopted_at < timezone.now() - dt.timedelta(days=days):
        return None
    actions = Action.objects.filter(
        goal__domain__strategy=strategy, archived_at=None, actors=actor_id
    )
    counts = actions.aggregate(
        added=Count("pk", filter=Q(origin=None)),
        carried=Count("pk", filter=Q(origin__isnull=False, carry_over=Action.CarryOver.CARRY)),
        reset=Count("pk", filter=Q(origin__isnull=False, carry_over=Action.CarryOver.RESET)),
    )
    removed = (
        Action.objects.filter(
            goal__domain__strategy_id=strategy.previous_id, archived_at=None, actors=actor_id
        )
        .exclude(pk__in=actions.exclude(origin=None).values("origin_id"))
        .count()
    )
    return RevisionNotice(strategy=strategy, removed=removed, **counts)
