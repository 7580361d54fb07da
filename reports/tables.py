"""The tables people download as spreadsheets, each as (headings, rows). The rows are read as
they are written: a CSV streams from them, and a worker writes the XLSX of the tables that grow
with the number of institutions (`MADE_BY_WORKER`), so no request holds a web worker for it."""

from collections.abc import Callable, Iterable

import tablib
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from goals.models import Strategy
from institutions.selectors import INSTITUTION_HEADINGS, institution_rows

from .models import TABLE_TITLES
from .selectors import Tally, institutions_with_progress, overdue_actions, progress_matrix

Table = tuple[list[str], Iterable[list]]


def dashboard_filters(choices: dict) -> dict:
    """The dashboard's valid choices as plain values, to keep on a report for its worker."""
    actor = choices.get("actor")
    return {
        "actor": actor.pk if actor else None,
        "area": choices.get("area", ""),
        "q": choices.get("q", ""),
        "sort": choices.get("sort") or "name",
    }


def filtered_institutions(strategy: Strategy, filters: dict, *, every: bool = False):
    return institutions_with_progress(
        strategy=strategy,
        actor_id=filters.get("actor"),
        area=filters.get("area", ""),
        search=filters.get("q", ""),
        sort=filters.get("sort") or "name",
        every=every,
    )


def domain_table(strategy: Strategy, filters: dict) -> Table:
    matrix = progress_matrix(strategy=strategy)
    headers = [capfirst(strategy.domain_noun)]
    for actor in [*matrix.actors, None]:
        name = actor.name if actor else _("In all")
        headers += [f"{name}: " + _("done"), f"{name}: " + _("counted"), f"{name}: %"]
    rows = []
    for row in [*matrix.rows, None]:
        if row:
            cells = [*(cell.tally for cell in row.cells), row.total]
        else:
            cells = [*matrix.column_totals, matrix.total]
        values = [row.domain.name if row else _("In all")]
        for tally in cells:
            values += [tally.done, tally.counted, tally.percent]
        rows.append(values)
    return headers, rows


def institution_table(strategy: Strategy, filters: dict) -> Table:
    headers = [_("Institution"), _("Kind"), _("Area"), _("Done"), _("Counted"), "%"]
    institutions = filtered_institutions(strategy, filters, every=True).iterator(chunk_size=500)
    rows = (
        [
            institution.name,
            institution.actor.name,
            institution.area,
            institution.done,
            institution.counted,
            Tally(institution.done, institution.counted).percent,
        ]
        for institution in institutions
    )
    return headers, rows


def overdue_table(strategy: Strategy, filters: dict) -> Table:
    headers = [_("Action"), capfirst(strategy.domain_noun), _("Deadline"), _("Done"), _("Counted")]
    rows = (
        [action.text, action.goal.domain.name, action.deadline, action.done, action.counted]
        for action in overdue_actions(strategy=strategy, today=timezone.localdate())
    )
    return headers, rows


def register_table(strategy: Strategy, filters: dict) -> Table:
    """Every institution with the import's Danish headings, so the file imports back."""
    return INSTITUTION_HEADINGS, institution_rows()


TABLES: dict[str, Callable[[Strategy, dict], Table]] = {
    "domaener": domain_table,
    "institutioner": institution_table,
    "forsinkede": overdue_table,
    "register": register_table,
}
# Tables of every institution: thousands of rows in a large municipality.
MADE_BY_WORKER = TABLE_TITLES.keys()
# Tables of the institutions' names and leaders, for consultants only.
FOR_CONSULTANTS = {"register"}


def table_dataset(strategy: Strategy, name: str, filters: dict) -> tablib.Dataset:
    headers, rows = TABLES[name](strategy, filters)
    return tablib.Dataset(*rows, headers=headers)
