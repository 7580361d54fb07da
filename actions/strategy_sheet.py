"""A whole strategy to and from a spreadsheet: one row per action, with its domain and goal."""

import re

import tablib
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from core.danish import deadline_text, parse_deadline, parse_kroner
from core.history import history_note
from core.spreadsheets import ImportMeta, WholeNumberWidget, parse_actors
from goals.models import Domain, Goal, Strategy
from institutions.models import Actor, Institution
from institutions.selectors import actor_words

from .models import Action
from .selectors import ActionGroup, named_outside_kinds
from .services import progress_sync

HEADINGS = {
    "domæne": "domain",
    "domain": "domain",
    # What other strategies call their domains.
    "område": "domain",
    "indsatsområde": "domain",
    "fokusområde": "domain",
    "tema": "domain",
    "mål": "goal",
    "goal": "goal",
    "målniveau": "scope",
    "niveau": "scope",
    "handling": "text",
    "action": "text",
    "overpunkt": "parent",
    "del af": "parent",
    "aktør": "actors",
    "aktører": "actors",
    "kun for": "institutions",
    "kun for institutioner": "institutions",
    "institutioner": "institutions",
    "enheder": "institutions",
    "ansvarlig": "responsible",
    "frist": "deadline",
    "budget": "budget",
    "pejlemærker": "principles",
    "pejlemærke": "principles",
}
REQUIRED = ["domain", "goal", "text", "actors"]
COLUMNS = [
    ("domain", "Domæne"),
    ("goal", "Mål"),
    ("scope", "Målniveau"),
    ("text", "Handling"),
    ("parent", "Overpunkt"),
    ("actors", "Aktør"),
    ("institutions", "Kun for institutioner"),
    ("responsible", "Ansvarlig"),
    ("deadline", "Frist"),
    ("budget", "Budget (kr.)"),
    ("principles", "Pejlemærker"),
]
EXAMPLE = [
    "Pædagogik",
    "Børnene bruger digitale medier kreativt.",
    "Lokalt mål",
    "Alle pædagoger får et kursus i digital dannelse.",
    "",
    "Skole og dagtilbud",
    "",
    "Leder",
    "Efteråret 2026",
    "160.000",
    "1",
]
# "Kommunalt mål" or, as many strategies write it, "Kommunale mål"; "Lokalt"/"Lokale mål".
SCOPES = {
    "kommunalt": Goal.Scope.MUNICIPAL,
    "kommunale": Goal.Scope.MUNICIPAL,
    "lokalt": Goal.Scope.LOCAL,
    "lokale": Goal.Scope.LOCAL,
}


def _next_order(queryset) -> int:
    return (queryset.aggregate(last=Max("order"))["last"] or 0) + 1


class GoalWidget(widgets.Widget):
    """A goal found by its text under its domain (the row's "Domæne"); both are created the
    first time they appear, in the order they appear."""

    def __init__(self, strategy: Strategy):
        super().__init__()
        self.strategy = strategy

    def clean(self, value, row=None, **kwargs):
        text, domain_name = str(value).strip(), str(row.get("domain", "")).strip()
        if not domain_name:
            raise ValueError(_("Write the domain."))
        if not text:
            raise ValueError(_("Write the goal."))
        scope_word = str(row.get("scope", "")).strip().lower().split(" ")[0]
        if scope_word and scope_word not in SCOPES:
            raise ValueError(_("Write the goal's level as “kommunalt” or “lokalt”."))
        domain = self.strategy.domains.filter(name=domain_name).first()
        if domain is None:
            domain = Domain.objects.create(
                strategy=self.strategy, name=domain_name, order=_next_order(self.strategy.domains)
            )
        goal = domain.goals.filter(text=text).first()
        if goal is None:
            goal = Goal.objects.create(
                domain=domain,
                text=text,
                scope=SCOPES.get(scope_word, Goal.Scope.MUNICIPAL),
                order=_next_order(domain.goals),
            )
        if numbers := str(row.get("principles", "")).strip():
            goal.principles.set(self._principles(numbers))
        return goal

    def _principles(self, numbers: str):
        """ "1, 3": the strategy's first and third pejlemærke."""
        principles = list(self.strategy.principles.order_by("order", "pk"))
        chosen = []
        for number in re.split(r"[,; ]+", numbers):
            if not number.isdigit() or not 1 <= int(number) <= len(principles):
                raise ValueError(
                    _("The strategy has no guiding principle number %(number)s.")
                    % {"number": number}
                )
            chosen.append(principles[int(number) - 1])
        return chosen

    def render(self, value, obj=None, **kwargs):
        return value.text if value else ""


class ActorsWidget(widgets.ManyToManyWidget):
    """ "Skole og dagtilbud", "Dagtilbud/Skole", "Dagpleje": the municipality's own kinds."""

    def __init__(self):
        super().__init__(Actor, field="code")
        self.words = actor_words()

    def clean(self, value, row=None, **kwargs):
        codes = parse_actors(value, self.words)
        if not codes:
            raise ValueError(_("Choose who carries out the action."))
        return Actor.objects.filter(code__in=codes)

    def render(self, value, obj=None, **kwargs):
        return actors_label(list(value.all())) if value is not None else ""


class InstitutionsWidget(widgets.ManyToManyWidget):
    """ "Dagplejen Nord, Dagplejen Syd": a project only these institutions follow."""

    def __init__(self):
        super().__init__(Institution, field="name")

    def clean(self, value, row=None, **kwargs):
        codes = parse_actors((row or {}).get("actors", ""), actor_words())
        return Institution.objects.filter(
            pk__in=[i.pk for i in named_institutions(value, codes=codes)]
        )

    def render(self, value, obj=None, **kwargs):
        return ", ".join(i.name for i in value.order_by("name")) if value is not None else ""


def named_institutions(value, *, codes: list[str]) -> list[Institution]:
    """ "Dagplejen Nord, Dagplejen Syd": the institutions a project is only for, which must
    exist and be of the kinds `codes`; ValueError with a Danish message otherwise."""
    names = [name.strip() for name in re.split(r"[,;\n]", str(value or "")) if name.strip()]
    if not names:
        return []
    found = list(Institution.objects.filter(name__in=names))
    unknown = sorted(set(names) - {institution.name for institution in found})
    if unknown:
        raise ValueError(_("No institution is called %(names)s.") % {"names": ", ".join(unknown)})
    refusal = named_outside_kinds(institutions=found, actors=Actor.objects.filter(code__in=codes))
    if refusal:
        raise ValueError(refusal)
    return found


def actors_label(actors) -> str:
    """ "Skole og dagtilbud", as the strategy page groups them (and parse_actors reads)."""
    actors = tuple(sorted(actors, key=lambda actor: actor.order))
    return ActionGroup(actors=actors).label if actors else ""


class ParentWidget(widgets.Widget):
    """A sub-item's parent: an action with that text under the same goal, from an earlier row."""

    def __init__(self, strategy: Strategy):
        super().__init__()
        self.strategy = strategy

    def clean(self, value, row=None, **kwargs):
        text = str(value).strip()
        if not text:
            return None
        parent = Action.objects.filter(
            goal__domain__strategy=self.strategy,
            goal__domain__name=str(row.get("domain", "")).strip(),
            goal__text=str(row.get("goal", "")).strip(),
            text=text,
            parent=None,
        ).first()
        if parent is None:
            raise ValueError(_("The parent must be an action above it under the same goal."))
        return parent

    def render(self, value, obj=None, **kwargs):
        return value.text if value else ""


class DeadlineWidget(widgets.Widget):
    """One part of a "Frist" cell (`parse_deadline`): 0 the date, 1 the words. The row itself
    is left as it came, so a refused row can be handed back as it was written."""

    def __init__(self, part: int):
        super().__init__()
        self.part = part

    def clean(self, value, row=None, **kwargs):
        try:
            return parse_deadline(value or "")[self.part]
        except ValueError:
            if self.part == 1:
                return str(value).strip()  # the date's part says what is wrong, once
            raise


class ActionResource(resources.ModelResource):
    """Rows are matched to the strategy's actions by goal, text and actors: a strategy may
    say the same words once for schools and once for daycare."""

    text = fields.Field(attribute="text", column_name="text")
    responsible = fields.Field(attribute="responsible", column_name="responsible")
    # One "Frist" column holds either a date or words such as "Efteråret 2026".
    deadline = fields.Field(attribute="deadline", column_name="deadline", widget=DeadlineWidget(0))
    deadline_label = fields.Field(
        attribute="deadline_label", column_name="deadline", widget=DeadlineWidget(1)
    )
    budget = fields.Field(
        attribute="budget",
        column_name="budget",
        widget=WholeNumberWidget(gettext_lazy("The budget cannot be negative.")),
    )

    class Meta(ImportMeta):
        model = Action
        fields = [
            "goal",
            "text",
            "parent",
            "actors",
            "institutions",
            "responsible",
            "deadline",
            "deadline_label",
            "budget",
        ]
        import_id_fields = ["goal", "text"]

    def __init__(self, *, strategy: Strategy, by=None):
        super().__init__()
        self.strategy, self.by = strategy, by
        self.fields["goal"] = fields.Field(
            attribute="goal", column_name="goal", widget=GoalWidget(strategy)
        )
        self.fields["parent"] = fields.Field(
            attribute="parent", column_name="parent", widget=ParentWidget(strategy)
        )
        self.fields["actors"] = fields.Field(
            attribute="actors", column_name="actors", widget=ActorsWidget()
        )
        self.fields["institutions"] = fields.Field(
            attribute="institutions", column_name="institutions", widget=InstitutionsWidget()
        )

    def get_queryset(self):
        return Action.objects.filter(goal__domain__strategy=self.strategy)

    def get_instance(self, instance_loader, row):
        goal = self.fields["goal"].clean(row)
        codes = set(parse_actors(row.get("actors", ""), self.fields["actors"].widget.words))
        same_words = self.get_queryset().filter(goal=goal, text=str(row.get("text", "")).strip())
        for action in same_words.prefetch_related("actors"):
            if {actor.code for actor in action.actors.all()} == codes:
                return action
        return None

    def understood(self, instance, row) -> list[str]:
        """How the preview shows a row: the values as they would be saved."""
        try:
            codes = parse_actors(row["actors"], self.fields["actors"].widget.words)
            actors = actors_label(Actor.objects.filter(code__in=codes))
        except ValueError:
            actors = ""
        try:
            day, label = parse_deadline(row.get("deadline", ""))
        except ValueError:
            day, label = None, row.get("deadline", "")
        goal = getattr(instance, "goal", None) if instance else None
        try:
            budget = parse_kroner(row.get("budget", ""))
        except ValueError:
            budget = None
        return [
            goal.domain.name if goal else row.get("domain", ""),
            goal.text if goal else row.get("goal", ""),
            goal.get_scope_display() if goal else "",
            row.get("text", ""),
            row.get("parent", ""),
            actors,
            row.get("institutions", ""),
            row.get("responsible", ""),
            deadline_text(day, label),
            "" if budget is None else f"{budget:,} kr.".replace(",", "."),
            row.get("principles", ""),
        ]

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            instance.order = _next_order(Action.objects.filter(goal=instance.goal))
        else:
            # As a save in the browser does: an edit form opened before the import meets a
            # conflict instead of saving over what was imported.
            instance.version += 1
        history_note(instance, by=self.by)

    def after_import(self, dataset, result, **kwargs):
        if not kwargs.get("dry_run"):
            progress_sync(action_ids=self.get_queryset().values_list("pk", flat=True))


def strategy_export(*, strategy: Strategy) -> tablib.Dataset:
    """The strategy's actions, one row each with domain and goal, in the import's headings."""
    data = tablib.Dataset(headers=[heading for _name, heading in COLUMNS])
    actions = (
        Action.objects.filter(goal__domain__strategy=strategy, archived_at=None)
        .select_related("goal__domain", "parent")
        .prefetch_related("actors", "institutions", "goal__principles")
        .order_by("goal__domain__order", "goal__order", "order", "pk")
    )
    position = {
        principle.pk: number
        for number, principle in enumerate(strategy.principles.order_by("order", "pk"), start=1)
    }
    ordered = []
    children = {}
    for action in actions:
        children.setdefault(action.parent_id, []).append(action)
    # A sub-item follows its parent, so an import meets the parent first.
    for action in children.get(None, []):
        ordered.append(action)
        ordered.extend(children.get(action.pk, []))
    for action in ordered:
        goal = action.goal
        data.append(
            [
                goal.domain.name,
                goal.text,
                goal.get_scope_display(),
                action.text,
                action.parent.text if action.parent else "",
                actors_label(action.actors.all()),
                ", ".join(sorted(i.name for i in action.institutions.all())),
                action.responsible,
                action.deadline_label or (action.deadline and action.deadline.strftime("%d-%m-%Y")),
                "" if action.budget is None else action.budget,
                ", ".join(str(position[p.pk]) for p in goal.principles.all()),
            ]
        )
    return data
