"""The API's operations: each reads its input, calls one service, answers."""

from typing import Literal

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Body, File, Path, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from relance.api import schemas as s
from relance.core.clock import company_today, utc_now
from relance.core.errors import ApplicationError
from relance.core.models import ChangeKind, ChangeRecord
from relance.core.selectors import company_users
from relance.dunning.letters import letter_data, letter_filename, letters_pdf
from relance.dunning.models import (
    CustomerNote,
    DailyRun,
    DunningPlan,
    Letter,
    NoteOrigin,
    PauseOrigin,
    Reminder,
    SendRun,
)
from relance.dunning.planning import reminder_plan
from relance.dunning.selectors import (
    ALL,
    MINE,
    customer_step_names,
    letter_list,
    plan_list,
    plan_step_names,
    task_data,
    task_list,
    with_customer_plan,
)
from relance.dunning.services.daily import daily_runs_now
from relance.dunning.services.einvoice import (
    NewStatus,
    einvoice_status_record,
    einvoice_statuses_batch_take_in,
)
from relance.dunning.services.intake import (
    invoice_take_in,
    invoices_batch_take_in,
    payment_take_in,
    payments_batch_take_in,
)
from relance.dunning.services.letters import (
    letter_receipt_record,
    letter_send_record,
)
from relance.dunning.services.notes import customer_note_add
from relance.dunning.services.pauses import invoice_pause, invoice_pause_lift
from relance.dunning.services.payments import credit_allocate, payment_cancel
from relance.dunning.services.plans import customer_dunning_set
from relance.dunning.services.send_runs import send_leaves_at, send_run_progress
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import steps_export, steps_import
from relance.dunning.services.worklist import task_outcome_record
from relance.dunning.tasks import send_run_start
from relance.invoices.importing import Refused
from relance.invoices.models import Customer, EInvoiceStatusEvent, Invoice, Payment
from relance.invoices.services import (
    PDF_MAX_SIZE,
    customer_create,
    customer_update,
    invoice_pdf_attach,
)
from relance.law.models import Rate
from relance.law.penalties import RateMissing
from relance.law.selectors import invoice_late_payment, rate_missing_text
from relance.law.services import RATES_LOCKED, rate_set, single_company
from relance.reports.changes import change_lines, change_title, change_who
from relance.reports.indicator_snapshot import indicators_answer
from relance.reports.selectors import aged_balance
from relance.reports.timeline_queries import customer_timeline

router = Router()
ERRORS = {
    400: s.Error,
    401: s.Error,
    404: s.Error,
    413: s.Error,
    422: s.Error,
    429: s.Error,
}


class Pages(LimitOffsetPagination):
    """limit (1 to 1000, default 100) and offset."""

    class Input(LimitOffsetPagination.Input):
        limit: int = s.Field(100, ge=1, le=1000)
        offset: int = s.Field(0, ge=0, le=1_000_000_000)


class Rows:
    """A queryset whose rows are answered through `out`, paged in SQL: the
    pagination counts it and slices it, and only the page's rows are read
    and turned into answers."""

    def __init__(self, queryset, out):
        self.queryset, self.out = queryset, out

    def all(self):
        return self.queryset.all()  # counted by the pagination

    def __getitem__(self, page: slice) -> list:
        return [self.out(row) for row in self.queryset[page]]


def today(request, forced=None):
    return forced or company_today(request.company)


# --- customers -----------------------------------------------------------------


@router.get(
    "/customers", response={200: list[s.CustomerOut], **ERRORS}, tags=["customers"]
)
@paginate(Pages)
def customer_list(request, code: s.text(40) = ""):
    customers = (
        Customer.objects.filter(company=request.company)
        .select_related("owner", "dunning__plan")
        .order_by("code", "id")
    )
    return customers.filter(code=code) if code else customers


@router.get(
    "/plans", response={200: list[s.DunningPlanOut], **ERRORS}, tags=["customers"]
)
def plans_get(request):
    """The company's dunning plans (active), the default first."""
    return plan_list(company=request.company)


def _plan_named(request, name: str):
    """A plan by its name ("" : the company's default, None)."""
    if not name:
        return None
    plan = DunningPlan.objects.filter(
        company=request.company, active=True, name__iexact=name.strip()
    ).first()
    if plan is None:
        raise ApplicationError(
            _("Plan de relance inconnu : « %(name)s ».") % {"name": name},
            field="plan",
        )
    return plan


@router.post(
    "/customers",
    response={200: s.CustomerOut, 201: s.CustomerOut, **ERRORS},
    tags=["customers"],
)
def customer_put(request, payload: s.CustomerIn):
    """Create a customer, or update it when its code exists."""
    values = payload.dict()
    code = values.pop("code")
    owner_email = values.pop("owner_email")
    if values.get("language") is None:
        values.pop("language", None)
    plan_name = values.pop("plan")
    plan = _plan_named(request, plan_name) if plan_name is not None else "keep"
    if owner_email is not None:
        values["owner"] = _member(request, owner_email)
    customer = Customer.objects.filter(company=request.company, code=code).first()
    if customer is None:
        customer = customer_create(company=request.company, code=code, **values)
        status = 201
    else:
        customer = customer_update(customer=customer, by=request.auth, **values)
        status = 200
    if plan != "keep":
        customer_dunning_set(
            company=request.company,
            customer=customer,
            today=company_today(request.company),
            plan=plan,
            by=request.auth,
        )
    customer = Customer.objects.select_related("owner", "dunning__plan").get(
        pk=customer.pk
    )
    return Status(status, customer)


def _customer(request, customer_id: int) -> Customer:
    return get_object_or_404(Customer, pk=customer_id, company=request.company)


@router.get(
    "/customers/{customer_id}/timeline",
    response={200: s.TimelineOut, **ERRORS},
    tags=["customers"],
)
def customer_timeline_get(
    request, customer_id: Path[s.Id], limit: int = Query(50, ge=1, le=1000)
):
    """The customer's history, newest first: its `limit` newest events and
    whether older ones exist (`more`)."""
    customer = _customer(request, customer_id)
    page = customer_timeline(
        customer=customer,
        today=today(request),
        limit=limit,
        time_zone=request.company.time_zone,
    )
    return {
        "events": [
            {
                "date": event.day,
                "time": event.at,
                "source": event.source,
                "title": event.title,
                "detail": event.detail,
                "text": event.text,
                "status": event.status,
                "who": event.who,
                "amount": event.amount,
                "currency": event.currency,
                "invoice_id": event.invoice_id,
                "invoice_number": event.invoice_number,
                "reminder_id": event.reminder_id,
                "letter_id": event.letter_id,
            }
            for event in page.events
        ],
        "more": page.more,
    }


def note_out(note: CustomerNote) -> dict:
    author = str(note.author) if note.author_id else ""
    if not author and note.origin == NoteOrigin.API:
        author = _("API")
    return {
        "id": note.pk,
        "text": note.text,
        "author": author,
        "created_at": note.created_at,
    }


@router.get(
    "/customers/{customer_id}/notes",
    response={200: list[s.NoteOut], **ERRORS},
    tags=["customers"],
)
@paginate(Pages)
def customer_note_list(request, customer_id: Path[s.Id]):
    """The customer's notes, newest first."""
    customer = _customer(request, customer_id)
    notes = CustomerNote.objects.filter(customer=customer).select_related("author")
    return Rows(notes.order_by("-created_at", "-id"), note_out)


@router.post(
    "/customers/{customer_id}/notes",
    response={201: s.NoteOut, **ERRORS},
    tags=["customers"],
)
def customer_note_post(request, customer_id: Path[s.Id], payload: s.NoteIn):
    """Add a note to the customer (1 to 5,000 characters), written « API »."""
    customer = _customer(request, customer_id)
    note = customer_note_add(
        customer=customer, text=payload.text, origin=NoteOrigin.API
    )
    return Status(201, note_out(note))


def _member(request, email: str):
    """The company's user with this email; None for ""."""
    if not email.strip():
        return None
    user = (
        company_users(company_id=request.company.pk)
        .filter(email__iexact=email.strip())
        .first()
    )
    if user is None:
        raise ApplicationError(
            _("Aucun utilisateur de la société n'a l'adresse %(email)s.")
            % {"email": email.strip()},
            field="owner_email",
        )
    return user


# --- invoices ------------------------------------------------------------------


def invoice_out(invoice: Invoice, names: dict[int, str]) -> dict:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "customer_code": invoice.customer.code,
        "customer_name": invoice.customer.name,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "currency": invoice.currency,
        "total": invoice.total,
        "amount_due": invoice.amount_due,
        "status": invoice.status,
        "einvoice_status": invoice.einvoice_status,
        "dunning_level": invoice.dunning_level,
        "last_reminder_on": invoice.last_reminder_on,
        "to_remind": invoice.to_remind,
        "next_step": names.get(invoice.next_level or 0),
        "next_reminder_on": invoice.next_reminder_on,
        "paused_until": invoice.paused_until,
        "pause_kind": invoice.pause_kind,
        "pause_reason": invoice.pause_reason,
        "has_pdf": bool(invoice.pdf),
        "payment_url": invoice.payment_url,
        "kind": invoice.kind,
        "credited_invoice": invoice.credited_invoice.number
        if invoice.credited_invoice_id
        else None,
        "credit_left": invoice.credit_left,
    }


class InvoiceFilters(s.Schema):
    number: s.text(60) = ""
    customer_code: s.text(40) = ""
    status: Literal["open", "paid", "cancelled", "draft"] | None = None
    to_remind: bool | None = None
    kind: Literal["invoice", "credit_note"] | None = None


@router.get(
    "/invoices", response={200: list[s.InvoiceOut], **ERRORS}, tags=["invoices"]
)
@paginate(Pages)
def invoice_list(request, filters: Query[InvoiceFilters]):
    invoices = Invoice.objects.filter(company=request.company).select_related(
        "customer", "credited_invoice"
    )
    if filters.kind:
        invoices = invoices.filter(kind=filters.kind)
    if filters.number:
        invoices = invoices.filter(number=filters.number)
    if filters.customer_code:
        invoices = invoices.filter(customer__code=filters.customer_code)
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.to_remind is not None:
        invoices = invoices.filter(to_remind=filters.to_remind)
    names = plan_step_names(company=request.company)
    return Rows(
        with_customer_plan(invoices).order_by("number", "id"),
        lambda i: invoice_out(i, names.of(i.plan_id)),
    )


def by_index(problems) -> list[dict]:
    """A batch's errors or warnings, each named by its object's `index`
    (the row errors of a batch number objects, not file lines)."""
    return [
        {"index": p.line, "field": p.column, "message": p.message} for p in problems
    ]


def batch_refused(error: Refused) -> Status:
    return Status(
        400, {"detail": error.message, "errors": by_index(error.report.errors)}
    )


@router.post(
    "/invoices/batch",
    response={200: s.InvoicesBatchOut, **ERRORS, 400: s.BatchRefused},
    tags=["invoices"],
)
def invoice_batch(request, payload: Body[s.InvoicesBatchIn]):
    """Up to 1,000 invoices of `POST /invoices`'s shape, each created or
    updated by its number, all or nothing: a refusal lists every problem
    with the `index` (from 0) of its object, and saves nothing."""
    objects = [
        {k: v for k, v in invoice.dict().items() if v is not None}
        for invoice in payload
    ]
    try:
        report = invoices_batch_take_in(
            company=request.company, objects=objects, today=today(request)
        )
    except Refused as error:
        return batch_refused(error)
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "invoices": [
            {"index": index, "id": pk, "number": objects[index]["number"]}
            for index, pk in enumerate(report.invoice_ids)
        ],
        "warnings": by_index(report.warnings),
    }


@router.get(
    "/invoices/{invoice_id}", response={200: s.InvoiceOut, **ERRORS}, tags=["invoices"]
)
def invoice_get(request, invoice_id: Path[s.Id]):
    invoice = get_object_or_404(
        Invoice.objects.select_related("customer", "credited_invoice"),
        pk=invoice_id,
        company=request.company,
    )
    return invoice_out(
        invoice,
        customer_step_names(company=request.company, customer_id=invoice.customer_id),
    )


@router.post(
    "/invoices/{invoice_id}/allocations",
    response={201: s.PaymentOut, **ERRORS},
    tags=["invoices"],
)
def invoice_allocation_create(request, invoice_id: Path[s.Id], payload: s.AllocationIn):
    """Allocate part of a credit note (« avoir ») of the same customer to this
    invoice: recorded as a payment of method `credit_note` (cancel it as any
    payment, POST /payments/{id}/cancel, to give the amount back). Never
    more than what is left of the credit note or due on the invoice."""
    invoice = get_object_or_404(Invoice, pk=invoice_id, company=request.company)
    credit = Invoice.objects.filter(
        company=request.company, number=payload.credit_note_number
    ).first()
    if credit is None:
        raise ApplicationError(_("Avoir introuvable."), field="credit_note_number")
    payment = credit_allocate(
        company=request.company,
        credit_note=credit,
        invoice=invoice,
        amount=payload.amount,
        today=today(request),
    )
    return Status(201, payment_out(payment))


@router.post(
    "/invoices",
    response={200: s.InvoiceSavedOut, 201: s.InvoiceSavedOut, **ERRORS},
    tags=["invoices"],
)
def invoice_put(request, payload: s.InvoiceIn):
    """Create an invoice, or update it when its number exists (idempotent).
    `warnings` lists what was saved but looks like a typo (a due date more
    than two years ahead)."""
    raw = {k: v for k, v in payload.dict().items() if v is not None}
    invoice, created, warnings = invoice_take_in(
        company=request.company, raw=raw, today=today(request)
    )
    return Status(
        201 if created else 200,
        invoice_out(
            invoice,
            customer_step_names(
                company=request.company, customer_id=invoice.customer_id
            ),
        )
        | {"warnings": [warning.as_dict() for warning in warnings]},
    )


LETTER_PDF_ANSWER = {
    "responses": {
        200: {
            "description": "The letter's PDF.",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}
PDF_ANSWER = {
    "responses": {
        200: {
            "description": "The invoice's PDF.",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}


@router.get(
    "/invoices/{invoice_id}/pdf",
    response=ERRORS,
    tags=["invoices"],
    openapi_extra=PDF_ANSWER,
)
def invoice_pdf_get(request, invoice_id: Path[s.Id]):
    """The invoice's PDF (404 when it has none)."""
    invoice = get_object_or_404(Invoice, pk=invoice_id, company=request.company)
    try:
        pdf = invoice.pdf.open("rb") if invoice.pdf else None
    except FileNotFoundError:
        pdf = None
    if pdf is None:
        return Status(404, {"detail": "Cette facture n'a pas de PDF.", "field": "pdf"})
    return FileResponse(
        pdf, filename=f"{invoice.number}.pdf", content_type="application/pdf"
    )


@router.put(
    "/invoices/{invoice_id}/pdf",
    response={200: s.InvoiceOut, **ERRORS},
    tags=["invoices"],
)
def invoice_pdf_put(request, invoice_id: Path[s.Id], pdf: File[UploadedFile]):
    """Attach the invoice's PDF, or replace it: multipart/form-data, the file
    in the field `pdf`, 10 Mo at most. The reminders of the steps that attach
    PDFs carry it."""
    invoice = get_object_or_404(Invoice, pk=invoice_id, company=request.company)
    invoice = invoice_pdf_attach(
        company=request.company,
        invoice=invoice,
        content=pdf.read(PDF_MAX_SIZE + 1),
        content_type=pdf.content_type or "",
    )
    return invoice_out(
        invoice,
        customer_step_names(company=request.company, customer_id=invoice.customer_id),
    )


@router.get(
    "/aged-balance",
    response={200: s.AgedBalanceOut, **ERRORS},
    by_alias=True,
    tags=["reports"],
)
def aged_balance_get(
    request,
    date: s.Day | None = None,
    currency: str = "EUR",
    limit: int | None = Query(None, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
):
    """What each customer owed on `date` (default: today), by days late
    counted from the day after the due date: `not_due`, `1_30`, `31_60`,
    `61_90`, `over_90`, with payments received since added back. One
    currency at a time (default EUR); customers owing nothing are left out.
    Customers by total owed, largest first; all of them, or with `limit`
    (1 to 1000) and `offset` one page of them. `total` is always all
    customers' and `count` the number of customers owing."""
    balance = aged_balance(
        company=request.company,
        on=today(request, date),
        currency=currency[:3],
        limit=limit,
        offset=offset,
    )
    return {**balance.as_dict(), "count": balance.count}


@router.get(
    "/reports/indicators",
    response={200: s.IndicatorsOut, **ERRORS},
    tags=["reports"],
)
def indicators_get(request, date: s.Day | None = None, currency: str = "EUR"):
    """The cockpit's indicators on `date` (default: today): DSO by the
    countback method, the overdue amount and its trend (end of each of the
    last 12 months, then the date), average days to pay per customer, what
    each dunning level brings in within 15 days, payment promises kept,
    broken and pending, the 10 most overdue customers. Amounts are strings
    with two decimals, in one currency (default EUR). A day's figures are
    the company's snapshot of that day (`computed_at`): today's computed
    again every hour, the last twelve month ends' every day, another past
    day's at its first reading, then kept a day; a day after today's are
    computed live (null)."""
    answer = indicators_answer(
        company=request.company, on=today(request, date), currency=currency[:3]
    )
    return HttpResponse(answer, content_type="application/json")


@router.get(
    "/invoices/{invoice_id}/penalties",
    response={200: s.PenaltiesOut, **ERRORS},
    tags=["invoices"],
)
def invoice_penalties(request, invoice_id: Path[s.Id], date: s.Day | None = None):
    """Late-payment penalties and the 40 € indemnity (business customers), or
    a consumer's legal interest, on `date` (default: today)."""
    invoice = get_object_or_404(
        Invoice.objects.select_related("customer", "company"),
        pk=invoice_id,
        company=request.company,
    )
    on = today(request, date)
    try:
        outcome = invoice_late_payment(invoice, on=on)
    except RateMissing as missing:
        raise ApplicationError(rate_missing_text(missing)) from None
    return {"invoice": invoice.number, "date": on, **outcome.as_dict()}


@router.post(
    "/invoices/{invoice_id}/pause",
    response={200: s.InvoiceOut, **ERRORS},
    tags=["invoices"],
)
def invoice_pause_set(request, invoice_id: Path[s.Id], payload: s.PauseIn):
    """Pause the dunning of an invoice (dispute, payment promise) until a date."""
    invoice = get_object_or_404(Invoice, pk=invoice_id, company=request.company)
    invoice = invoice_pause(
        invoice=invoice,
        until=payload.until,
        kind=payload.kind,
        reason=payload.reason,
        today=today(request),
        origin=PauseOrigin.API,
    )
    return invoice_out(
        invoice,
        customer_step_names(company=request.company, customer_id=invoice.customer_id),
    )


@router.delete(
    "/invoices/{invoice_id}/pause",
    response={200: s.InvoiceOut, **ERRORS},
    tags=["invoices"],
)
def invoice_pause_delete(request, invoice_id: Path[s.Id]):
    invoice = get_object_or_404(Invoice, pk=invoice_id, company=request.company)
    invoice = invoice_pause_lift(
        invoice=invoice, today=today(request), origin=PauseOrigin.API
    )
    return invoice_out(
        invoice,
        customer_step_names(company=request.company, customer_id=invoice.customer_id),
    )


# --- e-invoicing statuses ------------------------------------------------------


def einvoice_status_out(event: EInvoiceStatusEvent) -> dict:
    return {
        "id": event.pk,
        "invoice_number": event.invoice.number,
        "code": event.code,
        "label": event.get_code_display(),
        "date": event.status_on,
        "received_at": event.received_at,
        "source": event.source,
        "reason": event.reason,
        "amount": event.amount_paid,
        "paid_on": event.paid_on,
        "message_id": event.message_id,
    }


def einvoice_recorded_out(recorded) -> dict:
    return {
        "recorded": len(recorded.events),
        "known": recorded.known,
        "payments": [payment_out(payment) for payment in recorded.payments],
        "paused": len(recorded.paused),
        "lifted": len(recorded.lifted),
    }


@router.get(
    "/invoices/{invoice_id}/einvoice-statuses",
    response={200: list[s.EInvoiceStatusOut], **ERRORS},
    tags=["e-invoicing"],
)
def einvoice_status_list(request, invoice_id: Path[s.Id]):
    """The invoice's lifecycle statuses, oldest first (by status date)."""
    invoice = get_object_or_404(Invoice, pk=invoice_id, company=request.company)
    events = EInvoiceStatusEvent.objects.filter(invoice=invoice).select_related(
        "invoice"
    )
    return [einvoice_status_out(event) for event in events[:1000]]


@router.post(
    "/invoices/{invoice_id}/einvoice-statuses",
    response={200: s.EInvoiceRecordedOut, 201: s.EInvoiceRecordedOut, **ERRORS},
    tags=["e-invoicing"],
)
def einvoice_status_create(
    request, invoice_id: Path[s.Id], payload: s.EInvoiceStatusIn
):
    """Record a lifecycle status of the invoice: 201 when recorded, 200 when
    it was already (same code, date and message id: nothing done again)."""
    invoice = get_object_or_404(Invoice, pk=invoice_id, company=request.company)
    recorded = einvoice_status_record(
        company=request.company,
        statuses=[
            NewStatus(
                invoice=invoice,
                code=payload.code,
                on=payload.date,
                source=EInvoiceStatusEvent.Source.API,
                amount_paid=payload.amount,
                paid_on=payload.paid_on,
                reason=payload.reason,
                message_id=payload.message_id,
            )
        ],
        today=today(request),
    )
    return Status(201 if recorded.events else 200, einvoice_recorded_out(recorded))


@router.post(
    "/einvoice-statuses/batch",
    response={200: s.EInvoiceRecordedOut, **ERRORS, 400: s.BatchRefused},
    tags=["e-invoicing"],
)
def einvoice_status_batch(request, payload: Body[s.EInvoiceStatusesBatchIn]):
    """Up to 1,000 statuses of `POST /invoices/{id}/einvoice-statuses`'s
    shape, each naming its invoice by `invoice_number`, all or nothing: a
    refusal lists every problem with its object's `index` (from 0)."""
    try:
        recorded = einvoice_statuses_batch_take_in(
            company=request.company,
            objects=[status.dict() for status in payload],
            today=today(request),
            source=EInvoiceStatusEvent.Source.API,
        )
    except Refused as error:
        return batch_refused(error)
    return einvoice_recorded_out(recorded)


# --- payments ------------------------------------------------------------------


def payment_out(payment: Payment) -> dict:
    return {
        "id": payment.pk,
        "invoice_number": payment.invoice.number,
        "date": payment.date,
        "amount": payment.amount,
        "method": payment.method,
        "reference": payment.reference,
        "cancelled_at": payment.cancelled_at,
        "cancel_reason": payment.cancel_reason,
        "credit_note": payment.credit_note.number if payment.credit_note_id else None,
    }


@router.get(
    "/payments", response={200: list[s.PaymentOut], **ERRORS}, tags=["payments"]
)
@paginate(Pages)
def payment_list(request, invoice_number: s.text(60) = ""):
    payments = Payment.objects.filter(company=request.company).select_related(
        "invoice", "credit_note"
    )
    if invoice_number:
        payments = payments.filter(invoice__number=invoice_number)
    return Rows(payments.order_by("-date", "-id"), payment_out)


@router.post(
    "/payments/batch",
    response={200: s.PaymentsBatchOut, **ERRORS, 400: s.BatchRefused},
    tags=["payments"],
)
def payment_batch(request, payload: Body[s.PaymentsBatchIn]):
    """Up to 1,000 payments of `POST /payments`'s shape, all or nothing (a
    refusal lists every problem with its object's `index`, from 0). One
    already recorded with the same invoice, date, amount and reference is
    left out, so a batch sent again pays nothing twice."""
    try:
        payments, report = payments_batch_take_in(
            company=request.company,
            objects=[payment.dict() for payment in payload],
            today=today(request),
        )
    except Refused as error:
        return batch_refused(error)
    return {
        "created": len(payments),
        "unchanged": report.unchanged,
        "payments": [payment_out(payment) for payment in payments],
    }


@router.post("/payments", response={201: s.PaymentOut, **ERRORS}, tags=["payments"])
def payment_create(request, payload: s.PaymentIn):
    """Record a payment; a paid invoice leaves the dunning at once."""
    invoice = get_object_or_404(
        Invoice, company=request.company, number=payload.invoice_number
    )
    payment = payment_take_in(
        company=request.company,
        invoice=invoice,
        raw=payload.dict(),
        today=today(request),
    )
    return Status(201, payment_out(payment))


@router.post(
    "/payments/{payment_id}/cancel",
    response={200: s.PaymentOut, **ERRORS},
    tags=["payments"],
)
def payment_cancel_call(request, payment_id: Path[s.Id], payload: s.PaymentCancelIn):
    """Cancel a payment recorded by mistake (kept, with the reason): its
    invoice owes it again and is reminded as its steps say."""
    payment = get_object_or_404(
        Payment.objects.select_related("invoice"),
        pk=payment_id,
        company=request.company,
    )
    payment = payment_cancel(
        payment=payment, reason=payload.reason, today=today(request)
    )
    return payment_out(payment)


# --- who changed what ----------------------------------------------------------


def change_out(record: ChangeRecord) -> dict:
    return {
        "id": record.pk,
        "at": record.at,
        "kind": record.kind,
        "by": change_who(record),
        "origin": record.origin,
        "subject_id": record.subject_id,
        "subject_label": record.subject_label,
        "customer_id": record.customer_id,
        "before": record.before,
        "after": record.after,
        "title": change_title(record),
        "lines": change_lines(record),
    }


@router.get("/changes", response={200: list[s.ChangeOut], **ERRORS}, tags=["changes"])
@paginate(Pages)
def change_list(
    request,
    kind: Literal["", "step", "customer", "plan", "company"] = "",
    customer_id: s.Id | None = None,
):
    """The company's changes, newest first (who, when, before and after); of
    one kind, or of one customer, when asked."""
    records = ChangeRecord.objects.filter(company=request.company)
    if kind:
        records = records.filter(kind=ChangeKind(kind))
    if customer_id is not None:
        records = records.filter(customer_id=customer_id)
    return Rows(records.order_by("-at", "-id"), change_out)


# --- steps ---------------------------------------------------------------------


@router.get("/steps", response={200: list[s.StepIO], **ERRORS}, tags=["steps"])
def step_list(request):
    return steps_export(company=request.company)["steps"]


@router.put("/steps", response={200: list[s.StepIO], **ERRORS}, tags=["steps"])
def step_replace(request, payload: s.StepsIn):
    """Replace every step (all or nothing, templates checked)."""
    steps_import(
        company=request.company,
        data=payload.dict(),
        today=today(request),
        by=request.auth,
    )
    return steps_export(company=request.company)["steps"]


# --- reminders -----------------------------------------------------------------


def _plan(request, payload: s.RunIn):
    day = today(request, payload.date)
    if payload.all_due:
        invoices_refresh(company=request.company, today=day)
        selection = None
    else:
        selection = list(payload.invoices)
    manual = payload.manual and not payload.all_due and len(payload.invoices) == 1
    return reminder_plan(
        company=request.company,
        today=day,
        invoices=selection,
        manual=manual,
        time_barred=payload.time_barred,
    )


@router.post(
    "/reminders/preview", response={200: s.PlanOut, **ERRORS}, tags=["reminders"]
)
def reminders_preview(request, payload: s.RunIn):
    """The summary: what would be sent, and every invoice left out, with why."""
    plan = _plan(request, payload)
    return {
        "date": plan.today,
        "to_send": plan.to_send,
        "messages": [
            {**message.as_dict(), "total": message.total} for message in plan.messages
        ],
        "errors": [error.as_dict() for error in plan.errors],
        "warnings": [warning.as_dict() for warning in plan.warnings],
        "problems": [str(p) for p in plan.problems],
    }


@router.post(
    "/reminders/send", response={202: s.RunStartedOut, **ERRORS}, tags=["reminders"]
)
def reminders_send(request, payload: s.RunIn):
    """Queue the reminders of the summary; the run's progress is at /runs/{id}."""
    plan = _plan(request, payload)
    now = utc_now()
    leaves_at = None
    if not payload.send_now:
        leaves_at = send_leaves_at(company=request.company, now=now)
    run, created = send_run_start(plan=plan, now=now, send_now=payload.send_now)
    return Status(
        202,
        {
            "run": run.pk,
            "to_send": plan.to_send,
            "leaves_at": leaves_at,
            "errors": [e.as_dict() for e in [*plan.errors, *created.errors]],
        },
    )


@router.get("/runs/{run_id}", response={200: s.RunOut, **ERRORS}, tags=["reminders"])
def run_get(request, run_id: Path[s.Id]):
    run = get_object_or_404(SendRun, pk=run_id, company=request.company)
    progress = send_run_progress(run)
    reminders = run.reminders.select_related("customer", "step").prefetch_related(
        "lines__invoice"
    )
    return {
        "run": run.pk,
        **{k: getattr(progress, k) for k in ("total", "sent", "failed", "cancelled")},
        **{k: getattr(progress, k) for k in ("uncertain", "retrying", "waiting")},
        "scheduled": progress.scheduled,
        "scheduled_at": progress.scheduled_at,
        "finished": progress.finished,
        "reminders": [
            {
                "id": r.pk,
                "customer": r.customer.name,
                "step": r.step.name,
                "status": r.status,
                "error": r.error,
                "invoices": [line.invoice.number for line in r.lines.all()],
            }
            for r in reminders
        ],
    }


def reminder_out(reminder: Reminder) -> dict:
    return {
        "id": reminder.pk,
        "customer": reminder.customer.name,
        "step": reminder.step.name,
        "status": reminder.status,
        "error": reminder.error,
        "recipients": reminder.recipients,
        "subject": reminder.subject,
        "body_text": reminder.body_text,
        "message_id": reminder.message_id,
        "origin": reminder.origin,
        "attempts": reminder.attempts,
        "created_at": reminder.created_at,
        "sent_at": reminder.sent_at,
        "invoices": [line.invoice.number for line in reminder.lines.all()],
    }


@router.get(
    "/reminders", response={200: list[s.ReminderOut], **ERRORS}, tags=["reminders"]
)
@paginate(Pages)
def reminder_list(
    request,
    status: Literal[
        "pending", "sending", "sent", "failed", "uncertain", "cancelled", "bounced"
    ]
    | None = None,
    invoice_number: s.text(60) = "",
):
    reminders = (
        Reminder.objects.filter(company=request.company)
        .select_related("customer", "step")
        .prefetch_related("lines__invoice")
        .order_by("-created_at", "-id")
    )
    if status:
        reminders = reminders.filter(status=status)
    if invoice_number:
        reminders = reminders.filter(lines__invoice__number=invoice_number).distinct()
    return Rows(reminders, reminder_out)


@router.get(
    "/reminders/{reminder_id}",
    response={200: s.ReminderOut, **ERRORS},
    tags=["reminders"],
)
def reminder_get(request, reminder_id: Path[s.Id]):
    reminder = get_object_or_404(
        Reminder.objects.select_related("customer", "step"),
        pk=reminder_id,
        company=request.company,
    )
    return reminder_out(reminder)


# --- letters (formal notices sent by post) -------------------------------------


def letter_out(letter: Letter) -> dict:
    return letter_data(letter)


def _letter(request, letter_id: int) -> Letter:
    return get_object_or_404(letter_list(company=request.company), pk=letter_id)


@router.get("/letters", response={200: list[s.LetterOut], **ERRORS}, tags=["letters"])
@paginate(Pages)
def letter_list_get(
    request, status: Literal["waiting", "sent", "received"] | None = None
):
    """The company's letters, newest first; `status=waiting` for those to
    print and send."""
    return Rows(letter_list(company=request.company, status=status or ""), letter_out)


@router.get(
    "/letters/{letter_id}", response={200: s.LetterOut, **ERRORS}, tags=["letters"]
)
def letter_get(request, letter_id: Path[s.Id]):
    return letter_out(_letter(request, letter_id))


@router.get(
    "/letters/{letter_id}/pdf",
    response=ERRORS,
    tags=["letters"],
    openapi_extra=LETTER_PDF_ANSWER,
)
def letter_pdf_get(request, letter_id: Path[s.Id]):
    """The letter as a PDF, to print and send by registered post."""
    letter = _letter(request, letter_id)
    return HttpResponse(
        letters_pdf([letter]),
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{letter_filename([letter])}"'
        },
    )


@router.post(
    "/letters/{letter_id}/sent",
    response={200: s.LetterOut, **ERRORS},
    tags=["letters"],
)
def letter_sent_post(request, letter_id: Path[s.Id], payload: s.LetterSentIn):
    """Record « envoyé en recommandé »: its number and the day it was posted."""
    letter = _letter(request, letter_id)
    letter_send_record(
        letter=letter, number=payload.number, on=payload.date, today=today(request)
    )
    return letter_out(letter)


@router.post(
    "/letters/{letter_id}/received",
    response={200: s.LetterOut, **ERRORS},
    tags=["letters"],
)
def letter_received_post(request, letter_id: Path[s.Id], payload: s.LetterReceivedIn):
    """Record the acknowledgement of receipt: from its date, a consumer's
    legal interest runs on the invoices the letter claims."""
    letter = _letter(request, letter_id)
    letter_receipt_record(letter=letter, on=payload.date, today=today(request))
    return letter_out(letter)


# --- calls and tasks (« Mes tâches du jour », ADR 16) -------------------------------


@router.get("/tasks", response={200: list[s.TaskOut], **ERRORS}, tags=["tasks"])
@paginate(Pages)
def task_list_get(
    request, mine: bool = False, status: Literal["open", "done"] | None = None
):
    """The company's calls and tasks, by due date. `mine=true`: those of the
    token's creator due today or before (open unless `status` says done)."""
    on = today(request)
    tasks = task_list(
        company=request.company,
        user=request.auth.created_by,
        today=on,
        scope=MINE if mine else ALL,
        status=status or "",
    )
    return Rows(tasks, lambda task: task_data(task, on))


@router.post(
    "/tasks/{task_id}/outcome", response={200: s.TaskOut, **ERRORS}, tags=["tasks"]
)
def task_outcome_post(request, task_id: Path[s.Id], payload: s.TaskOutcomeIn):
    """Record what came of a call or a task (its `done_by`: the token's
    creator)."""
    on = today(request)
    task = get_object_or_404(
        task_list(company=request.company, user=None, today=on, scope=ALL),
        pk=task_id,
    )
    task_outcome_record(
        task=task,
        outcome=payload.outcome,
        on=payload.date,
        note=payload.note,
        user=request.auth.created_by,
        today=on,
        now=utc_now(),
    )
    return task_data(task, on)


# --- the daily job -------------------------------------------------------------


@router.post("/daily", response={200: s.DailyOut, **ERRORS}, tags=["daily job"])
def daily(request, payload: s.DailyIn):
    """Run the daily job now for this company (idempotent)."""
    [run] = daily_runs_now(
        now=utc_now(),
        on=payload.date,
        companies=[request.company],
        force=payload.force,
        full=payload.full,
    )
    return {
        "date": run.date,
        "tagged": run.tagged,
        "untagged": run.untagged,
        "to_remind": run.to_remind,
    }


@router.get(
    "/daily-runs", response={200: list[s.DailyRunOut], **ERRORS}, tags=["daily job"]
)
@paginate(Pages)
def daily_runs(request):
    return DailyRun.objects.filter(company=request.company).order_by(
        "-started_at", "-id"
    )


# --- rates ------------------------------------------------------------------------


@router.get("/rates", response={200: list[s.RateIO], **ERRORS}, tags=["rates"])
def rate_list(request):
    """The law's rates (ECB, legal interest), newest first."""
    return list(Rate.objects.order_by("kind", "-start"))


@router.put("/rates", response={200: s.RateIO, 201: s.RateIO, **ERRORS}, tags=["rates"])
def rate_put(request, payload: s.RateIO):
    """Add a rate, or correct the one of that kind and start date (an
    installation of one company only: the table is shared)."""
    if not single_company():
        raise HttpError(403, str(RATES_LOCKED))
    rate, created = rate_set(**payload.dict(), user=request.auth.created_by)
    return Status(201 if created else 200, rate)
