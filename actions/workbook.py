"""The whole strategy as one XLSX workbook, a sheet per part, to and from the browser.

Export writes every field a consultant can edit; import reads the sheets back into the nested
document that `services.strategy_create_from_document` creates a strategy from. Every row
error, in any sheet, is collected with its sheet, row and column and a Danish reason; nothing
is created until the workbook has none.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import tablib
from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.danish import parse_deadline, parse_kroner
from core.spreadsheets import neutralise, normalise_heading, parse_actors, restored
from goals.forms import StrategyForm
from goals.models import Domain, Goal, Indicator, Strategy
from institutions.selectors import actor_words

from .models import Action
from .strategy_sheet import COLUMNS as ACTION_COLUMNS
from .strategy_sheet import SCOPES, actors_label, named_institutions

# Sheet names and their columns (internal name, heading), in the order they are written.
STRATEGY, AIMS, PRINCIPLES, DOMAINS, GOALS, ACTIONS, INDICATORS = (
    "Strategi",
    "Formål",
    "Pejlemærker",
    "Domæner",
    "Mål",
    "Handlinger",
    "Indikatorer",
)
COLUMNS: dict[str, list[tuple[str, str]]] = {
    STRATEGY: [("field", "Felt"), ("value", "Tekst")],
    AIMS: [("text", "Formål")],
    PRINCIPLES: [("text", "Pejlemærke")],
    DOMAINS: [("name", "Domæne"), ("introduction", "Indledning")],
    GOALS: [
        ("domain", "Domæne"),
        ("text", "Mål"),
        ("scope", "Målniveau"),
        ("principles", "Pejlemærker"),
    ],
    # The single sheet's columns, but the goal's level and principles (the Mål sheet has them).
    ACTIONS: [(n, h) for n, h in ACTION_COLUMNS if n not in ("scope", "principles")],
    INDICATORS: [
        ("domain", "Domæne"),
        ("goal", "Mål"),
        ("name", "Indikator"),
        ("unit", "Enhed"),
        ("baseline", "Udgangspunkt"),
        ("target", "Målværdi"),
        ("deadline", "Frist"),
        ("each_institution", "Hver institution"),
        ("actors", "Aktører"),
    ],
}
REQUIRED = {
    STRATEGY: ["field"],
    AIMS: ["text"],
    PRINCIPLES: ["text"],
    DOMAINS: ["name"],
    GOALS: ["domain", "text"],
    ACTIONS: ["domain", "goal", "text", "actors"],
    INDICATORS: ["domain", "goal", "name"],
}
YES, NO = "Ja", "Nej"


def _strategy_fields() -> list[tuple[str, str]]:
    """(field, its label) for every field of the strategy a consultant edits."""
    fields = StrategyForm.Meta.fields
    return [(name, capfirst(str(Strategy._meta.get_field(name).verbose_name))) for name in fields]


def _date(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def _number(value) -> str:
    return "" if value is None else f"{value.normalize():f}".replace(".", ",")


# --- Export -------------------------------------------------------------------------------


def strategy_workbook(*, strategy: Strategy) -> tablib.Databook:
    """The strategy as a workbook: its texts, aims, principles, domains, goals, actions
    (sub-items after their parent) and indicators, one sheet each."""
    sheets = {name: tablib.Dataset(headers=[h for _n, h in cols]) for name, cols in COLUMNS.items()}
    for name, label in _strategy_fields():
        value = getattr(strategy, name)
        value = _date(value) if isinstance(value, dt.date) else value
        sheets[STRATEGY].append([label, "" if value is None else value])
    for aim in strategy.aims.order_by("order", "pk"):
        sheets[AIMS].append([aim.text])
    principles = list(strategy.principles.order_by("order", "pk"))
    number = {principle.pk: n for n, principle in enumerate(principles, start=1)}
    for principle in principles:
        sheets[PRINCIPLES].append([principle.text])
    goals = Goal.objects.filter(domain__strategy=strategy).select_related("domain")
    goals = goals.prefetch_related("principles").order_by("domain__order", "order", "pk")
    for domain in strategy.domains.order_by("order", "pk"):
        sheets[DOMAINS].append([domain.name, domain.introduction])
    for goal in goals:
        numbers = sorted(number[principle.pk] for principle in goal.principles.all())
        sheets[GOALS].append(
            [
                goal.domain.name,
                goal.text,
                goal.get_scope_display(),
                ", ".join(map(str, numbers)),
            ]
        )
    actions = (
        Action.objects.filter(goal__domain__strategy=strategy, archived_at=None)
        .select_related("goal__domain", "parent")
        .prefetch_related("actors", "institutions")
        .order_by("goal__domain__order", "goal__order", "order", "pk")
    )
    children: dict[int | None, list[Action]] = {}
    for action in actions:
        children.setdefault(action.parent_id, []).append(action)
    for action in children.get(None, []):
        for one in [action, *children.get(action.pk, [])]:
            sheets[ACTIONS].append(
                [
                    one.goal.domain.name,
                    one.goal.text,
                    one.text,
                    one.parent.text if one.parent else "",
                    actors_label(one.actors.all()),
                    ", ".join(sorted(i.name for i in one.institutions.all())),
                    one.responsible,
                    one.deadline_label or _date(one.deadline),
                    "" if one.budget is None else one.budget,
                ]
            )
    indicators = (
        Indicator.objects.filter(goal__domain__strategy=strategy)
        .select_related("goal__domain")
        .prefetch_related("actors")
        .order_by("goal__domain__order", "goal__order", "pk")
    )
    for indicator in indicators:
        sheets[INDICATORS].append(
            [
                indicator.goal.domain.name,
                indicator.goal.text,
                indicator.name,
                indicator.unit,
                _number(indicator.baseline),
                _number(indicator.target),
                _date(indicator.deadline),
                YES if indicator.each_institution else NO,
                actors_label(indicator.actors.all()),
            ]
        )
    book = tablib.Databook()
    for name, sheet in sheets.items():
        safe = tablib.Dataset(headers=sheet.headers, title=name)
        for row in sheet:
            safe.append([neutralise(cell) for cell in row])
        book.add_sheet(safe)
    return book


# --- Import -------------------------------------------------------------------------------


@dataclass
class RowError:
    sheet: str
    row: int  # as the spreadsheet numbers it: 1 is the headings
    column: str
    message: str


@dataclass
class WorkbookReading:
    """What a workbook would create, or why it cannot."""

    document: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


class _Sheet:
    """One sheet's rows by column name, reporting errors against its headings."""

    def __init__(self, name: str, data: tablib.Dataset | None, errors: list[RowError]):
        self.name, self.errors = name, errors
        self.headings = dict(COLUMNS[name])
        known = {normalise_heading(h): n for n, h in COLUMNS[name]}
        headers = list(data.headers or []) if data is not None else []
        self.columns = [known.get(normalise_heading(h)) for h in headers]
        self.rows = list(data) if headers else []
        if not headers:  # a sheet left out, or empty: nothing to read in it
            return
        for heading, column in zip(headers, self.columns, strict=True):
            if column is None and heading:
                self.fail(1, heading, _("Unknown column."))
        missing = [n for n in REQUIRED[name] if n not in self.columns]
        for column in missing:
            self.fail(1, self.headings[column], _("The column is missing."))
        if missing:
            self.rows = []

    def fail(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(self.name, row, self.headings.get(column, column), message))

    def read(self, row: int, values: dict[str, str], **readers) -> dict[str, Any]:
        """Each column's value through its reader; a refused value is an error of the row."""
        read = {}
        for column, reader in readers.items():
            try:
                read[column] = reader(values.get(column, ""))
            except ValueError as error:
                self.fail(row, column, str(error))
        return read

    def __iter__(self):
        for number, cells in enumerate(self.rows, start=2):
            values = {
                column: restored(str(cell or "").strip())
                for column, cell in zip(self.columns, cells, strict=False)
                if column
            }
            yield number, values


def _clean(form_field: forms.Field, value: str):
    """A value through Django's own form field: its Danish message when refused."""
    try:
        return form_field.clean(value)
    except forms.ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None


def _model_text(model, name: str, value: str, *, required: bool = True) -> str:
    limit = model._meta.get_field(name).max_length
    return _clean(forms.CharField(max_length=limit, required=required), value)


def workbook_read(*, sheets: dict[str, tablib.Dataset]) -> WorkbookReading:
    """The strategy a workbook describes, as a document for `strategy_create_from_document`,
    with every error found in it."""
    errors: list[RowError] = []
    missing_sheets = [name for name in (STRATEGY, DOMAINS, GOALS, ACTIONS) if name not in sheets]
    for name in missing_sheets:
        errors.append(RowError(name, 0, "", _("The workbook has no sheet called %s.") % name))
    if missing_sheets:
        return WorkbookReading(document={}, errors=errors)
    document: dict[str, Any] = {}
    _read_strategy(_Sheet(STRATEGY, sheets[STRATEGY], errors), document)
    for name, key in ((AIMS, "aims"), (PRINCIPLES, "principles")):
        sheet = _Sheet(name, sheets.get(name), errors)
        document[key] = []
        for number, values in sheet:
            try:
                document[key].append(_model_text(Action, "text", values.get("text", "")))
            except ValueError as error:
                sheet.fail(number, "text", str(error))
    domains = _read_domains(_Sheet(DOMAINS, sheets[DOMAINS], errors))
    document["domains"] = list(domains.values())
    goals = _read_goals(_Sheet(GOALS, sheets[GOALS], errors), domains, len(document["principles"]))
    _read_actions(_Sheet(ACTIONS, sheets[ACTIONS], errors), domains, goals)
    _read_indicators(_Sheet(INDICATORS, sheets.get(INDICATORS), errors), domains, goals)
    counts = {
        DOMAINS: len(domains),
        GOALS: len(goals),
        ACTIONS: sum(
            len(g["actions"]) + sum(len(a["children"]) for a in g["actions"])
            for d in domains.values()
            for g in d["action_groups"]
        ),
        INDICATORS: sum(len(d["indicators"]) for d in domains.values()),
    }
    return WorkbookReading(document=document, errors=errors, counts=counts)


def _read_strategy(sheet: _Sheet, document: dict) -> None:
    by_label = {normalise_heading(label): name for name, label in _strategy_fields()}
    form = StrategyForm()
    for number, values in sheet:
        name = by_label.get(normalise_heading(values.get("field", "")))
        if name is None:
            sheet.fail(number, "field", _("Unknown field."))
            continue
        form_field = form.fields[name]
        value = values.get("value", "")
        if isinstance(form_field, forms.DateField):
            form_field = forms.DateField(
                required=False, input_formats=["%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y"]
            )
        try:
            cleaned = _clean(form_field, value)
        except ValueError as error:
            sheet.fail(number, "value", str(error))
            continue
        document[name] = cleaned.isoformat() if isinstance(cleaned, dt.date) else cleaned
    for name, label in _strategy_fields():
        required = form.fields[name].required and not Strategy._meta.get_field(name).has_default()
        if required and not document.get(name):
            sheet.fail(1, "field", _("The row “%(field)s” is missing.") % {"field": label})


def _read_domains(sheet: _Sheet) -> dict[str, dict]:
    domains: dict[str, dict] = {}
    for number, values in sheet:
        try:
            name = _model_text(Domain, "name", values.get("name", ""))
        except ValueError as error:
            sheet.fail(number, "name", str(error))
            continue
        if name in domains:
            sheet.fail(number, "name", _("The name is already used by another row."))
            continue
        domains[name] = {
            "name": name,
            "introduction": values.get("introduction", ""),
            "goals": [],
            "action_groups": [],
            "indicators": [],
        }
    return domains


def _domain_of(sheet: _Sheet, number: int, values: dict, domains: dict) -> dict | None:
    domain = domains.get(values.get("domain", ""))
    if domain is None:
        sheet.fail(number, "domain", _("No row of the sheet “%s” has this name.") % DOMAINS)
    return domain


def _read_goals(sheet: _Sheet, domains: dict, principle_count: int) -> dict[tuple, int]:
    """Fills each domain's goals; returns (domain name, goal text) → the goal's number."""
    goals: dict[tuple, int] = {}
    for number, values in sheet:
        domain = _domain_of(sheet, number, values, domains)
        try:
            text = _model_text(Goal, "text", values.get("text", ""))
        except ValueError as error:
            sheet.fail(number, "text", str(error))
            continue
        scope_words = values.get("scope", "").lower().split()
        scope = SCOPES.get(scope_words[0]) if scope_words else Goal.Scope.MUNICIPAL
        if scope is None:
            sheet.fail(number, "scope", _("Write “Kommunalt mål” or “Lokalt mål”."))
        principles = []
        for part in filter(None, (p.strip() for p in values.get("principles", "").split(","))):
            if not part.isdigit() or not 1 <= int(part) <= principle_count:
                sheet.fail(
                    number,
                    "principles",
                    _("“%(part)s” is not the number of a row of the sheet “%(sheet)s”.")
                    % {"part": part, "sheet": PRINCIPLES},
                )
            else:
                principles.append(int(part))
        if domain is None or scope is None:
            continue
        if (domain["name"], text) in goals:
            sheet.fail(number, "text", _("The goal is already in this domain."))
            continue
        domain["goals"].append({"text": text, "scope": scope, "principles": principles})
        goals[(domain["name"], text)] = len(domain["goals"])
    return goals


def _goal_of(sheet: _Sheet, number: int, values: dict, domains: dict, goals: dict):
    domain = _domain_of(sheet, number, values, domains)
    if domain is None:
        return None, None
    goal = goals.get((domain["name"], values.get("goal", "")))
    if goal is None:
        sheet.fail(
            number, "goal", _("No row of the sheet “%s” has this goal in this domain.") % GOALS
        )
    return domain, goal


def _read_actions(sheet: _Sheet, domains: dict, goals: dict) -> None:
    words = actor_words()
    parents: dict[tuple, dict] = {}
    for number, values in sheet:
        before = len(sheet.errors)
        domain, goal = _goal_of(sheet, number, values, domains, goals)
        action: dict[str, Any] = {"goal": goal}
        action |= sheet.read(
            number,
            values,
            text=lambda v: _model_text(Action, "text", v),
            responsible=lambda v: _model_text(Action, "responsible", v, required=False),
            actors=lambda v: parse_actors(v, words) or _clean(forms.CharField(), ""),
            budget=_budget,
            deadline=parse_deadline,
        )
        if "deadline" in action:
            day, label = action.pop("deadline")
            action["deadline"], action["deadline_label"] = day and day.isoformat(), label
        codes = action.get("actors", [])
        action |= sheet.read(
            number,
            values,
            institutions=lambda v, codes=codes: [
                i.name for i in named_institutions(v, codes=codes)
            ],
        )
        parent_text = values.get("parent", "")
        parent = parents.get((values.get("domain"), goal, parent_text)) if parent_text else None
        if parent_text and parent is None:
            sheet.fail(number, "parent", _("The action it is part of must come on a row above."))
        if domain is None or len(sheet.errors) > before:
            continue
        kinds = action.pop("actors")
        if parent is not None:  # a sub-item is carried out by its parent's kinds
            parent["children"].append(action)
            continue
        action["children"] = []
        domain["action_groups"].append({"actors": kinds, "actions": [action]})
        parents[(domain["name"], goal, action["text"])] = action


def _budget(value: str) -> int | None:
    amount = parse_kroner(value)
    if amount is not None and amount < 0:
        raise ValueError(_("The budget cannot be negative."))
    return amount


def _read_indicators(sheet: _Sheet, domains: dict, goals: dict) -> None:
    words = actor_words()
    number_field = forms.DecimalField(
        max_digits=12, decimal_places=2, required=False, localize=True
    )
    for number, values in sheet:
        before = len(sheet.errors)
        domain, goal = _goal_of(sheet, number, values, domains, goals)
        indicator: dict[str, Any] = {"goal": goal}
        indicator |= sheet.read(
            number,
            values,
            name=lambda v: _model_text(Indicator, "name", v),
            unit=lambda v: _model_text(Indicator, "unit", v, required=False),
            baseline=lambda v: _clean(number_field, v),
            target=lambda v: _clean(number_field, v),
            deadline=lambda v: parse_deadline(v)[0],
            each_institution=_yes_or_no,
            actors=lambda v: parse_actors(v, words),
        )
        if domain is None or len(sheet.errors) > before:
            continue
        for key in ("baseline", "target"):
            indicator[key] = None if indicator[key] is None else str(indicator[key])
        indicator["deadline"] = indicator["deadline"] and indicator["deadline"].isoformat()
        domain["indicators"].append(indicator)


def _yes_or_no(value: str) -> bool:
    answer = value.strip().lower()
    if answer in ("", "nej", "n", "no", "0"):
        return False
    if answer in ("ja", "j", "yes", "1", "x"):
        return True
    raise ValueError(_("Write “Ja” or “Nej”."))
