"""Spreadsheets the way municipalities have them: reading uploads safely (size, rows, zip
bombs, encodings, formulas) and Danish numbers, dates and actor names; writing exports that
Excel can open but never execute."""

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable

import openpyxl
import tablib
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import widgets

from .danish import parse_kroner


class SpreadsheetError(ValueError):
    """A file we will not read, with a Danish message saying why."""


XLSX_MAGIC = b"PK\x03\x04"
# An XLSX is a zip of XML; refuse one that unpacks to far more than it weighs. A sheet at
# the row limit unpacks to a few megabytes; reading 30 MB of XML keeps a worker under 300 MB.
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
MAX_PACKING_RATIO = 50


def _content(upload) -> bytes:
    limit = settings.IMPORT_MAX_BYTES
    if upload.size > limit:
        raise SpreadsheetError(
            _("The file is too large: at most %(megabytes)s MB.")
            % {"megabytes": limit // (1024 * 1024)}
        )
    content = upload.read()
    if not content.strip():
        raise SpreadsheetError(_("The file is empty."))
    return content


def read_upload(upload) -> tablib.Dataset:
    """The uploaded CSV or XLSX as a dataset of strings, or SpreadsheetError."""
    content = _content(upload)
    name = (upload.name or "").lower()
    if name.endswith(".xlsx") and content.startswith(XLSX_MAGIC):
        rows = _xlsx_sheets(content)[0][1]
    elif name.endswith(".csv") and not content.startswith(XLSX_MAGIC):
        rows = _csv_rows(content)
    else:
        raise SpreadsheetError(_("Choose a CSV or XLSX file."))
    rows = [row for row in rows if any(cell not in ("", None) for cell in row)]
    if len(rows) < 2:
        raise SpreadsheetError(_("The file has no rows under its headings."))
    return _dataset(rows)


def read_workbook(upload) -> dict[str, tablib.Dataset]:
    """Every sheet of an uploaded XLSX workbook by its name, as datasets of strings (a sheet
    with no rows under its headings is empty), or SpreadsheetError."""
    content = _content(upload)
    if not ((upload.name or "").lower().endswith(".xlsx") and content.startswith(XLSX_MAGIC)):
        raise SpreadsheetError(_("Choose the XLSX workbook (a CSV file holds only one sheet)."))
    sheets = {}
    for name, rows in _xlsx_sheets(content):
        rows = [row for row in rows if any(cell not in ("", None) for cell in row)]
        sheets[name.strip()] = _dataset(rows) if rows else tablib.Dataset()
    return sheets


def _dataset(rows: list[list]) -> tablib.Dataset:
    """The rows under the first, as strings; too long a cell is refused."""
    headers = [str(cell or "").strip() for cell in rows[0]]
    width = len(headers)
    data = tablib.Dataset(headers=headers)
    for number, row in enumerate(rows[1:], start=2):
        cells = [_text(cell) for cell in row][:width]
        if any(len(cell) > settings.IMPORT_MAX_CELL for cell in cells):
            raise _too_long_cell(number)
        data.append(cells + [""] * (width - len(cells)))
    return data


def _too_long_cell(row: int) -> SpreadsheetError:
    return SpreadsheetError(
        _("Row %(row)s has a cell with more than %(characters)s characters.")
        % {"row": row, "characters": settings.IMPORT_MAX_CELL}
    )


def _too_many_rows():
    return SpreadsheetError(
        _("The file has more than %(rows)s rows.") % {"rows": settings.IMPORT_MAX_ROWS}
    )


def _csv_rows(content: bytes) -> list[list[str]]:
    """Danish Excel saves CSV as Windows-1252 with semicolons; others save UTF-8 and commas."""
    if b"\x00" in content:
        raise SpreadsheetError(_("The file is not a text file."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(
            _("The file's characters cannot be read. Save it as CSV (UTF-8) or from Excel.")
        )
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    rows = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > settings.IMPORT_MAX_ROWS + 1:
                raise _too_many_rows()
    except csv.Error as error:
        # The csv module's own limit on a field (128 KB) is far above ours.
        if "field larger than field limit" in str(error):
            raise _too_long_cell(reader.line_num) from None
        raise SpreadsheetError(
            _("Row %(row)s cannot be read as CSV.") % {"row": reader.line_num}
        ) from None
    return rows


def _xlsx_sheets(content: bytes) -> list[tuple[str, list[list]]]:
    """Each sheet's name and cell values. Formulas give their last calculated value
    (openpyxl's data_only): they are read, never executed. defusedxml guards the XML."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise SpreadsheetError(_("The file is not a readable XLSX file.")) from None
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * len(content):
        raise SpreadsheetError(_("The file unpacks to far more than it weighs; it is refused."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise SpreadsheetError(_("The file is not a readable XLSX file.")) from None
    sheets, count = [], 0
    try:
        for sheet in workbook.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(list(row))
                count += 1
                if count > settings.IMPORT_MAX_ROWS + 1:
                    raise _too_many_rows()
            sheets.append((sheet.title, rows))
    finally:
        workbook.close()
    return sheets


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


class ImportMeta:
    """The import options every resource shares: unchanged rows are reported, not saved;
    each model is validated in full; the instance is kept for the preview."""

    skip_unchanged = True
    report_skipped = True
    clean_model_instances = True
    store_instance = True


# --- Headings -----------------------------------------------------------------------------


def normalise_heading(heading: str) -> str:
    """ "Budget (kr.)", "budget" and " BUDGET " are the same column."""
    heading = re.sub(r"\(.*?\)", "", heading.lower())
    return re.sub(r"[^a-zæøå0-9]+", " ", heading).strip()


def rename_headings(data: tablib.Dataset, aliases: dict[str, str]) -> list[str]:
    """Give the dataset our column names; return the headings nobody knows."""
    known, unknown = [], []
    for heading in data.headers:
        name = aliases.get(normalise_heading(heading))
        if name is None:
            unknown.append(heading)
        known.append(name or heading)
    data.headers = known
    return unknown


# --- Danish values (amounts and deadlines: core.danish) ----------------------------------


# Danish endings a kind of institution takes in a spreadsheet: "skoler", "skolen",
# "skolerne", "dagtilbuddene", "dagplejerne".
_ENDINGS = ("", "r", "n", "er", "en", "et", "ne", "rne", "erne", "ene")


def danish_forms(word: str) -> set[str]:
    """A noun and its common Danish inflections, with the last consonant doubled too."""
    word = word.lower()
    stems = {word, word + word[-1]} if word and word[-1] not in "aeiouyæøå" else {word}
    return {
        stem + ending for stem in stems for ending in _ENDINGS if stem + ending != word + word[-1]
    }


def parse_actors(value: str, words: dict[str, str]) -> list[str]:
    """ "Skole og dagtilbud", "Dagtilbud/Skole" → ["skole", "dagtilbud"]: the codes of the
    kinds of institution named, by `words` (every form of each kind's name → its code)."""
    parts = re.split(r"\s*(?:/|,|&|\bog\b|\+)\s*", str(value).strip().lower())
    codes = []
    for word in filter(None, parts):
        code = words.get(" ".join(word.split()))
        if code is None:
            raise ValueError(_("Unknown actor “%(word)s”.") % {"word": word})
        if code not in codes:
            codes.append(code)
    return codes


class WholeNumberWidget(widgets.Widget):
    """A whole number written the Danish way ("1.234", "160.000 kr."), never negative."""

    def __init__(self, negative_message: str, *, invalid_message: str | None = None):
        super().__init__()
        self.negative_message = negative_message
        self.invalid_message = invalid_message  # the kroner parser's own, unless given

    def clean(self, value, row=None, **kwargs):
        try:
            number = parse_kroner(value)
        except ValueError:
            if self.invalid_message is None:
                raise
            raise ValueError(str(self.invalid_message)) from None
        if number is not None and number < 0:
            raise ValueError(str(self.negative_message))
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


# --- Exports ------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell Excel would run as a formula is given a leading apostrophe, so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restored(value: str) -> str:
    """A cell as it was before `neutralise`, when it comes back from our own export."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def spreadsheet_response(data: tablib.Dataset, fmt: str, name: str) -> HttpResponse:
    """A download of the dataset, named with today's date."""
    content, content_type = export_response_content(data, fmt)
    response = HttpResponse(content, content_type=content_type)
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _Line:
    """A file for csv.writer that hands back each line instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def spreadsheet_stream(
    headers: list[str], rows: Iterable[Iterable], name: str
) -> StreamingHttpResponse:
    """A CSV download written as its rows are read, line for line what `spreadsheet_response`
    would send (Danish Excel's semicolons, a BOM, formulas neutralised), so a large export
    never holds a web worker for the whole file."""
    writer = csv.writer(_Line(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow([neutralise(heading) for heading in headers])
        for row in rows:
            yield writer.writerow([neutralise(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def workbook_response(book: tablib.Databook, name: str) -> HttpResponse:
    """A download of the workbook (its cells already neutralised), named with today's date."""
    response = HttpResponse(
        book.export("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def neutralised(data: tablib.Dataset) -> tablib.Dataset:
    """The dataset with every formula neutralised."""
    safe = tablib.Dataset(headers=[neutralise(h) for h in data.headers])
    for row in data:
        safe.append([neutralise(cell) for cell in row])
    return safe


def export_response_content(data: tablib.Dataset, fmt: str) -> tuple[bytes | str, str]:
    """The dataset as CSV (semicolons, BOM, for Danish Excel) or XLSX, formulas neutralised."""
    safe = neutralised(data)
    if fmt == "csv":
        return "\ufeff" + safe.export("csv", delimiter=";"), "text/csv; charset=utf-8"
    return (
        safe.export("xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
