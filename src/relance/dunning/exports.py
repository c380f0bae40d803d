"""The invoice list, with its dunning columns, as CSV or XLSX."""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from relance.core.models import Company
from relance.dunning import rules
from relance.dunning.selectors import plan_step_names, with_customer_plan
from relance.invoices.models import Invoice


def headers() -> list[str]:
    return [
        _("Numéro"),
        _("Code client"),
        _("Client"),
        _("Date facture"),
        _("Échéance"),
        _("Jours de retard"),
        _("Montant TTC"),
        _("Reste dû"),
        _("Devise"),
        _("Statut"),
        _("Niveau de relance"),
        _("Dernière relance"),
        _("Prochaine étape"),
        _("Prévue le"),
        _("À relancer"),
    ]


def export_rows(
    *, company: Company, invoices: QuerySet[Invoice], today: date
) -> Iterator[list]:
    """One list of plain values per invoice: dates, Decimals, ints and text."""
    names = plan_step_names(company=company)
    invoices = with_customer_plan(invoices).select_related("customer")
    for invoice in invoices.iterator(chunk_size=2000):
        late = (
            rules.days_late(invoice.due_date, today) if invoice.status == "open" else 0
        )
        yield [
            invoice.number,
            invoice.customer.code,
            invoice.customer.name,
            invoice.issue_date,
            invoice.due_date,
            late,
            invoice.total,
            invoice.amount_due,
            invoice.currency,
            invoice.get_status_display(),
            invoice.dunning_level,
            invoice.last_reminder_on,
            names.of(invoice.plan_id).get(invoice.next_level or 0, ""),
            invoice.next_reminder_on,
            _("oui") if invoice.to_remind else "",
        ]


# What makes a spreadsheet take a cell for a formula (OWASP's CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _french(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if hasattr(value, "quantize"):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # shown as text, never run (numbers are not text)
    return str(value)


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """Semicolons, decimal commas and a BOM, as French spreadsheets expect."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield "\ufeff" + line(headers())
    for row in rows:
        yield line([_french(value) for value in row])


# What XML 1.0, so an XLSX, cannot hold (openpyxl checks only for the
# control characters; lxml refuses them all).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xlsx_bytes(
    rows: Iterable[list], *, header: list[str] | None = None, title: str = ""
) -> bytes:
    """A workbook of one sheet: `header` in bold (the invoice list's by
    default), then the rows; text never taken for a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet((title or _("Factures"))[:31])
    bold = []
    for name in header or headers():
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)

    def written(value):
        """Numbers as numbers; text as text, never a formula nor an error
        value, without the characters an XLSX cannot hold (a bad row of the
        database must not stop the export)."""
        if hasattr(value, "quantize"):
            return float(value)
        if not isinstance(value, str):
            return value
        value = NOT_XML.sub("\ufffd", value)
        if value.startswith("=") or value in ERROR_CODES:
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"  # openpyxl made it a formula, or an error
            return text
        return value

    for row in rows:
        sheet.append([written(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
