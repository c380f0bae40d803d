"""Invoices and payments coming in (files, API, Factur-X), then their dunning
state brought up to date at once: the daily job need not wait."""

from datetime import date

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.garbage import collection_paused
from relance.core.models import Company
from relance.core.sql import ids_condition
from relance.dunning import rules
from relance.dunning.selectors import (
    Rhythm,
    customer_rhythms,
    plan_list,
    plans_active,
    rule_steps,
)
from relance.dunning.services.einvoice import (
    einvoice_status_of_object,
    einvoice_statuses_take_in,
)
from relance.dunning.services.payments import credits_allocate_named, payments_record
from relance.dunning.services.plans import customer_plans_import
from relance.dunning.services.state import invoices_refresh, state_of
from relance.invoices import importing
from relance.invoices.facturx import facturx_read
from relance.invoices.models import (
    Customer,
    EInvoiceStatusEvent,
    Invoice,
    Payment,
)
from relance.invoices.services import (
    NewPayment,
    customer_code_new,
    invoice_pdf_attach,
    pdf_check,
)


def invoices_take_in(
    *,
    company: Company,
    content: bytes,
    filename: str,
    today: date,
    dry_run: bool = False,
    progress: importing.Progress | None = None,
) -> importing.Report:
    """A file of invoices, streamed: all or nothing; `progress` is told the
    rows done after each chunk. A dry run writes it, then rolls back, as
    payments_take_in does. Python's cyclic collector is held off meanwhile
    (`core.garbage`): the rows of each chunk outlive enough collections to
    set off full ones, which walk the whole process, 2 s of 100,000
    rows."""
    with collection_paused(), transaction.atomic():
        report = importing.invoices_import(
            company=company,
            content=content,
            filename=filename,
            today=today,
            progress=progress,
            plans=lambda: [plan.name for plan in plan_list(company=company)],
            state_of=NewInvoicesState(company=company, today=today),
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            _imported_settle(company, report, today, EInvoiceStatusEvent.Source.IMPORT)
    return report


REFRESHED_TOGETHER = 100_000  # invoice ids given to invoices_refresh at once


def _imported_settle(company, report: importing.Report, today: date, source) -> None:
    """What follows invoices written: credit notes naming their invoice
    allocated, e-invoicing statuses recorded (each refreshing the invoices
    it changes), then the dunning state of every invoice of the report not
    inserted with it (`report.stale_ids`), set-based. The customers' plans
    it names are set first (each change refreshing that customer's
    invoices)."""
    customer_plans_import(company=company, plans=report.customer_plans, today=today)
    credits_allocate_named(
        company=company, credit_note_ids=report.credit_note_ids, today=today
    )
    einvoice_statuses_take_in(
        company=company, rows=report.einvoice_statuses, today=today, source=source
    )
    ids = report.stale_ids
    for start in range(0, len(ids), REFRESHED_TOGETHER):
        invoices_refresh(
            company=company,
            today=today,
            invoice_ids=ids[start : start + REFRESHED_TOGETHER],
        )


# What rules.InvoiceFacts takes of an invoice's own columns, by attname.
_FACT_COLUMNS = {
    "status": "status",
    "amount_due": "amount_due",
    "issue_date": "issue_date",
    "due_date": "due_date",
    "level": "dunning_level",
    "last_reminder_on": "last_reminder_on",
    "paused_until": "paused_until",
    "einvoice_status": "einvoice_status",
    "kind": "kind",
}


class NewInvoicesState:
    """The dunning state of new invoices before they are inserted (a file's,
    `importing.StateOf`), so that each row is written once: by
    `rules.verdict`, the rules `invoices_refresh` writes in SQL, on the
    company's plans read once and, per chunk, the rhythms (plan, own gap,
    last reminder) and pauses of its customers that existed before the
    import (one created by it has none of them). A new invoice has never
    been reminded or paused; an e-invoicing status of the file is recorded
    afterwards, refreshing its invoice. Rows alike (same facts, same
    customer's rhythm) get one verdict."""

    def __init__(self, *, company: Company, today: date):
        plans, self.default = plans_active(company=company)
        self.steps = {plan: rule_steps(steps) for plan, steps in plans.items()}
        self.company, self.today = company, today
        self.gap = int(company.min_gap_days)
        fields = {field.attname: field for field in Invoice._meta.fields}
        self.attnames = list(_FACT_COLUMNS.values())
        self.defaults = [fields[name].get_default() for name in self.attnames]
        # Customers created after this (by the import) have a greater id.
        self.customers_before = (
            Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        self.verdicts: dict[tuple, tuple] = {}

    def _customers(self, customer_ids: list[int]) -> tuple[dict, dict]:
        """The rhythms and pauses of those of `customer_ids` that existed
        before the import."""
        known = [pk for pk in customer_ids if pk <= self.customers_before]
        if not known:
            return {}, {}
        rhythms = customer_rhythms(
            company=self.company, customer_ids=known, default_plan_id=self.default
        )
        condition, params = ids_condition(f"{Customer._meta.db_table}.id", known)
        paused = dict(
            Customer.objects.filter(company=self.company, paused_until__isnull=False)
            .extra(where=[condition], params=params)
            .values_list("id", "paused_until")
        )
        return rhythms, paused

    def __call__(self, records: list) -> list[tuple]:
        rhythms, paused = self._customers(
            sorted({record.customer_id for record in records})
        )
        fresh = Rhythm(self.default)
        attnames, defaults, verdicts = self.attnames, self.defaults, self.verdicts
        states = []
        for record in records:
            own = tuple(map(vars(record).get, attnames, defaults))
            rhythm = rhythms.get(record.customer_id, fresh)
            key = (*own, paused.get(record.customer_id), rhythm)
            state = verdicts.get(key)
            if state is None:
                facts = rules.InvoiceFacts(
                    **dict(zip(_FACT_COLUMNS, own, strict=True)),
                    customer_paused_until=key[-2],
                    customer_last_reminder_on=rhythm.last_reminder_on,
                    min_gap_days=rhythm.min_gap_days,
                )
                steps = self.steps.get(rhythm.plan_id, [])
                state = state_of(rules.verdict(facts, steps, self.today, self.gap))
                if len(verdicts) >= VERDICTS_KEPT:
                    verdicts.clear()
                verdicts[key] = state
            states.append(state)
        return states


VERDICTS_KEPT = 8192  # rows alike kept by NewInvoicesState (then started again)


def payments_take_in(
    *,
    company: Company,
    content: bytes,
    filename: str,
    today: date,
    dry_run: bool = False,
    user=None,
    progress: importing.Progress | None = None,
) -> importing.Report:
    """A file of payments, streamed: each chunk checked, then recorded with
    its invoices' dunning state; all or nothing (Refused lists every
    problem). `progress` is told the rows done after each chunk. Python's
    cyclic collector held off, as for invoices."""

    def record(payments) -> None:
        payments_record(
            company=company, payments=payments, today=today, user=user, ids=True
        )

    with collection_paused(), transaction.atomic():
        report = importing.payments_import(
            company=company,
            content=content,
            filename=filename,
            record=record,
            today=today,
            progress=progress,
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def invoices_batch_take_in(
    *, company: Company, objects: list[dict], today: date
) -> importing.Report:
    """Invoices pushed together by an ERP (each created or updated by its
    number), all or nothing: Refused lists every problem by the object's
    index. Their dunning state is brought up to date in the same
    transaction."""
    with transaction.atomic():
        report = importing.invoices_table_import(
            company=company,
            table=importing.objects_table(objects),
            today=today,
        )
        _imported_settle(company, report, today, EInvoiceStatusEvent.Source.API)
    return report


def payments_batch_take_in(
    *, company: Company, objects: list[dict], today: date, user=None
) -> tuple[list[Payment], importing.Report]:
    """Payments pushed together, all or nothing; one already recorded (same
    invoice, date, amount and reference) is left out, so a batch sent twice
    pays nothing twice. Returns the payments recorded."""
    payments, report = importing.payments_table_read(
        company=company, table=importing.objects_table(objects), today=today
    )
    recorded = payments_record(
        company=company, payments=payments, today=today, user=user
    )
    return recorded, report


def payment_take_in(
    *, company: Company, invoice: Invoice, raw: dict, today: date, user=None
) -> Payment:
    """One payment on `invoice`, as a flat object with the import's column
    names (date, amount, method, reference), pushed by an ERP."""
    values, problems = importing.clean_payment_row(
        {**raw, "invoice_number": invoice.number}
    )
    if problems:
        raise importing.row_refused(problems)
    [payment] = payments_record(
        company=company,
        payments=[
            NewPayment(
                invoice=invoice,
                on=values["date"],
                amount=values["amount"],
                method=values["method"],
                reference=values["reference"],
            )
        ],
        today=today,
        user=user,
    )
    return payment


def invoice_take_in(*, company: Company, raw: dict, today: date) -> importing.Upserted:
    """One invoice pushed by an ERP (created or updated by its number), with
    what looks wrong in it but is saved all the same (a far due date)."""
    with transaction.atomic():
        upserted = importing.invoice_upsert(company=company, raw=raw, today=today)
        invoice = upserted.invoice
        credits_allocate_named(
            company=company, credit_note_ids=[invoice.pk], today=today
        )
        einvoice_statuses_take_in(
            company=company,
            rows=einvoice_status_of_object(raw, invoice),
            today=today,
            source=EInvoiceStatusEvent.Source.API,
        )
        invoices_refresh(company=company, today=today, invoice_ids=[invoice.pk])
        invoice.refresh_from_db()  # read back inside: a failure saves nothing
    return upserted


def facturx_take_in(
    *, company: Company, content: bytes, filename: str, today: date, answers: dict
) -> tuple[Invoice, bool]:
    """Create the invoice of a Factur-X PDF, its PDF attached.

    `answers` fills what the XML lacks (due_date, customer_code, customer_name…);
    while something is still missing, importing.Refused lists it.
    """
    read = facturx_read(content)
    customer_code = answers.get("customer_code") or read.buyer_id
    if not customer_code and read.buyer_siren:
        matches = list(
            Customer.objects.filter(
                company=company, siren=read.buyer_siren
            ).values_list("code", flat=True)[:2]
        )
        customer_code = matches[0] if len(matches) == 1 else ""
    raw = {
        "number": read.number,
        "issue_date": read.issue_date,
        "due_date": read.due_date,
        "total": read.total,
        "amount_due": read.amount_due,
        "currency": read.currency,
        "payment_terms": read.payment_terms,
        "customer_code": customer_code,
        "customer_name": read.buyer_name,
        "customer_email": read.buyer_email,
        "kind": read.kind,
        "credited_invoice": read.credited_invoice,
    }
    if not Invoice.objects.filter(
        company=company, number=read.credited_invoice, kind=Invoice.Kind.INVOICE
    ).exists():
        raw["credited_invoice"] = ""  # not known here: allocated by hand
    raw.update({k: v for k, v in answers.items() if v not in (None, "")})
    raw = {k: v for k, v in raw.items() if v not in (None, "")}
    if Invoice.objects.filter(company=company, number=raw.get("number")).exists():
        raise ApplicationError(
            _("La facture %(number)s existe déjà.") % {"number": raw["number"]},
            field="number",
        )
    with transaction.atomic():
        invoice, created, _warnings = importing.invoice_upsert(company=company, raw=raw)
        if read.buyer_siren and not invoice.customer.siren:
            invoice.customer.siren = read.buyer_siren
            invoice.customer.save(update_fields=["siren", "updated_at"])
        invoice.pdf.save(
            filename or f"{invoice.number}.pdf", ContentFile(content), save=True
        )
        credits_allocate_named(
            company=company, credit_note_ids=[invoice.pk], today=today
        )
        invoices_refresh(company=company, today=today, invoice_ids=[invoice.pk])
        invoice.refresh_from_db()
    return invoice, created


def invoice_create(
    *,
    company: Company,
    raw: dict,
    today: date,
    pdf: bytes | None = None,
    pdf_type: str = "",
) -> Invoice:
    """An invoice typed by hand (« Nouvelle facture »), for a company with no
    invoicing tool: the checks of a file's rows and of the API
    (importing.clean_invoice_row), a number the company has not used, an
    optional PDF; then its dunning state at once.

    `raw` has the import's column names: the customer is an existing one by
    `customer_code`, or a new one by `customer_name` (with `customer_email`,
    `customer_kind`), whose code is made from its name. Refused: importing.
    Refused listing every problem by field (`pdf` for the PDF's)."""
    raw = {k: v for k, v in raw.items() if v not in (None, "")}
    problems = []
    if "customer_code" not in raw:
        if "customer_name" in raw:
            name = str(raw["customer_name"]).strip()
            raw["customer_code"] = customer_code_new(company=company, name=name)
        else:
            problems.append(
                (
                    "customer_code",
                    _("choisissez un client, ou saisissez le nom d'un nouveau client"),
                )
            )
            raw["customer_code"] = "?"  # reported above
    elif not Customer.objects.filter(
        company=company, code=raw["customer_code"]
    ).exists():
        problems.append(("customer_code", _("client inconnu")))
    values, row_problems = importing.clean_invoice_row(raw)
    problems.extend(row_problems)
    number = values.get("number")
    if number and Invoice.objects.filter(company=company, number=number).exists():
        problems.append(
            ("number", _("la facture « %(n)s » existe déjà") % {"n": number})
        )
    if pdf is not None:
        try:
            pdf_check(pdf, pdf_type)
        except ApplicationError as error:
            problems.append(("pdf", error.message))
    if problems:
        raise importing.row_refused(problems)
    try:
        with transaction.atomic():
            invoice, _created, _warnings = importing.invoice_upsert(
                company=company, raw=raw
            )
            if pdf is not None:
                invoice_pdf_attach(
                    company=company, invoice=invoice, content=pdf, content_type=pdf_type
                )
            credits_allocate_named(
                company=company, credit_note_ids=[invoice.pk], today=today
            )
            invoices_refresh(company=company, today=today, invoice_ids=[invoice.pk])
    except IntegrityError:  # the same number, saved by someone else meanwhile
        raise importing.row_refused(
            [("number", _("la facture « %(n)s » existe déjà") % {"n": number})]
        ) from None
    return Invoice.objects.select_related("customer").get(pk=invoice.pk)
