"""Reading an uploaded table (CSV or XLSX) into rows with their line numbers.

A file comes from anyone with an account, so it is read as a stream and
counted as it comes: rows, cells, bytes and seconds, each with a limit
(docs/import.md). What a file says about itself is not trusted: an XLSX's
declared dimension is never read, and its zip is checked (uncompressed size,
compression ratio) before any of its XML is parsed.
"""

import codecs
import csv
import io
import re
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from xml.etree.ElementTree import iterparse

from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.invoices.parsing import normalize_header

# A file of invoices or payments is read as a stream (table_stream): only a
# chunk of its rows is held at a time, so these bound time, not memory.
MAX_ROWS = 1_000_000  # after the header; an XLSX's blank rows count
MAX_CELLS = 20_000_000  # empty ones included: 1,000,000 rows of 20 columns
# A table read whole (read_table: a bank statement's CSV) holds every row.
MAX_LISTED_ROWS = 200_000
MAX_COLUMNS = 16_384  # cells in a row: Excel's own limit (column XFD)
MAX_BYTES = 150 * 2**20  # a CSV; an XLSX uncompressed, all its parts together
MAX_PART_BYTES = 10 * 2**20  # an XLSX part parsed whole (workbook, styles…)
MAX_RATIO = 100  # uncompressed / compressed, for an XLSX part over 1 MiB
MAX_PARTS = 10_000  # parts in an XLSX's zip
MAX_SECONDS = 20  # reading a file (not checking nor saving its rows)
MAX_RECORD_CHARS = 2**20  # a CSV row, all its cells together
MAX_ITEM_NODES = 10_000  # XML elements in one XLSX cell or shared string
MAX_DEPTH = 100  # nesting of XML elements

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: .xls, or encrypted
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# What an import refuses in a cell: control characters (tab, line feed and
# carriage return apart) and U+FFFE, U+FFFF, which XLSX files cannot hold and
# PostgreSQL refuses (NUL); and bytes that were neither UTF-8 nor
# Windows-1252, kept by the decoder as U+DC80–U+DCFF.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\udc80-\udcff\ufffe\uffff]")


@dataclass(frozen=True)
class Table:
    headers: list[str]  # as written in the file
    # (line number, canonical name → value): a list, or, from table_stream,
    # an iterator that reads the file as it is iterated (once).
    rows: Iterable[tuple[int, dict[str, object]]]
    columns: dict[str, str]  # canonical name → header as written


def read_table(content: bytes, filename: str, aliases: dict[str, set[str]]) -> Table:
    """CSV (comma or semicolon; UTF-8 or Windows-1252) or XLSX (first sheet),
    every row read into a list (MAX_LISTED_ROWS at most)."""
    table = table_stream(content, filename, aliases, max_rows=MAX_LISTED_ROWS)
    return Table(table.headers, list(table.rows), table.columns)


def table_stream(
    content: bytes,
    filename: str,
    aliases: dict[str, set[str]],
    *,
    max_rows: int = MAX_ROWS,
) -> Table:
    """The file's headers, read now (an unreadable or empty file, or two
    columns saying the same thing, are refused at once); its rows as an
    iterator that reads them as they are asked for, each limit checked as it
    comes. The reading time counts the reader's own time only, not that of
    who consumes the rows."""
    budget = _Budget(MAX_SECONDS)
    if (
        filename.lower().endswith((".xlsx", ".xlsm"))
        or content[:2] == b"PK"
        or content[:8] == OLE2
    ):
        lines = _xlsx_lines(content, budget, max_rows)
    else:
        lines = _csv_lines(content)
    try:
        _line, headers = next(lines)
    except StopIteration:
        raise ApplicationError(_("Le fichier est vide.")) from None
    headers = [_REFUSED.sub("\ufffd", "" if h is None else str(h)) for h in headers]
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
        columns[canonical] = header.strip()
        positions[index] = canonical
    budget.pause()
    return Table(
        [h.strip() for h in headers],
        _rows(lines, positions, budget, max_rows),
        columns,
    )


BLOCK_ROWS = 500  # rows read between two looks at the clock


def _rows(lines, positions: dict[int, str], budget: "_Budget", max_rows: int):
    """The rows, read BLOCK_ROWS at a time: the reading time is counted per
    block (the clock read three times a row was a twentieth of an import)."""
    count = cells = 0
    pairs = list(positions.items())
    width = max(positions, default=-1) + 1
    while True:
        budget.resume()
        block, read = [], 0
        for line, values in islice(lines, BLOCK_ROWS):
            read += 1
            count += 1
            cells += len(values)
            if count > max_rows:
                raise _too_many_rows(max_rows)
            if cells > MAX_CELLS:
                raise ApplicationError(
                    _("Fichier trop grand : %(n)s cellules au plus.") % {"n": MAX_CELLS}
                )
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if len(values) < width:
                values = [*values, *([None] * (width - len(values)))]
            row = {}
            for index, canonical in pairs:
                value = values[index]
                row[canonical] = value.strip() if isinstance(value, str) else value
            block.append((line, row))
        if budget.over():
            raise _too_slow()
        budget.pause()
        yield from block
        if read < BLOCK_ROWS:
            return


_clock = time.thread_time


class _Budget:
    """Seconds spent reading, paused while the rows read are used: the
    reading thread's CPU seconds, so that a file is refused for what its
    reading costs, not for the machine's load (at load 20 a million rows
    read in 20 wall-clock seconds of a tenth of a core were refused)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.spent = 0.0
        self.since: float | None = _clock()

    def pause(self) -> None:
        if self.since is not None:
            self.spent += _clock() - self.since
            self.since = None

    def resume(self) -> None:
        self.since = _clock()

    def over(self) -> bool:
        running = _clock() - self.since if self.since is not None else 0.0
        return self.spent + running > self.seconds


def rows_estimate(content: bytes, filename: str) -> int | None:
    """How many rows a file holds after its header, to show progress: a
    CSV's line breaks (a cell holding one counts twice); None for an Excel
    sheet, whose rows are only known once read."""
    if filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK":
        return None
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    return max(lines - 1, 0)


def character_refused(text: str) -> str | None:
    """Why a cell's text cannot be imported, or None."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    if found.group() >= "\ufffe":
        return _("caractère interdit (U+%(code)04X)") % {"code": ord(found.group())}
    if found.group() >= "\udc80":
        return _("caractère illisible : ni UTF-8 ni Windows-1252")
    return _("caractère de contrôle interdit")


def _too_many_rows(max_rows: int) -> ApplicationError:
    return ApplicationError(
        _("Fichier trop grand : %(n)s lignes au plus.") % {"n": max_rows}
    )


def _too_slow() -> ApplicationError:
    return ApplicationError(
        _("Fichier trop long à lire (plus de %(n)s secondes) : découpez-le.")
        % {"n": MAX_SECONDS}
    )


def _unreadable() -> ApplicationError:
    return ApplicationError(_("Fichier Excel illisible (.xlsx attendu)."))


# CSV


def _csv_lines(content: bytes) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each row, the header first."""
    if len(content) > MAX_BYTES:
        raise ApplicationError(
            _("Fichier trop grand : %(n)s Mo au plus.") % {"n": MAX_BYTES // 2**20}
        )
    if not content.removeprefix(codecs.BOM_UTF8).strip():
        raise ApplicationError(_("Le fichier est vide."))
    stream = io.TextIOWrapper(
        io.BytesIO(content),
        encoding="utf-8-sig" if _is_utf8(content) else "cp1252",
        errors="surrogateescape",  # refused later, with its line and column
        newline="",
    )
    first = stream.readline(MAX_RECORD_CHARS)
    stream.seek(0)
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    lines = _CsvLines(stream)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for values in reader:
            yield reader.line_num, values
            lines.record = 0
    except csv.Error as error:
        raise ApplicationError(
            _("CSV illisible, ligne %(line)s : %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None


def _is_utf8(content: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(content), 2**20):
            decoder.decode(view[start : start + 2**20])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class _CsvLines:
    """The lines csv.reader reads, a row (one line, or several when a cell
    holds line breaks) MAX_RECORD_CHARS long at most: csv.reader builds a
    whole row before it returns it."""

    def __init__(self, stream):
        self.stream = stream
        self.number = 0
        self.record = 0  # characters of the row being read

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.stream.readline(MAX_RECORD_CHARS + 1)
        if not line:
            raise StopIteration
        self.record += len(line)
        if self.record > MAX_RECORD_CHARS:
            raise ApplicationError(
                _("Ligne %(line)s trop longue : %(n)s caractères au plus.")
                % {"line": self.number + 1, "n": MAX_RECORD_CHARS}
            )
        self.number += 1
        return line


# XLSX


def _xlsx_lines(
    content: bytes, budget: "_Budget", max_rows: int
) -> Iterator[tuple[int, list]]:
    """(line number, cells) for each row of the first sheet, the header
    first; a blank row may be left out."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHARED_STRINGS

    archive = _xlsx_archive(content, budget)
    try:
        # openpyxl's own steps, but not its worksheets: it would read every
        # sheet that does not declare its dimension, whole, just to size it.
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
        reader.archive, reader.keep_links = archive, False
        reader.read_manifest()
        reader.read_workbook()
        workbook = reader.wb
        apply_stylesheet(archive, workbook)
        sheet = next(
            (
                rel.target
                for _sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ),
            None,
        )
        if sheet is None:
            raise ApplicationError(_("Le fichier est vide."))
        part = reader.package.find(SHARED_STRINGS)
        strings = _shared_strings(archive, part.PartName[1:]) if part else []
        cell_reader = WorkSheetParser(
            None,
            strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        with archive.open(sheet) as source:
            yield from _sheet_lines(source, cell_reader, max_rows)
    except (ApplicationError, MemoryError):
        raise
    except Exception:  # openpyxl and a broken XML raise many kinds of errors
        raise _unreadable() from None


def _xlsx_archive(content: bytes, budget: "_Budget") -> "_Archive":
    if content[:8] == OLE2:  # an .xls, or an .xlsx under a password
        raise ApplicationError(
            _(
                "Ancien format Excel (.xls) ou classeur protégé par un mot de "
                "passe : enregistrez-le en .xlsx sans mot de passe, ou en CSV."
            )
        )
    # Each part costs memory as soon as the zip is opened: count the
    # signatures of its directory entries first (a fast upper bound).
    if content.count(b"PK\x01\x02") > MAX_PARTS:
        raise ApplicationError(
            _("Classeur refusé : plus de %(n)s parties.") % {"n": MAX_PARTS}
        )
    try:
        archive = _Archive(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _unreadable() from None
    archive.budget = budget
    parts = archive.infolist()
    if "[Content_Types].xml" not in archive.NameToInfo:
        raise ApplicationError(
            _(
                "Ce fichier n'est pas un classeur Excel .xlsx : "
                "enregistrez-le en .xlsx, ou en CSV."
            )
        )
    if sum(part.file_size for part in parts) > MAX_BYTES:
        raise ApplicationError(
            _("Classeur trop grand : %(n)s Mo au plus une fois décompressé.")
            % {"n": MAX_BYTES // 2**20}
        )
    for part in parts:
        if part.file_size > 2**20 and part.file_size > MAX_RATIO * part.compress_size:
            raise ApplicationError(
                _("Classeur refusé : « %(part)s » est compressé plus de %(n)s fois.")
                % {"part": part.filename, "n": MAX_RATIO}
            )
    return archive


class _Archive(zipfile.ZipFile):
    """An XLSX's zip whose parts are read within the limits: a part parsed
    whole is MAX_PART_BYTES at most, and no part is read once the reading
    time is spent (`budget`, set once opened)."""

    budget: "_Budget"

    def read(self, name, pwd=None) -> bytes:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            raise ApplicationError(
                _("Classeur refusé : « %(part)s » dépasse %(n)s Mo décompressé.")
                % {"part": info.filename, "n": MAX_PART_BYTES // 2**20}
            )
        return super().read(name, pwd)

    def open(self, name, mode="r", pwd=None, **kwargs):
        stream = super().open(name, mode, pwd, **kwargs)
        return _Timed(stream, self.budget) if mode == "r" else stream


class _Timed(io.RawIOBase):
    """A zip part that stops being read once the reading time is spent."""

    def __init__(self, stream, budget: "_Budget"):
        self.stream, self.budget = stream, budget

    def readable(self) -> bool:
        return True

    def read(self, size=-1) -> bytes:
        if self.budget.over():
            raise _too_slow()
        return self.stream.read(size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.stream.close()
        super().close()


def _sheet_lines(source, cell_reader, max_rows: int) -> Iterator[tuple[int, list]]:
    """The rows of a worksheet's XML, one at a time, as the file numbers them.

    Not openpyxl's iter_rows: it builds each row whole, however many cells it
    holds, and pads it to the declared dimension."""
    from openpyxl.utils.cell import coordinate_to_tuple

    row_tag, cell_tag, data_tag = (
        SHEET_NS + "row",
        SHEET_NS + "c",
        SHEET_NS + "sheetData",
    )
    inline_tag = SHEET_NS + "is"
    line = 0
    cells: list[tuple[int, object]] = []
    for event, element in _xml_events(source, cell_tag, {row_tag, data_tag}):
        if event == "whole":  # a cell
            if len(cells) >= MAX_COLUMNS:
                raise _too_wide(line)
            if element.get("t") == "inlineStr":  # openpyxl's Text is slow
                coordinate = element.get("r")
                if coordinate:
                    column = coordinate_to_tuple(coordinate)[1]
                else:
                    column = cell_reader.col_counter + 1
                cell_reader.col_counter = column
                value = _text(element.find(inline_tag))
            else:
                cell = cell_reader.parse_cell(element)
                column, value = cell["column"], cell["value"]
            if column > MAX_COLUMNS:
                raise _too_wide(line)
            cells.append((column, value))
        elif element.tag == data_tag:
            if event == "end":
                return  # nothing after the cells matters
        elif event == "start":  # a row
            number = element.get("r")
            line = int(number) if number else line + 1
            if line < 1:
                raise _unreadable()
            if line > max_rows + 1:
                raise _too_many_rows(max_rows)
            cell_reader.row_counter, cell_reader.col_counter = line, 0
            cells = []
        else:  # the row's end
            values = [None] * max([len(cells), *(column for column, _v in cells)])
            for column, value in cells:
                values[column - 1] = value
            yield line, values


def _too_wide(line: int) -> ApplicationError:
    return ApplicationError(
        _("Ligne %(line)s trop longue : %(n)s colonnes au plus.")
        % {"line": line, "n": MAX_COLUMNS}
    )


def _shared_strings(archive: "_Archive", path: str) -> list[str]:
    """The workbook's shared strings (openpyxl's read_string_table, in bounded
    memory: it keeps every element it has read until the table ends)."""
    strings = []
    with archive.open(path) as source:
        for _event, element in _xml_events(source, SHEET_NS + "si", set()):
            if len(strings) >= MAX_CELLS:
                raise ApplicationError(
                    _("Fichier trop grand : %(n)s cellules au plus.") % {"n": MAX_CELLS}
                )
            strings.append(_text(element).replace("x005F_", ""))
    return strings


def _text(element) -> str | None:
    """The text of a shared string or an inline one (<si>, <is>): its <t>, or
    the <t> of each of its formatted runs, without its phonetic reading."""
    if element is None:
        return None
    text, run = SHEET_NS + "t", SHEET_NS + "r"
    return "".join(
        (child.text or "") if child.tag == text else (child.findtext(text) or "")
        for child in element
        if child.tag in (text, run)
    )


def _xml_events(source, whole: str, marks: set[str]) -> Iterator[tuple[str, object]]:
    """An XML stream in bounded memory: ("whole", element) for each element
    tagged `whole`, with all it holds (MAX_ITEM_NODES elements at most);
    ("start", element) and ("end", element) for the elements tagged in
    `marks`. Every element is forgotten once it has ended and been given."""
    path = []  # the elements open at this point
    inside = None  # the `whole` element being read
    nodes = 0
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            path.append(element)
            if len(path) > MAX_DEPTH:
                raise _unreadable()
            if inside is not None:
                nodes += 1
                if nodes > MAX_ITEM_NODES:
                    raise _unreadable()
            elif element.tag == whole:
                inside, nodes = element, 0
            elif element.tag in marks:
                yield "start", element
            continue
        path.pop()
        if inside is not None and element is not inside:
            continue  # a part of the whole element: kept with it
        if element is inside:
            inside = None
            yield "whole", element
        elif element.tag in marks:
            yield "end", element
        if path:
            del path[-1][:]  # the only child left: its older siblings are gone
