"""Bringing invoices and payments in: from a file, or one row at a time (API).

Every row is checked first and every problem reported with its line and
column; only a file without a single error is saved, in one transaction.
Customers are created or updated by code, invoices by number.
"""

import functools
import operator
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice
from types import SimpleNamespace
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from relance.core import languages
from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.models import Company, Language
from relance.core.money import format_amount, format_date
from relance.core.services import payment_url_refusal
from relance.core.sql import (
    any_of,
    ids_condition,
    rows_insert,
    rows_read,
    rows_set,
    statistics_ensure,
)
from relance.invoices.models import Customer, Invoice, Payment
from relance.invoices.parsing import (
    DOCUMENT_KINDS,
    KINDS,
    STATUSES,
    ValueRefused,
    languages_read,
    normalize_header,
    parse_amount,
    parse_choice,
    parse_date,
    parse_einvoice_status,
)
from relance.invoices.services import NewPayment
from relance.invoices.tables import (
    Table,
    character_refused,
    table_stream,
)


def _names(*names: str) -> set[str]:
    return {normalize_header(name) for name in names}


# Canonical column names, and the other names a file may use for them.
INVOICE_COLUMNS = {
    "number": _names(
        "number", "numero", "numéro", "n° facture", "numero_facture", "facture"
    ),
    "customer_code": _names("customer_code", "code_client", "code client", "compte"),
    "customer_name": _names("customer_name", "client", "nom_client", "raison_sociale"),
    "customer_email": _names("customer_email", "email", "e-mail", "courriel", "mail"),
    "issue_date": _names("issue_date", "date_facture", "date facture", "date"),
    "due_date": _names("due_date", "date_echeance", "échéance", "echeance"),
    "total": _names("total", "montant_ttc", "total_ttc", "montant"),
    "amount_due": _names("amount_due", "reste_du", "reste dû", "solde"),
    "currency": _names("currency", "devise"),
    "status": _names("status", "statut", "etat"),
    "customer_kind": _names("customer_kind", "type_client", "type"),
    "customer_language": _names("customer_language", "langue", "langue_client"),
    "payment_terms": _names("payment_terms", "conditions_reglement", "conditions"),
    # Its own online payment link (https://, issue 17 §4): the customer's
    # page shows it before the company's template.
    "payment_url": _names("payment_url", "lien_paiement", "lien de paiement"),
    "kind": _names("kind", "type_piece", "type_de_piece", "type_document", "nature"),
    "credited_invoice": _names(
        "credited_invoice", "facture_d_origine", "facture_origine", "avoir_sur"
    ),
    # The e-invoicing lifecycle status (CDAR code 200–213 or its label), its
    # date and reason: recorded in the invoice's history by the dunning
    # (`Report.einvoice_statuses`; docs/einvoicing.md).
    "einvoice_status": _names(
        "einvoice_status",
        "statut_facture_electronique",
        "statut_e_facture",
        "statut_cdar",
    ),
    "einvoice_status_date": _names(
        "einvoice_status_date", "date_statut_facture_electronique", "date_statut"
    ),
    "einvoice_status_reason": _names(
        "einvoice_status_reason", "motif_statut_facture_electronique", "motif_statut"
    ),
    # The customer's dunning plan by its name (ADR 21): one of the names the
    # caller gives (`plans`), set by the dunning after the import
    # (`Report.customer_plans`); empty leaves the customer's plan as it is.
    "plan": _names("plan", "plan_de_relance", "plan de relance"),
}
INVOICE_REQUIRED = ("number", "customer_code", "issue_date", "due_date", "total")

PAYMENT_COLUMNS = {
    "invoice_number": _names(
        "invoice_number", "numero_facture", "facture", "n° facture"
    ),
    "date": _names("date", "date_paiement", "date_reglement", "date du règlement"),
    "amount": _names("amount", "montant", "montant_paye"),
    "reference": _names("reference", "référence", "libelle", "libellé"),
    "method": _names("method", "mode", "mode_reglement", "moyen"),
}
PAYMENT_REQUIRED = ("invoice_number", "date", "amount")
METHODS = {
    # An allocation of a credit note is not a payment a file records.
    **{v: v for v in Payment.Method.values if v != Payment.Method.CREDIT_NOTE},
    "virement": "transfer",
    "prelevement": "direct_debit",
    "carte": "card",
    "cb": "card",
    "carte_bancaire": "card",
    "cheque": "cheque",
    "especes": "cash",
    "autre": "other",
}


@dataclass(frozen=True)
class RowError:
    line: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


PREVIEW_ROWS = 200  # rows an import shows of what it creates or updates


class Preview:
    """What a file does, row by row, bounded whatever its size: the first
    PREVIEW_ROWS rows that create or update something, then, while room is
    left, rows that change nothing (so a change is never lost among them);
    and how many rows there were in all.

    A row is a dict of JSON values (dates in ISO form, amounts as strings),
    so that the page writes them in its reader's language: `line`, `action`
    (create, update or unchanged), the row's own fields, and for an update
    its `changes`: [{"field", "old", "new"}]."""

    def __init__(self, limit: int = PREVIEW_ROWS):
        self.limit = limit
        self.total = 0
        self._changing: list[dict] = []
        self._unchanged: list[dict] = []

    def add(self, row: dict) -> bool:
        """Count the row; keep it if there is room. Returns whether kept."""
        self.total += 1
        kept = self._unchanged if row["action"] == "unchanged" else self._changing
        if len(kept) < self.limit:
            kept.append(row)
            return True
        return False

    def wants(self, action: str) -> bool:
        """Whether a row of this action would be kept; if not, count it
        with skip() rather than build it (a big file's rows mostly are not)."""
        kept = self._unchanged if action == "unchanged" else self._changing
        return len(kept) < self.limit

    def skip(self) -> None:
        self.total += 1

    @property
    def rows(self) -> list[dict]:
        """The rows that change something, then the others, each in the
        file's order."""
        return self._changing + self._unchanged[: self.limit - len(self._changing)]

    @property
    def more(self) -> int:
        """Rows left out of `rows`."""
        return self.total - len(self.rows)


MAX_LISTED = 1000  # errors (and warnings) a report lists; it counts them all


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # The first MAX_LISTED errors and warnings (add them with error() and
    # warning()); more_errors and more_warnings count the others.
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # saved all the same
    more_errors: int = 0
    more_warnings: int = 0
    # The rows' invoices, in the file's order (8 bytes each: a million rows
    # stay small), and those of them that are credit notes.
    invoice_ids: "array[int]" = field(default_factory=lambda: array("q"))
    # Those of them whose dunning state the import did not write: all but
    # the new invoices inserted with their state (`StateOf`).
    stale_ids: "array[int]" = field(default_factory=lambda: array("q"))
    credit_note_ids: list[int] = field(default_factory=list)
    preview: Preview = field(default_factory=Preview)
    # The rows' e-invoicing statuses, for the dunning to record: (invoice
    # id, code, status date or None, reason).
    einvoice_statuses: list[tuple] = field(default_factory=list)
    # The customers' plans named by the rows, for the dunning to set:
    # customer code → plan name, as the company writes it.
    customer_plans: dict[str, str] = field(default_factory=dict)

    def error(self, error: RowError) -> None:
        if len(self.errors) < MAX_LISTED:
            self.errors.append(error)
        else:
            self.more_errors += 1

    def warning(self, warning: RowError) -> None:
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append(warning)
        else:
            self.more_warnings += 1

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.more_errors

    def as_dict(self) -> dict:
        """`created`, `updated` and `errors` as always; then `unchanged`,
        `warnings`, and the first rows (`rows`, `more_rows`: see Preview);
        `more_errors` and `more_warnings` only when some were left out."""
        out = {
            "created": self.created,
            "updated": self.updated,
            "errors": [error.as_dict() for error in self.errors],
            "unchanged": self.unchanged,
            "warnings": [warning.as_dict() for warning in self.warnings],
            "rows": self.preview.rows,
            "more_rows": self.preview.more,
        }
        if self.more_errors:
            out["more_errors"] = self.more_errors
        if self.more_warnings:
            out["more_warnings"] = self.more_warnings
        return out

    def preview_dict(self, limit: int = PREVIEW_ROWS) -> dict:
        """What an import run keeps of the report, bounded: the preview's
        rows, and the first `limit` warnings with how many were left out."""
        return {
            "rows": self.preview.rows,
            "more_rows": self.preview.more,
            "warnings": [w.as_dict() for w in islice(self.warnings, limit)],
            "more_warnings": max(len(self.warnings) - limit, 0) + self.more_warnings,
        }


class Refused(ApplicationError):
    """A whole import refused; `report.errors` lists every problem (the
    first MAX_LISTED; the message counts them all)."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__(
            _("%(n)s erreur(s) : rien n'a été importé.") % {"n": report.error_count}
        )


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_INVOICE_READERS = {  # built once: a big file checks many rows
    "issue_date": parse_date,
    "due_date": parse_date,
    "total": parse_amount,
    "amount_due": parse_amount,
    "status": lambda v: parse_choice(
        v, STATUSES, _("ouverte, payée, annulée, brouillon")
    ),
    "customer_kind": lambda v: parse_choice(v, KINDS, _("professionnel, particulier")),
    "customer_language": lambda v: parse_choice(
        v, languages_read(), _("un code, fr, en, de…, ou un nom, français, allemand…")
    ),
    "kind": lambda v: parse_choice(v, DOCUMENT_KINDS, _("facture, avoir")),
    "einvoice_status": lambda v: parse_einvoice_status(v, einvoice_labels()),
    "einvoice_status_date": parse_date,
    "payment_url": lambda v: parse_payment_url(v),
}


def parse_payment_url(value) -> str:
    """An invoice's own payment link, checked like the company's template."""
    url = str(value).strip()
    message = payment_url_refusal(url)
    if message:
        raise ValueRefused(message)
    return url


_LIMITS = {  # characters at most
    "number": 60,
    "credited_invoice": 60,
    "customer_code": 40,
    "customer_name": 200,
    "payment_terms": 200,
    "einvoice_status_reason": 500,
    "plan": 100,
}


def clean_invoice_row(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Check one invoice row; returns its values and (column, message) problems."""
    values: dict = {}
    problems: list[tuple[str, str]] = []
    kind = DOCUMENT_KINDS.get(normalize_header(raw.get("kind") or ""))
    if _empty(raw.get("due_date")) and kind == Invoice.Kind.CREDIT_NOTE:
        raw = {**raw, "due_date": raw.get("issue_date")}  # nothing falls due
    for name in INVOICE_REQUIRED:
        if _empty(raw.get(name)):
            problems.append((name, _("valeur obligatoire")))
    readers = _INVOICE_READERS
    for name, value in raw.items():
        if value is None or name not in INVOICE_COLUMNS:
            continue
        text = value.strip() if type(value) is str else None
        if text == "" or (text is None and _empty(value)):
            continue
        reader = readers.get(name)
        try:
            if reader:
                values[name] = reader(value)
            else:
                values[name] = text if text is not None else str(value).strip()
        except ValueRefused as error:
            problems.append((name, str(error)))
    credit = values.get("kind") == Invoice.Kind.CREDIT_NOTE
    if credit and values.get("total") is not None and values["total"] < 0:
        values["total"] = -values["total"]  # many exports write a credit negative
    if credit and values.get("amount_due"):
        problems.append(
            (
                "amount_due",
                _("un avoir n'a pas de reste dû : il s'impute sur des factures"),
            )
        )
    if values.get("credited_invoice") and not credit:
        problems.append(
            (
                "credited_invoice",
                _("seul un avoir indique une facture d'origine (type : avoir)"),
            )
        )
    for name, limit in _LIMITS.items():
        if len(values.get(name, "")) > limit:
            problems.append((name, _("%(n)s caractères au plus") % {"n": limit}))
    if "currency" in values:
        values["currency"] = values["currency"].upper()
        if len(values["currency"]) != 3 or not values["currency"].isalpha():
            problems.append(("currency", _("code de devise à 3 lettres attendu (EUR)")))
    if "customer_email" in values and not _email_valid(values["customer_email"]):
        problems.append(
            (
                "customer_email",
                _("adresse e-mail invalide « %(v)s »")
                % {"v": values["customer_email"]},
            )
        )
    total, due = values.get("total"), values.get("amount_due")
    if total is not None and total < 0:
        problems.append(("total", _("le montant ne peut pas être négatif")))
    if due is not None and (due < 0 or (total is not None and due > total)):
        problems.append(
            ("amount_due", _("le reste dû doit être entre 0 et le montant TTC"))
        )
    issued, falls = values.get("issue_date"), values.get("due_date")
    if issued and falls and falls < issued:
        problems.append(("due_date", _("l'échéance précède la date de facture")))
    for name in ("einvoice_status_date", "einvoice_status_reason"):
        if name in values and _empty(raw.get("einvoice_status")):
            problems.append(
                (name, _("sans statut de facture électronique sur la ligne"))
            )
    return values, problems


def language_problems(values: dict, company: Company) -> list[tuple[str, str]]:
    """A customer's language must be one of the company's (core/languages.py)."""
    code = values.get("customer_language")
    message = languages.refusal(code, company.languages) if code else ""
    return [("customer_language", message)] if message else []


@functools.lru_cache(maxsize=4096)  # a customer's address recurs in a file
def _email_valid(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


@functools.cache
def einvoice_labels() -> dict[str, str]:
    """A status's French label, as normalize_header writes it, → its code
    (French whatever the reader's language: files are written in French)."""
    with translation.override("fr"):
        return {
            normalize_header(str(label)): code
            for code, label in Invoice.EInvoiceStatus.choices
        }


def einvoice_status_problems(values: dict, today: date | None) -> list[tuple]:
    """A status dated after `today` is refused (its date is that of a fact)."""
    day = values.get("einvoice_status_date")
    if today and day and day > today:
        return [
            (
                "einvoice_status_date",
                _("date après aujourd'hui (%(date)s)") % {"date": format_date(today)},
            )
        ]
    return []


FAR_YEARS = 2  # a due date further than this after the invoice date, or today


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def invoice_warnings(values: dict, today: date | None) -> list[tuple[str, str]]:
    """What a checked invoice row holds that is accepted but likely a typo,
    as (column, message): a due date more than FAR_YEARS years after the
    invoice date or after today (« 31/12/2099 »)."""
    due = values.get("due_date")
    starts = [day for day in (values.get("issue_date"), today) if day]
    if not due or not starts or due <= _years_after(min(starts), FAR_YEARS):
        return []
    return [
        (
            "due_date",
            _("Échéance lointaine : %(date)s, vérifiez la date")
            % {"date": format_date(due)},
        )
    ]


def _table_open(content: bytes, filename: str, columns, required) -> Table:
    """The file's table, its rows read as they are iterated; refused, every
    absent required column listed, if any is missing."""
    table = table_stream(content, filename, columns)
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise Refused(
            Report(
                errors=[
                    RowError(1, name, _("colonne obligatoire absente"))
                    for name in missing
                ]
            )
        )
    return table


def _cells_refused(line, row: dict, columns: dict[str, str]) -> list[RowError]:
    """Every cell of the row holding a character no export or database
    would take (a control character, a byte that was neither UTF-8 nor
    Windows-1252)."""
    cells = [value for value in row.values() if isinstance(value, str)]
    if not character_refused("".join(cells)):  # the usual row: one search
        return []
    return [
        RowError(line, columns[name], message)
        for name, value in row.items()
        if isinstance(value, str) and (message := character_refused(value))
    ]


def _column(table_columns: dict[str, str], name: str) -> str:
    return table_columns.get(name, name)


Progress = Callable[[int], None]  # told the rows done so far, after each chunk
# Given the new invoices about to be inserted (records: attname → value, a
# column left out takes the model's default), their dunning state columns
# (to_remind, next_level, next_reminder_on), in order. The dunning computes
# it: this app knows these columns only as plain ones (ADR 25, amended).
StateOf = Callable[[list], list[tuple]]


def invoices_import(
    *,
    company: Company,
    content: bytes,
    filename: str,
    today: date | None = None,
    progress: Progress | None = None,
    plans: Callable[[], Iterable[str]] = tuple,
    state_of: StateOf | None = None,
) -> Report:
    """Import a CSV/XLSX file of invoices; all or nothing. Raises Refused.
    The report says what each row does (`preview`) and what looks wrong but
    is saved all the same (`warnings`: a due date far ahead of `today`).
    The file is read as it is imported, CHUNK_ROWS rows at a time. `plans`
    gives the names the `plan` column may hold (the company's plans), read
    at its first value."""
    table = _table_open(content, filename, INVOICE_COLUMNS, INVOICE_REQUIRED)
    return invoices_table_import(
        company=company,
        table=table,
        today=today,
        progress=progress,
        plans=plans,
        state_of=state_of,
    )


def objects_table(objects: list[dict]) -> Table:
    """A list of flat objects with the import's column names (an API batch)
    as a table whose "line" is each object's index."""
    return Table(headers=[], rows=list(enumerate(objects)), columns={})


CHUNK_ROWS = 2000  # rows checked, then written, together


def invoices_table_import(
    *,
    company: Company,
    table: Table,
    today: date | None = None,
    progress: Progress | None = None,
    plans: Callable[[], Iterable[str]] = tuple,
    state_of: StateOf | None = None,
) -> Report:
    """The rows of `table` imported as invoices, all or nothing (raises
    Refused): a file's or an API batch's, see invoices_import. New invoices
    are inserted with the state `state_of` gives them (not in
    `report.stale_ids`).

    One pass, in one transaction, CHUNK_ROWS rows at a time: each chunk is
    checked, then its valid rows written (so that the checks of the next
    chunks, and the end's, find them in the database); any error rolls
    everything back (ADR 17); a dry run is the caller's rollback
    (`dunning.services.intake`). What needs the whole file (a new
    customer named on a later line, a credit note naming a later invoice) is
    checked at the end."""
    report = Report()
    run = _InvoiceImport(company, table.columns, report, today, plans, state_of)
    with transaction.atomic():
        tables = (Customer, Invoice)
        for chunk in _chunks(table.rows, CHUNK_ROWS, progress, tables):
            run.chunk(chunk)
        run.finish()
        if report.errors:
            raise Refused(report)  # rolls back
    return report


def _chunks(
    rows: Iterable, size: int, progress: Progress | None, tables: tuple[type, ...]
):
    """A file's rows, `size` at a time, for an import that takes each chunk
    in before asking for the next: once the first is taken in, the `tables`
    of a new installation analysed (`core.sql.statistics_ensure`); after
    each, `progress` told the rows done."""
    rows, done = iter(rows), 0
    for chunk in iter(lambda: list(islice(rows, size)), []):
        yield chunk
        if not done:  # a new installation's tables, once they hold rows
            statistics_ensure(*tables)
        done += len(chunk)
        if progress is not None:
            progress(done)


class _InvoiceImport:
    """What an import keeps from one chunk to the next: bounded but for the
    numbers seen (to refuse a number twice in the file)."""

    def __init__(
        self,
        company,
        columns: dict[str, str],
        report: Report,
        today,
        plans=tuple,
        state_of=None,
    ):
        self.company, self.columns, self.report, self.today = (
            company,
            columns,
            report,
            today,
        )
        self.state_of = state_of
        self.rows = 0
        self.seen: dict[str, int] = {}  # number → its line
        self.unnamed: dict[str, int] = {}  # a new customer's code → first line
        self.credits_pending: list[tuple] = []  # (line, values) naming a later one
        self.links_pending: dict[int, str] = {}  # credit note id → origin
        self.plan_names = plans  # read when a row first names a plan
        self.plan_lines: dict[str, int] = {}  # customer code → line naming its plan
        # Customers created by this import have a greater id.
        self.customers_before = (
            Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        self.now = utc_now()
        # A company with no invoice yet (its first import): none of a
        # chunk's numbers is known unless an earlier chunk named it.
        self.new_company = not Invoice.objects.filter(company=company).exists()

    def error(self, line, name: str, message: str) -> None:
        self.report.error(RowError(line, _column(self.columns, name), message))

    def chunk(self, chunk: list) -> None:
        checked, valid = [], []
        for line, raw in chunk:
            self.rows += 1
            refused = _cells_refused(line, raw, self.columns)
            if refused:
                for error in refused:
                    self.report.error(error)
                continue
            values, problems = clean_invoice_row(raw)
            problems += einvoice_status_problems(values, self.today)
            problems += language_problems(values, self.company)
            problems += self._plan_problems(line, values)
            number = values.get("number")
            if number in self.seen:
                problems.append(
                    (
                        "number",
                        _("facture « %(n)s » déjà présente ligne %(line)s")
                        % {"n": number, "line": self.seen[number]},
                    )
                )
            elif number:
                self.seen[number] = line
            for name, message in problems:
                self.error(line, name, message)
            if not problems:
                for name, message in invoice_warnings(values, self.today):
                    self.report.warning(
                        RowError(line, _column(self.columns, name), message)
                    )
                valid.append((line, values))
            checked.append((line, values))
        customers = self._check_customers(checked)
        failed: set = set()
        known = self._known(first_line=chunk[0][0], rows=checked)
        self.credits_pending.extend(
            _check_credits(
                self.company, checked, self.columns, self.report, failed, known
            )
        )
        valid = [(line, values) for line, values in valid if line not in failed]
        if valid:
            _invoices_save(
                self.company,
                valid,
                self.report,
                customers=customers,
                new_after=self.customers_before,
                now=self.now,
                links_pending=self.links_pending,
                fast=True,
                known=known,
                state_of=self.state_of,
            )

    def _known(self, *, first_line: int, rows: list) -> dict:
        """_invoices_known of the chunk's rows, without reading them when
        none can be known: the company had no invoice when the import began
        and no earlier chunk (a line before `first_line`) named any of the
        numbers the rows name (a number given twice is refused; a credit
        note may name an invoice of an earlier chunk). Another writer's
        invoice of the same number, committed meanwhile, is refused by the
        database either way."""
        if self.new_company:
            before = self.seen.get
            named = (
                name
                for _line, values in rows
                for name in (values.get("number"), values.get("credited_invoice"))
                if name
            )
            if all(before(name, first_line) >= first_line for name in named):
                return {}
        return _invoices_known(self.company, rows)

    @functools.cached_property
    def plans(self) -> dict[str, str]:
        """A plan's name casefolded → its name."""
        return {name.casefold(): name for name in self.plan_names()}

    def _plan_problems(self, line, values: dict) -> list[tuple[str, str]]:
        """The plan a row names: one of `plans`, the same on every line of
        its customer; kept in `Report.customer_plans`."""
        name = values.get("plan")
        if name is None:
            return []
        plan = self.plans.get(name.casefold())
        if plan is None:
            known = ", ".join(sorted(self.plans.values())) or _("aucun")
            return [
                (
                    "plan",
                    _("plan « %(v)s » inconnu (plans de relance : %(known)s)")
                    % {"v": name, "known": known},
                )
            ]
        code = values.get("customer_code")
        if not code:
            return []
        first = self.report.customer_plans.setdefault(code, plan)
        if first != plan:
            return [
                (
                    "plan",
                    _(
                        "plan « %(v)s » : la ligne %(line)s donne « %(first)s » "
                        "au client"
                    )
                    % {"v": name, "line": self.plan_lines[code], "first": first},
                )
            ]
        self.plan_lines.setdefault(code, line)
        return []

    def _check_customers(self, rows) -> dict:
        """A new customer code needs a name somewhere in the file: one not
        named in this chunk waits for a later one. Returns the chunk's
        customers known already, by code."""
        codes = list(
            dict.fromkeys(v["customer_code"] for _l, v in rows if "customer_code" in v)
        )
        known = _customers_known(self.company, codes)
        named = {v["customer_code"] for _l, v in rows if v.get("customer_name")}
        for code in named & self.unnamed.keys():
            del self.unnamed[code]
        for line, values in rows:
            code = values.get("customer_code")
            if code and code not in known and code not in named:
                self.unnamed.setdefault(code, line)
        return known

    def finish(self) -> None:
        if not self.rows and not self.report.errors:
            self.report.error(RowError(None, "", _("aucune ligne à importer")))
        for code, line in self.unnamed.items():
            self.error(
                line,
                "customer_name",
                _("client « %(code)s » inconnu : indiquez son nom") % {"code": code},
            )
        if self.credits_pending:
            still = _check_credits(
                self.company, self.credits_pending, self.columns, self.report
            )
            for line, values in still:
                self.error(
                    line,
                    "credited_invoice",
                    _("facture d'origine « %(n)s » inconnue")
                    % {"n": values["credited_invoice"]},
                )
        if self.links_pending and not self.report.errors:
            _credited_link_later(self.company, self.links_pending)
        # In the file's order (a check of the whole file comes at its end).
        self.report.errors.sort(key=lambda e: (e.line is not None, e.line or 0))


def _check_credits(
    company, rows, columns, report, failed=None, known=None
) -> list[tuple]:
    """A document keeps its kind; a credit note names an invoice (already
    known, or in these rows) of its own customer; a credit note's new amount
    is never below what was allocated of it. One query (none when `known`,
    _invoices_known of these rows, is given). Returns the rows of credit
    notes naming an invoice not known (yet)."""
    by_number = {values["number"]: values for _l, values in rows if "number" in values}
    if known is None:
        known = _invoices_known(company, rows)

    def error(line, name, message):
        report.error(RowError(line, _column(columns, name), message))
        if failed is not None:
            failed.add(line)

    def kind_of(number):
        if number in by_number and "kind" in by_number[number]:
            return by_number[number]["kind"]
        invoice = known.get(number)
        return invoice.kind if invoice else Invoice.Kind.INVOICE

    unknown = []
    for line, values in rows:
        invoice = known.get(values.get("number"))
        if invoice and values.get("kind") and values["kind"] != invoice.kind:
            error(
                line,
                "kind",
                _("%(n)s est déjà importée comme « %(kind)s » : son type ne change pas")
                % {"n": invoice.number, "kind": invoice.get_kind_display()},
            )
            continue
        if invoice and invoice.is_credit_note and values.get("total") is not None:
            allocated = invoice.total - invoice.credit_left
            if values["total"] < allocated:
                error(
                    line,
                    "total",
                    _("l'avoir est déjà imputé de %(amount)s : montant trop bas")
                    % {"amount": format_amount(allocated, invoice.currency)},
                )
        origin = values.get("credited_invoice")
        if not origin or values.get("kind") != Invoice.Kind.CREDIT_NOTE:
            continue  # an invoice naming one: refused by clean_invoice_row
        if origin not in by_number and origin not in known:
            # Checked again at the end of the file: (line, what it needs).
            unknown.append(
                (
                    line,
                    {
                        key: values[key]
                        for key in ("kind", "credited_invoice", "customer_code")
                        if key in values
                    },
                )
            )
        elif kind_of(origin) != Invoice.Kind.INVOICE:
            error(
                line,
                "credited_invoice",
                _("« %(n)s » est un avoir, pas une facture") % {"n": origin},
            )
        else:
            code = (
                by_number[origin].get("customer_code")
                if origin in by_number
                else known[origin].customer_code
            )
            if code != values.get("customer_code"):
                error(
                    line,
                    "credited_invoice",
                    _("la facture d'origine « %(n)s » est celle d'un autre client")
                    % {"n": origin},
                )
    return unknown


CHUNK = 5000  # keys looked up together


class _Record(SimpleNamespace):
    """A row read without building its model (ADR 17): its columns as
    attributes, by attname; an invoice's also give `customer_code` and
    `customer_name`."""

    @property
    def is_credit_note(self) -> bool:
        return self.kind == Invoice.Kind.CREDIT_NOTE

    def get_kind_display(self) -> str:
        return str(Invoice.Kind(self.kind).label)


def _records_read(model, company, names: list[str], key: str, keys) -> dict:
    """The company's rows of `model` whose field `key` is one of `keys`, as
    _Records of the fields `names` (an invoice's with its customer's code),
    by key: one SELECT per CHUNK keys written directly, no model built (a
    chunk's 2,000 invoices as models cost more than their checks)."""
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    columns = [f"t.{quote(field.column)}" for field in fields]
    join = ""
    attnames = [field.attname for field in fields]
    if model is Invoice:
        customers = quote(Customer._meta.db_table)
        join = f" JOIN {customers} c ON c.id = t.customer_id"
        columns += ["c.code", "c.name"]
        attnames += ["customer_code", "customer_name"]
    converters = [_converter(field) for field in fields]
    table = quote(model._meta.db_table)
    keys = sorted(set(keys))
    found = {}
    for start in range(0, len(keys), CHUNK):
        condition, params = any_of(
            f"t.{quote(model._meta.get_field(key).column)}",
            keys[start : start + CHUNK],
        )
        for row in rows_read(
            f"SELECT {', '.join(columns)} FROM {table} t{join} "
            f"WHERE t.company_id = %s AND {condition}",
            [company.pk, *params],
        ):
            values = [
                convert(value) if convert and value is not None else value
                for convert, value in zip(converters, row, strict=False)
            ]
            values += row[len(converters) :]
            record = _Record(**dict(zip(attnames, values, strict=True)))
            record.pk = record.id
            found[getattr(record, key)] = record
    return found


def _converter(field):
    """How a value read raw becomes the field's Python value: an amount (a
    number on SQLite) to the cent; others are given as they are."""
    if field.get_internal_type() != "DecimalField":
        return None
    exponent = Decimal(1).scaleb(-field.decimal_places)
    return functools.lru_cache(maxsize=4096)(
        lambda value: (
            value
            if isinstance(value, Decimal)
            else Decimal(str(value)).quantize(exponent)
        )
    )


def _invoice_reads() -> list[str]:
    """The invoice's fields an import reads of a known one: all but its
    times and its PDF (never compared, and costly to convert)."""
    return [
        field.name
        for field in Invoice._meta.concrete_fields
        if field.get_internal_type() not in ("DateTimeField", "FileField")
    ]


def _invoices_known(company, rows) -> dict:
    """The company's invoices the rows name (as numbers, or as the invoice
    a credit note credits), as _Records by number."""
    wanted = {values["number"] for _l, values in rows if "number" in values} | {
        values["credited_invoice"]
        for _l, values in rows
        if values.get("credited_invoice")
    }
    return _records_read(Invoice, company, _invoice_reads(), "number", wanted)


def _customers_known(company, codes) -> dict:
    """The company's customers of these codes, as _Records by code (what an
    import compares and writes of them)."""
    names = ["id", "code", *CUSTOMER_CHANGES]
    return _records_read(Customer, company, names, "code", codes)


def _by_key(queryset, field: str, keys: list) -> dict:
    """The rows of `queryset` whose `field` is one of `keys`, by that key."""
    found = {}
    for start in range(0, len(keys), CHUNK):
        lookup = {f"{field}__in": keys[start : start + CHUNK]}
        found.update((getattr(row, field), row) for row in queryset.filter(**lookup))
    return found


def _customers_save(
    company, rows: list[dict], now, known: dict | None = None, fast: bool = False
) -> tuple[dict, set[str]]:
    """The rows' customers by code: new codes created, known ones (read
    here, or given) updated with the non-empty name, email and kind of their
    rows (the last wins). Returns them, and the codes created. `fast`: the
    new ones are inserted by _insert and given as plain records."""
    codes = list(dict.fromkeys(values["customer_code"] for values in rows))
    if known is None:
        known = _by_key(Customer.objects.filter(company=company), "code", codes)
    new: dict[str, Customer] = {}
    changed: dict[str, Customer] = {}
    for values in rows:
        code = values["customer_code"]
        customer = known.get(code) or new.get(code)
        if customer is None:
            fields = {
                "company_id": company.pk,
                "code": code,
                "name": values.get("customer_name", code),
                "email": values.get("customer_email", ""),
                "kind": values.get("customer_kind", Customer.Kind.BUSINESS),
                "language": values.get("customer_language", Language.FRENCH.value),
            }
            new[code] = (
                SimpleNamespace(pk=None, **fields) if fast else Customer(**fields)
            )
            continue
        for name, column in CUSTOMER_CHANGES.items():
            value = values.get(column)
            if value and getattr(customer, name) != value:
                setattr(customer, name, value)
                if code in known:
                    customer.updated_at = now
                    changed[code] = customer
    if fast and new:
        ids = _insert(Customer, [vars(customer) for customer in new.values()])
        for customer, pk in zip(new.values(), ids, strict=True):
            customer.pk = pk
    else:
        Customer.objects.bulk_create(new.values(), batch_size=1000)
    if changed:
        rows_set(
            Customer,
            list(changed.values()),
            ["name", "email", "kind", "language", "updated_at"],
        )
    return {code: known.get(code) or new[code] for code in codes}, set(new)


CUSTOMER_CHANGES = {
    "name": "customer_name",
    "email": "customer_email",
    "kind": "customer_kind",
    "language": "customer_language",
}


def _invoices_save(
    company,
    rows: list[tuple[int | None, dict]],
    report,
    *,
    customers: dict | None = None,
    new_after: int | None = None,
    now=None,
    links_pending: dict | None = None,
    fast: bool = False,
    known: dict | None = None,
    state_of: StateOf | None = None,
) -> list[tuple[Invoice, bool]]:
    """Create or update the rows' customers and invoices (by code and
    number), with a fixed number of statements per chunk of rows; each row,
    with its line, goes to the report's preview. Returns each row's invoice
    and whether it was created, in order. A customer is new if created here,
    or if its id is greater than `new_after` (created by an earlier chunk).
    A credit note naming an invoice not written yet goes to `links_pending`.
    `fast` (a file): new rows inserted by _insert, and returned as plain
    records (pk, number, credited_invoice_id, is_credit_note), not models,
    and `known` (_invoices_known of the rows) may give the invoices known;
    with `state_of`, new rows are inserted with their dunning state."""
    now = now or utc_now()
    customers, new_codes = _customers_save(
        company, [values for _line, values in rows], now, known=customers, fast=fast
    )
    if known is None:
        known = _by_key(
            Invoice.objects.filter(company=company),
            "number",
            [values["number"] for _line, values in rows],
        )
    saved, new, changed, columns, kept = [], [], [], set(), []
    for line, values in rows:
        invoice = known.get(values["number"])
        customer = customers[values["customer_code"]]
        fields = _invoice_fields(values, invoice, customer)
        new_customer = customer.code in new_codes or (
            new_after is not None and customer.pk > new_after
        )
        where = (report.preview, line, values, customer, fields, new_customer)
        if invoice is None:
            if fast:
                invoice = SimpleNamespace(
                    pk=None,
                    company_id=company.pk,
                    number=values["number"],
                    credited_invoice_id=None,
                    **fields,
                )
                invoice.is_credit_note = fields.get("kind") == Invoice.Kind.CREDIT_NOTE
            else:
                invoice = Invoice(company=company, number=values["number"], **fields)
            new.append(invoice)
            saved.append((invoice, True))
            report.created += 1
            _preview_add(*where, "create", {})
            continue
        names = [k for k, v in fields.items() if getattr(invoice, k) != v]
        if names:
            changes = [
                {"field": name, "old": getattr(invoice, name), "new": fields[name]}
                for name in names
            ]
            for name in names:
                setattr(invoice, name, fields[name])
            if invoice.amount_due > invoice.total:
                raise ApplicationError(
                    _("reste dû supérieur au nouveau montant TTC"), field="amount_due"
                )
            invoice.updated_at = now
            columns.update(names)
            changed.append(invoice)
            report.updated += 1
            row = _preview_add(*where, "update", {"changes": changes})
            if row is not None:
                kept.append(row)
        else:
            report.unchanged += 1
            _preview_add(*where, "unchanged", {})
        saved.append((invoice, False))
    _changes_as_json(company, kept, customers)
    stated = fast and state_of is not None
    if stated and new:
        for invoice, state in zip(new, state_of(new), strict=True):
            invoice.to_remind, invoice.next_level, invoice.next_reminder_on = state
    if fast and new:
        # (`is_credit_note` and `pk` are no field: _insert leaves them out)
        ids = _insert(Invoice, [vars(invoice) for invoice in new])
        for invoice, pk in zip(new, ids, strict=True):
            invoice.pk = pk
    else:
        Invoice.objects.bulk_create(new, batch_size=1000)
    if changed:
        rows_set(Invoice, changed, [*sorted(columns), "updated_at"])
    later = _credited_link(company, rows, saved)
    if links_pending is not None:
        links_pending.update(later)
    report.invoice_ids.extend(invoice.pk for invoice, _created in saved)
    report.stale_ids.extend(
        invoice.pk for invoice, created in saved if not (stated and created)
    )
    report.credit_note_ids.extend(
        invoice.pk for invoice, _created in saved if invoice.is_credit_note
    )
    report.einvoice_statuses.extend(
        (
            invoice.pk,
            values["einvoice_status"],
            values.get("einvoice_status_date"),
            values.get("einvoice_status_reason", ""),
        )
        for (_line, values), (invoice, _created) in zip(rows, saved, strict=True)
        if values.get("einvoice_status")
    )
    return saved


def _preview_add(
    preview: Preview, line, values, customer, fields, new_customer, action, more
) -> dict | None:
    """An invoice row for the preview, built only if it keeps it (a big
    file's rows mostly are not): the row kept, or None."""
    if not preview.wants(action):
        preview.skip()
        return None
    row = {
        "line": line,
        "number": values["number"],
        "customer_code": customer.code,
        "customer_name": customer.name,
        "new_customer": new_customer,
        "issue_date": fields["issue_date"].isoformat(),
        "due_date": fields["due_date"].isoformat(),
        "total": str(fields["total"]),
        "currency": fields["currency"],
        "action": action,
        **more,
    }
    preview.add(row)
    return row


def _insert(model, rows: list[dict]) -> list[int]:
    """INSERT `rows` (attname → value; a field left out takes its default)
    through `core.sql.rows_insert`: no model object is built, where
    bulk_create spent most of a big import's time (ADR 17). Rows are grouped
    by the fields they give (they all give the same ones in practice).
    Returns the new ids in the rows' order (on PostgreSQL taken from the
    sequence before the COPY: no read of the rows back by key)."""
    attnames = {
        field.attname for field in model._meta.concrete_fields if not field.primary_key
    }
    groups: dict[tuple, tuple[list, list]] = {}
    pickers: dict[tuple, tuple] = {}  # a row's keys → its fields, their getter
    for n, row in enumerate(rows):
        keys = tuple(row)
        if keys not in pickers:
            names = tuple(name for name in keys if name in attnames)
            pickers[keys] = (names, _getter(names))
        names, pick = pickers[keys]
        places, values = groups.setdefault(names, ([], []))
        places.append(n)
        values.append(pick(row))
    ids = [0] * len(rows)
    for names, (places, values) in groups.items():
        made = rows_insert(model, names, values, returning=True)
        for n, pk in zip(places, made, strict=True):
            ids[n] = pk
    return ids


def _getter(names: tuple) -> Callable[[dict], tuple]:
    """The values of `names` in a row, as a tuple (`itemgetter` gives a
    bare value for one name)."""
    if len(names) > 1:
        return operator.itemgetter(*names)
    return lambda row: tuple(row[name] for name in names)


def _credited_link(company, rows, saved) -> dict[int, str]:
    """Point each credit note at the invoice it names (checked before, by
    _check_credits): one of these rows', or one known already. Returns the
    credit notes whose invoice is not known yet (a later chunk's), by id."""
    origins = {
        invoice.pk: values["credited_invoice"]
        for (_line, values), (invoice, _created) in zip(rows, saved, strict=True)
        if values.get("credited_invoice")
    }
    if not origins:
        return {}
    ids = {invoice.number: invoice.pk for invoice, _created in saved}
    missing = sorted(set(origins.values()) - set(ids))
    found = _by_key(
        Invoice.objects.filter(company=company).only("pk", "number"), "number", missing
    )
    ids.update((number, invoice.pk) for number, invoice in found.items())
    linked, later = [], {}
    for invoice, _created in saved:
        if invoice.pk not in origins:
            continue
        origin = ids.get(origins[invoice.pk])
        if origin is None:
            later[invoice.pk] = origins[invoice.pk]
        elif invoice.credited_invoice_id != origin:
            invoice.credited_invoice_id = origin
            linked.append(invoice)
    if linked:
        rows_set(Invoice, linked, ["credited_invoice"])
    return later


def _credited_link_later(company, origins: dict[int, str]) -> None:
    """The credit notes whose invoice came later in the file, linked to it
    once the whole file is written."""
    found = _by_key(
        Invoice.objects.filter(company=company).only("pk", "number"),
        "number",
        sorted(set(origins.values())),
    )
    linked = [
        Invoice(pk=pk, credited_invoice_id=found[number].pk)
        for pk, number in origins.items()
        if number in found
    ]
    rows_set(Invoice, linked, ["credited_invoice"])


def _changes_as_json(company, rows: list[dict], customers: dict) -> None:
    """The changes of the previewed rows as JSON values: dates in ISO form,
    amounts as strings, a customer by its code (the codes a file does not
    name read in one query, and only when an invoice changes customer)."""
    changes = [change for row in rows for change in row.get("changes", ())]
    codes = {customer.pk: code for code, customer in customers.items()}
    missing = {
        change["old"]
        for change in changes
        if change["field"] == "customer_id" and change["old"] not in codes
    }
    if missing:
        codes.update(
            Customer.objects.filter(company=company, pk__in=missing).values_list(
                "pk", "code"
            )
        )
    for change in changes:
        if change["field"] == "customer_id":
            change.update(
                field="customer", old=codes[change["old"]], new=codes[change["new"]]
            )
        for key in ("old", "new"):
            value = change[key]
            if isinstance(value, date):
                change[key] = value.isoformat()
            elif isinstance(value, Decimal):
                change[key] = str(value)


def _invoice_fields(values: dict, invoice: Invoice | None, customer) -> dict:
    """An invoice's columns from its row; what the row leaves out is kept
    (an existing invoice) or defaulted (a new one)."""
    status = values.get("status")
    kind = values.get("kind", invoice.kind if invoice else Invoice.Kind.INVOICE)
    if kind == Invoice.Kind.CREDIT_NOTE:
        return _credit_note_fields(values, invoice, customer, status)
    fields = {
        "customer_id": customer.pk,
        "issue_date": values["issue_date"],
        "due_date": values["due_date"],
        "total": values["total"],
        "currency": values.get("currency", invoice.currency if invoice else "EUR"),
        "payment_terms": values.get(
            "payment_terms", invoice.payment_terms if invoice else ""
        ),
        "payment_url": values.get(
            "payment_url", invoice.payment_url if invoice else ""
        ),
        "status": status or (invoice.status if invoice else Invoice.Status.OPEN),
    }
    if "amount_due" in values:
        fields["amount_due"] = values["amount_due"]
    elif fields["status"] == Invoice.Status.PAID:
        fields["amount_due"] = Decimal("0.00")
    elif invoice is None or invoice.total != values["total"]:
        fields["amount_due"] = values["total"]
    if fields["status"] == Invoice.Status.PAID and fields.get("amount_due", 0) != 0:
        fields["amount_due"] = Decimal("0.00")
    if fields["status"] == Invoice.Status.OPEN and fields.get("amount_due") == 0:
        fields["status"] = Invoice.Status.PAID
    return fields


def _credit_note_fields(values, invoice, customer, status) -> dict:
    """A credit note's columns: nothing due, ever; what is left to allocate
    is its amount (a new one) or moves with it (allocations kept, checked by
    _check_credits). Fully allocated: « payée »."""
    fields = {
        "kind": Invoice.Kind.CREDIT_NOTE,
        "customer_id": customer.pk,
        "issue_date": values["issue_date"],
        "due_date": values["due_date"],
        "total": values["total"],
        "amount_due": Decimal("0.00"),
        "currency": values.get("currency", invoice.currency if invoice else "EUR"),
        "payment_terms": values.get(
            "payment_terms", invoice.payment_terms if invoice else ""
        ),
        "payment_url": values.get(
            "payment_url", invoice.payment_url if invoice else ""
        ),
    }
    if invoice is None:
        fields["credit_left"] = values["total"]
        fields["status"] = status or Invoice.Status.OPEN
    else:
        fields["credit_left"] = invoice.credit_left + values["total"] - invoice.total
        fields["status"] = status or invoice.status
    if fields["status"] in (Invoice.Status.OPEN, Invoice.Status.PAID):
        fields["status"] = (
            Invoice.Status.OPEN if fields["credit_left"] else Invoice.Status.PAID
        )
    return fields


def row_refused(problems: list[tuple[str, str]]) -> Refused:
    """One object's problems (an API call: no line), as a refusal."""
    return Refused(
        Report(errors=[RowError(None, name, message) for name, message in problems])
    )


class Upserted(NamedTuple):
    invoice: Invoice
    created: bool
    warnings: list[RowError]  # accepted, but likely a typo: a far due date


def invoice_upsert(
    *, company: Company, raw: dict, today: date | None = None
) -> Upserted:
    """One invoice from a flat object with the import's column names (the API)."""
    values, problems = clean_invoice_row(raw)
    problems += einvoice_status_problems(values, today)
    problems += language_problems(values, company)
    if problems:
        raise row_refused(problems)
    report = Report()
    code = values["customer_code"]
    if not values.get("customer_name") and not (
        Customer.objects.filter(company=company, code=code).exists()
    ):
        report.error(
            RowError(
                None,
                "customer_name",
                _("client « %(code)s » inconnu : indiquez son nom") % {"code": code},
            )
        )
    for _line, unknown in _check_credits(company, [(None, values)], {}, report):
        report.error(
            RowError(
                None,
                "credited_invoice",
                _("facture d'origine « %(n)s » inconnue")
                % {"n": unknown["credited_invoice"]},
            )
        )
    if report.errors:
        raise Refused(report)
    with transaction.atomic():
        [(invoice, created)] = _invoices_save(company, [(None, values)], report)
    warnings = [
        RowError(None, name, message)
        for name, message in invoice_warnings(values, today)
    ]
    return Upserted(invoice, created, warnings)


_PAYMENT_READERS = {  # built once: a file checks many rows
    "date": parse_date,
    "amount": parse_amount,
    "method": lambda v: parse_choice(
        v, METHODS, _("virement, prélèvement, carte, chèque, espèces")
    ),
}
# What a payment file reads of its invoices (with their customer's code).
_PAYMENT_READS = ["id", "number", "status", "currency", "amount_due", "customer"]


def clean_payment_row(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Check one payment row; returns its values (invoice_number, date,
    amount, method, reference) and (column, message) problems."""
    values: dict = {}
    problems: list[tuple[str, str]] = []
    for name in PAYMENT_REQUIRED:
        if _empty(raw.get(name)):
            problems.append((name, _("valeur obligatoire")))
    for name, reader in _PAYMENT_READERS.items():
        if _empty(raw.get(name)):
            continue
        try:
            values[name] = reader(raw[name])
        except ValueRefused as error:
            problems.append((name, str(error)))
    if values.get("amount") is not None and values["amount"] <= 0:
        problems.append(("amount", _("le montant doit être positif")))
    values["invoice_number"] = str(raw.get("invoice_number") or "").strip()
    values["reference"] = str(raw.get("reference") or "").strip()[:100]
    values.setdefault("method", Payment.Method.TRANSFER)
    return values, problems


Record = Callable[[list[NewPayment]], object]  # writes a chunk's payments
# Payments checked, then recorded, together: bigger chunks than invoices'
# (each chunk records its payments and their invoices' state in about ten
# statements; 2,000 rows a chunk made a file a quarter slower on PostgreSQL).
PAYMENT_CHUNK_ROWS = 20_000


def payments_import(
    *,
    company: Company,
    content: bytes,
    filename: str,
    record: Record,
    today: date | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import a file of payments, streamed PAYMENT_CHUNK_ROWS rows at a time: each
    chunk is checked against the invoices as the chunks before it left them,
    then its valid payments are given to `record`, which writes them (the
    dunning's `payments_record`). Raises Refused listing every problem with
    its line, so that the caller's transaction, which must hold the whole
    import, rolls everything back (ADR 17, amended 2026-12-04). A row already
    recorded before the import (same invoice, date, amount and reference) is
    left out, so a file imported twice pays nothing twice."""
    table = _table_open(content, filename, PAYMENT_COLUMNS, PAYMENT_REQUIRED)
    check = _PaymentCheck(company, table.columns, today)
    tables = (Customer, Invoice, Payment)
    for chunk in _chunks(table.rows, PAYMENT_CHUNK_ROWS, progress, tables):
        payments = check.chunk(chunk)
        if payments:
            record(payments)
    if check.report.errors:
        raise Refused(check.report)
    return check.report


def payments_table_read(
    *, company: Company, table: Table, today: date | None = None
) -> tuple[list[NewPayment], Report]:
    """The rows of an API batch (at most a thousand) checked as payments, as
    payments_import checks a chunk; nothing is written: the payments to
    record and the report, or Refused."""
    check = _PaymentCheck(company, table.columns, today)
    payments = check.chunk(table.rows)
    if check.report.errors:
        raise Refused(check.report)
    return payments, check.report


class _PaymentCheck:
    """What a payment import keeps from one chunk to the next: its report
    (bounded), and the last payment recorded before it, so that a row is
    found « already recorded » only among those (two equal rows of one file
    are two payments, in any chunk)."""

    def __init__(self, company: Company, columns: dict[str, str], today):
        self.company, self.columns, self.today = company, columns, today
        self.report = Report()
        self.recorded_up_to = (
            Payment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )

    def chunk(self, rows: list) -> list[NewPayment]:
        """The chunk's valid payments; its problems go to the report."""
        report, checked = self.report, []
        for line, raw in rows:
            refused = _cells_refused(line, raw, self.columns)
            for error in refused:
                report.error(error)
            if not refused:
                checked.append((line, raw))
        numbers = {str(raw.get("invoice_number", "")).strip() for _l, raw in checked}
        invoices = _records_read(
            Invoice, self.company, _PAYMENT_READS, "number", numbers
        )
        recorded = _recorded(invoices.values(), up_to=self.recorded_up_to)
        remaining = {number: invoice.amount_due for number, invoice in invoices.items()}
        payments = []
        for line, raw in checked:
            values, problems = clean_payment_row(raw)
            if self.today and values.get("date") and values["date"] > self.today:
                problems.append(("date", _("date après aujourd'hui")))
            number, reference = values["invoice_number"], values["reference"]
            invoice = invoices.get(number)
            if number and invoice is None:
                problems.append(
                    ("invoice_number", _("facture « %(n)s » inconnue") % {"n": number})
                )
            elif invoice is not None and invoice.status in (
                Invoice.Status.CANCELLED,
                Invoice.Status.DRAFT,
            ):
                problems.append(
                    (
                        "invoice_number",
                        _("facture « %(n)s » %(status)s : aucun règlement possible")
                        % {
                            "n": number,
                            "status": str(Invoice.Status(invoice.status).label).lower(),
                        },
                    )
                )
            if (
                invoice is not None
                and not problems
                and reference
                and (invoice.pk, values["date"], values["amount"], reference)
                in recorded
            ):
                report.unchanged += 1
                _payment_preview(report.preview, line, invoice, values, "unchanged")
                continue
            if invoice is not None and "amount" in values and not problems:
                remaining[number] -= values["amount"]
                if remaining[number] < 0:
                    problems.append(
                        (
                            "amount",
                            _("dépasse le reste dû de la facture « %(n)s »")
                            % {"n": number},
                        )
                    )
            for name, message in problems:
                report.error(RowError(line, _column(self.columns, name), message))
            if not problems:
                payments.append(
                    NewPayment(
                        invoice=invoice,
                        on=values["date"],
                        amount=values["amount"],
                        method=values["method"],
                        reference=reference,
                    )
                )
                _payment_preview(
                    report.preview,
                    line,
                    invoice,
                    values,
                    "create",
                    settles=remaining[number] == 0,
                )
        report.created += len(payments)
        report.invoice_ids.extend(payment.invoice.pk for payment in payments)
        return payments


def _payment_preview(preview: Preview, line, invoice, values, action, **more) -> None:
    """A payment row for the preview, built only if it keeps it (JSON
    values; a big file's rows mostly are not)."""
    if not preview.wants(action):
        preview.skip()
        return
    preview.add({**_payment_row(line, invoice, values, action), **more})


def _payment_row(line, invoice: Invoice, values: dict, action: str) -> dict:
    """A payment row as the preview keeps it (JSON values)."""
    return {
        "line": line,
        "action": action,
        "invoice_number": invoice.number,
        "customer_code": invoice.customer_code,
        "customer_name": invoice.customer_name,
        "date": values["date"].isoformat(),
        "amount": str(values["amount"]),
        "currency": invoice.currency,
        "method": values["method"],
        "reference": values["reference"],
    }


def _recorded(invoices, up_to: int) -> set[tuple]:
    """(invoice id, date, amount, reference) of the payments recorded with a
    reference on these invoices, up to the payment id `up_to`, read in one
    query."""
    ids = sorted(invoice.pk for invoice in invoices)
    if not ids:
        return set()
    condition, params = ids_condition("invoice_id", ids)
    condition += f" AND id <= {int(up_to)}"
    amount = _converter(Payment._meta.get_field("amount"))
    table = connection.ops.quote_name(Payment._meta.db_table)
    return {
        (invoice_id, day, amount(value), reference)
        for invoice_id, day, value, reference in rows_read(
            "SELECT invoice_id, date, amount, reference FROM "
            f"{table} WHERE {condition} AND reference <> ''",
            params,
        )
    }
