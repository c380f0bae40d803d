"""Reading an uploaded table (CSV or XLSX) into rows with their line numbers."""

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.invoices.parsing import normalize_header

MAX_ROWS = 200_000


@dataclass(frozen=True)
class Table:
    headers: list[str]  # as written in the file
    rows: list[tuple[int, dict[str, object]]]  # (line number, canonical name → value)
    columns: dict[str, str]  # canonical name → header as written


def read_table(content: bytes, filename: str, aliases: dict[str, set[str]]) -> Table:
    """CSV (comma or semicolon; UTF-8 or Windows-1252) or XLSX."""
    if filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK":
        headers, raw_rows = _read_xlsx(content)
    else:
        headers, raw_rows = _read_csv(content)
    lookup = {
        alias: canonical for canonical, names in aliases.items() for alias in names
    }
    columns: dict[str, str] = {}
    positions: dict[int, str] = {}
    for index, header in enumerate(headers):
        canonical = lookup.get(normalize_header(header))
        if canonical is None:
            continue  # other columns are allowed and ignored
        if canonical in columns:
            raise ApplicationError(
                _("Les colonnes « %(a)s » et « %(b)s » disent la même chose.")
                % {"a": columns[canonical], "b": header}
            )
        columns[canonical] = str(header).strip()
        positions[index] = canonical
    rows = []
    for line, values in raw_rows:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        row = {}
        for index, canonical in positions.items():
            value = values[index] if index < len(values) else None
            row[canonical] = value.strip() if isinstance(value, str) else value
        rows.append((line, row))
        if len(rows) > MAX_ROWS:
            raise ApplicationError(
                _("Fichier trop grand : %(n)s lignes au plus.") % {"n": MAX_ROWS}
            )
    return Table([str(h).strip() for h in headers], rows, columns)


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def _read_csv(content: bytes):
    text = _decode(content)
    if not text.strip():
        raise ApplicationError(_("Le fichier est vide."))
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise ApplicationError(
            _("CSV illisible, ligne %(line)s : %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    return headers, rows


def _read_xlsx(content: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a bad file
        raise ApplicationError(_("Fichier Excel illisible (.xlsx attendu).")) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        headers = [("" if h is None else str(h)) for h in next(rows)]
    except StopIteration:
        raise ApplicationError(_("Le fichier est vide.")) from None
    data = [(line, list(values)) for line, values in enumerate(rows, start=2)]
    workbook.close()
    return headers, data
