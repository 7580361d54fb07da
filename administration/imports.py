"""Importing spreadsheets: a dry run shown as a preview, then all or nothing."""

import datetime as dt
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions import spreadsheets as progress_sheets
from actions import strategy_sheet as strategy_sheets
from actions.models import Progress
from actions.services import progress_sync
from actions.tallies import tallies_recount
from core import fragments, tenancy
from core.spreadsheets import SpreadsheetError, rename_headings
from institutions import spreadsheets as institution_sheets


@dataclass(frozen=True)
class ImportKind:
    slug: str
    label: str
    headings: dict[str, str]
    required: list[str]
    resource: Callable
    columns: list[tuple[str, str]]  # (our name, the Danish heading in templates and exports)
    example: list[str]
    # The cached page parts (core.fragments) its rows show in, retired by a confirmed import.
    retires: tuple[str, ...]
    # What else an import changes, run in its transaction with the rows' primary keys.
    after_import: Callable[[list[int]], object] | None = None


def _institutions_progress(pks: list[int]) -> None:
    """Imported institutions get their progress rows at once, as if saved one by one."""
    progress_sync(institution_ids=pks)


def _progress_tallies(pks: list[int]) -> None:
    """Imported statuses move their actions' tallies, as ticks do."""
    tallies_recount(
        action_ids=Progress.objects.filter(pk__in=pks).values_list("action_id", flat=True)
    )


KINDS = {
    "strategi": ImportKind(
        "strategi",
        gettext_lazy("The strategy's domains, goals and actions"),
        strategy_sheets.HEADINGS,
        strategy_sheets.REQUIRED,
        lambda **options: strategy_sheets.ActionResource(**options),
        strategy_sheets.COLUMNS,
        strategy_sheets.EXAMPLE,
        retires=(fragments.STRATEGY,),
    ),
    "institutioner": ImportKind(
        "institutioner",
        gettext_lazy("Institutions"),
        institution_sheets.HEADINGS,
        institution_sheets.REQUIRED,
        lambda **options: institution_sheets.InstitutionResource(**options),
        [
            ("name", "Navn"),
            ("actor", "Type"),
            ("area", "Område"),
            ("children_count", "Antal børn"),
            ("leader_email", "Leder (e-mail)"),
            ("institution_number", "Institutionsnummer"),
        ],
        ["Nordbakkeskolen", "Skole", "Hobro", "612", "leder@skole.dk", "280123"],
        # Names and kinds on every page, rows in every count, leaders among the people.
        retires=(fragments.STRATEGY, fragments.PROGRESS, fragments.PEOPLE),
        after_import=_institutions_progress,
    ),
    "status": ImportKind(
        "status",
        gettext_lazy("Progress for one institution"),
        progress_sheets.HEADINGS,
        progress_sheets.REQUIRED,
        lambda **options: progress_sheets.ProgressResource(**options),
        [("action", "Handling"), ("status", "Status"), ("note", "Note"), ("reason", "Begrundelse")],
        ["prioritere økonomi til investering i læringsteknologier.", "I gang", "Budget sat af", ""],
        retires=(fragments.PROGRESS, fragments.EVERY_INSTITUTION),
        after_import=_progress_tallies,
    ),
}


@dataclass
class RowProblem:
    row: int  # as the spreadsheet numbers it: the headings are row 1
    column: str
    message: str


@dataclass
class PreviewRow:
    row: int
    kind: str  # new, update, skip, error
    values: list[str]


@dataclass
class Preview:
    kind: ImportKind
    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(row.kind == kind for row in self.rows)

    @property
    def count_new(self) -> int:
        return self.count("new")

    @property
    def count_update(self) -> int:
        return self.count("update")

    @property
    def count_skip(self) -> int:
        return self.count("skip")

    @property
    def can_confirm(self) -> bool:
        return not self.problems and any(row.kind in ("new", "update") for row in self.rows)


def prepare(*, kind: ImportKind, data: tablib.Dataset) -> tuple[tablib.Dataset, list[str]]:
    """Our column names on the dataset, or SpreadsheetError when a needed one is missing."""
    unknown = rename_headings(data, kind.headings)
    missing = [
        heading
        for name, heading in kind.columns
        if name in kind.required and name not in data.headers
    ]
    if missing:
        raise SpreadsheetError(
            _("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    return data, unknown


def _run(*, kind: ImportKind, data: tablib.Dataset, dry_run: bool, options: dict):
    resource = kind.resource(**options)
    return resource.import_data(
        data,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        collect_failed_rows=True,
        rollback_on_validation_errors=True,
    )


def import_preview(*, kind: ImportKind, data: tablib.Dataset, **options) -> Preview:
    """What the import would do, row by row, without changing anything."""
    data, unknown = prepare(kind=kind, data=data)
    result = _run(kind=kind, data=data, dry_run=True, options=options)
    labels = dict(kind.columns)
    preview = Preview(kind=kind, unknown_columns=unknown)
    resource = kind.resource(**options)
    for number, row_result in enumerate(result.rows, start=1):
        instance, values = row_result.instance, []
        if hasattr(resource, "understood"):
            values = resource.understood(instance, data.dict[number - 1])
        elif instance is not None:
            values = [
                str(resource.fields[name].export(instance)) if name in resource.fields else ""
                for name, _heading in kind.columns
            ]
        preview.rows.append(PreviewRow(row=number + 1, kind=_row_kind(row_result), values=values))
    for invalid in result.invalid_rows:
        for name, messages in invalid.field_specific_errors.items():
            for message in messages:
                preview.problems.append(
                    RowProblem(invalid.number + 1, labels.get(name, name), str(message))
                )
        for message in invalid.non_field_specific_errors:
            preview.problems.append(RowProblem(invalid.number + 1, "", str(message)))
    for number, errors in result.row_errors():
        for error in errors:
            preview.problems.append(RowProblem(number + 1, "", _error_message(error.error)))
    preview.problems.sort(key=lambda problem: problem.row)
    bad_rows = {problem.row for problem in preview.problems}
    for row in preview.rows:
        if row.row in bad_rows:
            row.kind = "error"
    return preview


def _row_kind(row_result) -> str:
    if row_result.is_new():
        return "new"
    if row_result.is_update():
        return "update"
    if row_result.is_skip():
        return "skip"
    return "error"


def _error_message(error: Exception) -> str:
    """Our own messages are Danish sentences; anything else gets a general one, no traceback."""
    if isinstance(error, ValueError) and error.args and isinstance(error.args[0], str):
        return error.args[0]
    return _("The row could not be read.")


@transaction.atomic
def import_confirm(*, kind: ImportKind, data: tablib.Dataset, **options) -> int:
    """Import every row or none: any error rolls the whole import back."""
    data, _unknown = prepare(kind=kind, data=data)
    result = _run(kind=kind, data=data, dry_run=False, options=options)
    if result.has_errors() or result.has_validation_errors():
        transaction.set_rollback(True)
        raise SpreadsheetError(_("The file has errors; nothing was imported."))
    if kind.after_import:
        kind.after_import([row.object_id for row in result.rows if row.object_id is not None])
    fragments.changed(*kind.retires)
    return result.totals["new"] + result.totals["update"]


def failed_rows(*, kind: ImportKind, data: tablib.Dataset, **options) -> tablib.Dataset:
    """The rows with errors, with their message, to fix and upload again."""
    copy = tablib.Dataset(*data, headers=data.headers)  # the preview renames its headings
    preview = import_preview(kind=kind, data=copy, **options)
    bad = {}
    for problem in preview.problems:
        bad.setdefault(problem.row, []).append(
            f"{problem.column}: {problem.message}" if problem.column else problem.message
        )
    headings = dict(kind.columns)
    out = tablib.Dataset(headers=[headings.get(h, h) for h in data.headers] + [_("Error")])
    for number, row in enumerate(data, start=2):
        if number in bad:
            out.append([*row, " ".join(bad[number])])
    return out


# --- Keeping an upload between the preview and the confirmation ---------------------------


def stash(*, data: tablib.Dataset, kind: ImportKind, user_id: int, institution_id=None) -> str:
    """Keep the uploaded rows until the person confirms; the token names them."""
    return stash_payload(
        {
            "kind": kind.slug,
            "institution": institution_id,
            "headers": list(data.headers),
            "rows": [list(row) for row in data],
        },
        user_id=user_id,
    )


def unstash(*, token: str, user_id: int) -> dict | None:
    """The person's own stashed upload, or None when it is unknown, another's or expired."""
    payload = unstash_payload(token=token, user_id=user_id)
    if payload is None or "rows" not in payload:
        return None
    payload["data"] = tablib.Dataset(*map(tuple, payload["rows"]), headers=payload["headers"])
    return payload


def _folder() -> str:
    """Each municipality's uploads in a folder of its own."""
    return f"imports/{tenancy.current()}"


def _stashed(token: str) -> str:
    return f"{_folder()}/{token}.json"


def stash_payload(payload: dict, *, user_id: int) -> str:
    """Keep what an upload would do (JSON) until the person confirms; the token names it."""
    token = secrets.token_urlsafe(16)
    content = json.dumps({**payload, "user": user_id}).encode()
    default_storage.save(_stashed(token), ContentFile(content))
    return token


def unstash_payload(*, token: str, user_id: int) -> dict | None:
    """The person's own stashed payload, or None when it is unknown, another's or expired."""
    name = _stashed(token)
    if not token.replace("-", "").replace("_", "").isalnum() or not default_storage.exists(name):
        return None
    if default_storage.get_modified_time(name) < _expiry():
        return None
    with default_storage.open(name) as file:
        payload = json.loads(file.read())
    return payload if payload["user"] == user_id else None


def discard(token: str) -> None:
    default_storage.delete(_stashed(token))


def _expiry() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.IMPORT_KEEP_SECONDS)


def imports_discard_expired() -> int:
    """Delete uploads kept longer than IMPORT_KEEP_SECONDS, confirmed or not (beat runs it);
    returns how many went."""
    folder = _folder()
    try:
        _folders, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0
    expiry = _expiry()
    expired = [
        f"{folder}/{name}"
        for name in names
        if default_storage.get_modified_time(f"{folder}/{name}") < expiry
    ]
    for name in expired:
        default_storage.delete(name)
    return len(expired)


def template(kind: ImportKind) -> tablib.Dataset:
    data = tablib.Dataset(headers=[heading for _name, heading in kind.columns])
    data.append(kind.example)
    return data
