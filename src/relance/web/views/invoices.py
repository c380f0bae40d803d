from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from relance.core.errors import ApplicationError
from relance.core.money import format_amount, format_date
from relance.dunning import exports, rules
from relance.dunning.models import Reminder
from relance.dunning.selectors import (
    customer_step_names,
    plan_step_names,
    step_names,
    with_customer_plan,
)
from relance.dunning.services.einvoice import NewStatus, einvoice_status_record
from relance.dunning.services.intake import invoice_create
from relance.dunning.services.pauses import invoice_pause, invoice_pause_lift
from relance.dunning.services.payments import (
    credit_allocate,
    payment_cancel,
    payments_record,
)
from relance.invoices.importing import Refused
from relance.invoices.models import Customer, EInvoiceStatusEvent, Invoice, Payment
from relance.invoices.selectors import (
    count_capped,
    credit_notes_to_allocate,
    invoice_search,
)
from relance.invoices.services import PDF_MAX_SIZE, NewPayment, invoice_pdf_attach
from relance.law.penalties import RateMissing
from relance.law.selectors import invoice_late_payment, rate_missing_text
from relance.web.access import company_required
from relance.web.forms import (
    AllocationForm,
    EInvoiceStatusForm,
    InvoicePdfForm,
    NewInvoiceForm,
    PauseForm,
    PaymentForm,
    apply_error,
)
from relance.web.presenters import STATUS_TONES, dunning_label, late_class
from relance.web.views.common import (
    XLSX,
    download,
    modal_done,
    query_from,
    selected_invoices,
    today_of,
)
from relance.web.views.portal_answers import answers_of

PER_PAGE = 80
FILTER_LABELS = {
    "to_remind": gettext_lazy("À relancer"),
    "late": gettext_lazy("En retard"),
    "open": gettext_lazy("Ouvertes"),
    "paused": gettext_lazy("En pause / litige"),
    "barred_soon": gettext_lazy("Bientôt prescrites"),
    "invoices": gettext_lazy("Factures seulement"),
    "credit_notes": gettext_lazy("Avoirs"),
    "paid": gettext_lazy("Payées"),
    "promised": gettext_lazy("Promesses de paiement"),
}


class Row:
    """An invoice as the list shows it."""

    def __init__(self, invoice, names, today):
        self.invoice = invoice
        self.days_late = (
            rules.days_late(invoice.due_date, today)
            if invoice.status == Invoice.Status.OPEN
            and invoice.kind == Invoice.Kind.INVOICE
            else 0
        )
        self.late_class = late_class(self.days_late)
        self.dunning = dunning_label(invoice, names, today)
        self.status_tone = STATUS_TONES[invoice.status]


@company_required
def invoice_list(request):
    company = request.company
    today = today_of(request)
    query = query_from(request.GET, today)
    invoices = invoice_search(company=company, query=query, today=today)
    total, more = count_capped(invoices)
    paginator = Paginator(range(total), PER_PAGE)  # pages over the capped count
    page = paginator.get_page(request.GET.get("page"))
    rows_qs = with_customer_plan(invoices).only(
        "id",
        "number",
        "kind",
        "credit_left",
        "issue_date",
        "due_date",
        "total",
        "amount_due",
        "currency",
        "status",
        "dunning_level",
        "to_remind",
        "next_level",
        "next_reminder_on",
        "paused_until",
        "pause_kind",
        "customer__id",
        "customer__name",
        "customer__paused_until",
    )[page.start_index() - 1 if total else 0 : page.end_index()]
    names = step_names(company=company)  # the levels filter: the default plan's
    plan_names = plan_step_names(company=company)
    rows = [Row(invoice, plan_names.of(invoice.plan_id), today) for invoice in rows_qs]
    chips = [(key, FILTER_LABELS[key]) for key in query.filters]
    customer = None
    if query.customer:
        customer = Customer.objects.filter(company=company, pk=query.customer).first()
    context = {
        "rows": rows,
        "page": page,
        "total": total,
        "more": more,
        "query": query,
        "chips": chips,
        "filter_labels": FILTER_LABELS,
        "levels": names,
        "customer_filter": customer,
        "sort": query.sort,
    }
    return render(request, "web/invoice_list.html", context)


# The intake's names for what the form calls otherwise.
NEW_INVOICE_FIELDS = {"customer_code": "customer"}


@company_required
def invoice_new(request):
    """« Nouvelle facture »: an invoice typed by hand, checked as imports are."""
    company = request.company
    if request.method != "POST":
        form = NewInvoiceForm(company=company)
        return render(request, "web/invoice_new.html", {"form": form})
    form = NewInvoiceForm(request.POST, request.FILES, company=company)
    if form.is_valid():
        data = form.cleaned_data
        raw = {
            name: data[name]
            for name in (
                "number",
                "issue_date",
                "due_date",
                "total",
                "payment_terms",
                "kind",
                "credited_invoice",
            )
        }
        if data["customer"]:
            raw["customer_code"] = data["customer"].code
        else:
            raw.update(
                {
                    name: data[name]
                    for name in ("customer_name", "customer_email", "customer_kind")
                }
            )
        upload = data["pdf"]
        try:
            invoice = invoice_create(
                company=company,
                raw=raw,
                today=today_of(request),
                pdf=upload.read(PDF_MAX_SIZE + 1) if upload else None,
                pdf_type=upload.content_type if upload else "",
            )
        except Refused as refused:
            for error in refused.report.errors:
                field = NEW_INVOICE_FIELDS.get(error.column, error.column)
                message = capfirst(error.message)
                form.add_error(field if field in form.fields else None, message)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(
                request,
                (
                    _("Avoir %(number)s créé.")
                    if invoice.is_credit_note
                    else _("Facture %(number)s créée.")
                )
                % {"number": invoice.number},
            )
            return redirect("web:invoice", pk=invoice.pk)
    return render(request, "web/invoice_new.html", {"form": form}, status=400)


@company_required
def invoice_pdf(request, pk):
    """The invoice's PDF, to the users of its company only (others: not found)."""
    invoice = get_object_or_404(Invoice, company=request.company, pk=pk)
    if not invoice.pdf:
        raise Http404
    try:
        pdf = invoice.pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        pdf,
        as_attachment=True,
        filename=f"{invoice.number}.pdf",
        content_type="application/pdf",
    )


@company_required
def invoice_export(request):
    """As CSV or (format=xlsx) as an Excel workbook: the invoices selected in
    the list (POST from its selection bar: the form's CSRF token stays out of
    the address), or the list as filtered (GET, a link one can keep)."""
    company = request.company
    today = today_of(request)
    if request.method == "POST":
        data = request.POST
        if data.get("all") == "1":
            invoices = invoice_search(
                company=company, query=query_from(data, today), today=today
            )
        else:
            invoices = Invoice.objects.filter(
                company=company, pk__in=selected_invoices(request)
            ).order_by("-issue_date", "-id")
    else:
        data = request.GET
        invoices = invoice_search(
            company=company, query=query_from(data, today), today=today
        )
    rows = exports.export_rows(company=company, invoices=invoices, today=today)
    if data.get("format") == "xlsx":
        return download(
            exports.xlsx_bytes(rows),
            content_type=XLSX,
            filename=f"factures-{today}.xlsx",
        )
    response = StreamingHttpResponse(
        exports.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="factures-{today}.csv"'
    return response


def _detail_context(request, invoice, **overrides) -> dict:
    company = request.company
    today = today_of(request)
    names = customer_step_names(company=company, customer_id=invoice.customer_id)
    reminders = (
        Reminder.objects.filter(lines__invoice=invoice)
        .select_related("step", "triggered_by", "letter")
        .prefetch_related("lines__invoice")
        .order_by("-created_at")
        .distinct()
    )
    return {
        "invoice": invoice,
        "customer": invoice.customer,
        "row": Row(invoice, names, today),
        "level_name": names.get(invoice.dunning_level, ""),
        "next_name": names.get(invoice.next_level or 0, ""),
        "reminders": reminders,
        "payments": invoice.payments.select_related("credit_note").order_by(
            "date", "id"
        ),
        "allocations": invoice.allocations.select_related("invoice").order_by(
            "date", "id"
        )
        if invoice.is_credit_note
        else [],
        "credit_available": not invoice.is_credit_note
        and invoice.status == Invoice.Status.OPEN
        and credit_notes_to_allocate(customer=invoice.customer).exists(),
        "pause_form": PauseForm(
            initial={"pause_kind": invoice.pause_kind or "dispute"}
        ),
        "paused": bool(invoice.paused_until and invoice.paused_until >= today),
        "pdf_form": InvoicePdfForm(),
        "today": today,
        # Its e-invoicing lifecycle, oldest first (by status date).
        "einvoice_events": list(invoice.einvoice_events.order_by("status_on", "id")),
        "einvoice_form": EInvoiceStatusForm(prefix="einvoice", initial={"date": today}),
        "portal_answers": answers_of(
            invoice.portal_answers.select_related("checked_by")
            .prefetch_related("invoices")
            .order_by("-created_at", "-pk")[:20],
            today,
        ),
        **_late_payment(invoice, today),
        **overrides,
    }


def _late_payment(invoice, today) -> dict:
    """What the law gives on the invoice today, or why it cannot be told."""
    try:
        return {"late": invoice_late_payment(invoice, on=today)}
    except RateMissing as missing:
        return {"late_missing": rate_missing_text(missing)}


def _invoice_of(request, pk) -> Invoice:
    return get_object_or_404(
        Invoice.objects.select_related("customer", "company", "credited_invoice"),
        pk=pk,
        company=request.company,
    )


@company_required
def invoice_detail(request, pk):
    invoice = _invoice_of(request, pk)
    return render(request, "web/invoice_detail.html", _detail_context(request, invoice))


@require_POST
@company_required
def payment_cancel_view(request, pk, payment):
    """« Annuler ce règlement »: a payment recorded by mistake, with why."""
    invoice = _invoice_of(request, pk)
    recorded = get_object_or_404(Payment, pk=payment, invoice=invoice)
    try:
        payment_cancel(
            payment=recorded,
            reason=request.POST.get("reason", ""),
            today=today_of(request),
            user=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Règlement de %(amount)s annulé : il est de nouveau dû.")
            % {"amount": format_amount(recorded.amount, invoice.currency)},
        )
    return redirect("web:invoice", pk=invoice.pk)


@company_required
def payment_new(request, pk):
    invoice = _invoice_of(request, pk)
    if request.method == "POST":
        form = PaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payments_record(
                    company=request.company,
                    payments=[
                        NewPayment(
                            invoice=invoice,
                            on=data["date"],
                            amount=data["amount"],
                            method=data["method"],
                            reference=data["reference"],
                        )
                    ],
                    today=today_of(request),
                    user=request.user,
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                return modal_done(
                    request,
                    _("Règlement de %(amount)s enregistré.")
                    % {"amount": format_amount(data["amount"], invoice.currency)},
                )
    else:
        form = PaymentForm(
            initial={
                "date": today_of(request),
                "amount": f"{invoice.amount_due:.2f}".replace(".", ","),
                "method": Payment.Method.TRANSFER,
            }
        )
    return render(request, "web/payment_form.html", {"form": form, "invoice": invoice})


@company_required
def allocation_new(request, pk):
    """« Imputer un avoir » on an invoice: one of its customer's credit notes,
    and how much of it (at most what is left on both)."""
    invoice = _invoice_of(request, pk)
    return allocation_form(
        request,
        customer=invoice.customer,
        invoice=invoice,
        action=reverse("web:allocation_new", args=[invoice.pk]),
    )


def allocation_form(request, *, customer, invoice, action):
    """The modal of « Imputer un avoir », from an invoice (`invoice` fixed)
    or from its customer's page (the invoice is chosen)."""
    if request.method == "POST":
        form = AllocationForm(request.POST, customer=customer, invoice=invoice)
        if form.is_valid():
            data = form.cleaned_data
            target = invoice or data["invoice"]
            try:
                credit_allocate(
                    company=request.company,
                    credit_note=data["credit_note"],
                    invoice=target,
                    amount=data["amount"],
                    today=today_of(request),
                    user=request.user,
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                return modal_done(
                    request,
                    _(
                        "Avoir %(credit)s imputé de %(amount)s sur la facture "
                        "%(number)s."
                    )
                    % {
                        "credit": data["credit_note"].number,
                        "amount": format_amount(data["amount"], target.currency),
                        "number": target.number,
                    },
                )
    else:
        form = AllocationForm(customer=customer, invoice=invoice)
    context = {"form": form, "invoice": invoice, "customer": customer, "action": action}
    return render(request, "web/allocation_form.html", context)


@require_POST
@company_required
def invoice_pdf_upload(request, pk):
    """« Joindre le PDF » / « Remplacer le PDF » on the invoice page."""
    invoice = _invoice_of(request, pk)
    form = InvoicePdfForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["pdf"]
        try:
            invoice_pdf_attach(
                company=request.company,
                invoice=invoice,
                content=upload.read(PDF_MAX_SIZE + 1),
                content_type=upload.content_type,
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(
                request,
                _("PDF de la facture %(number)s enregistré.")
                % {"number": invoice.number},
            )
            return redirect("web:invoice", pk=invoice.pk)
    context = _detail_context(request, invoice, pdf_form=form)
    return render(request, "web/invoice_detail.html", context, status=400)


@require_POST
@company_required
def einvoice_status_view(request, pk):
    """A lifecycle status typed by hand: recorded in the invoice's history,
    and what its code does (212 pays, 207/208 pause, 210/213 stop)."""
    invoice = _invoice_of(request, pk)
    form = EInvoiceStatusForm(request.POST, prefix="einvoice")
    if form.is_valid():
        data = form.cleaned_data
        try:
            einvoice_status_record(
                company=request.company,
                statuses=[
                    NewStatus(
                        invoice=invoice,
                        code=data["code"],
                        on=data["date"],
                        reason=data["reason"],
                        source=EInvoiceStatusEvent.Source.WEB,
                    )
                ],
                today=today_of(request),
                user=request.user,
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(
                request,
                _("Statut « %(status)s » enregistré.")
                % {"status": Invoice.EInvoiceStatus(data["code"]).label},
            )
            return redirect(reverse("web:invoice", args=[invoice.pk]) + "#tab-other")
    context = _detail_context(
        request, invoice, einvoice_form=form, open_tab="tab-other"
    )
    return render(request, "web/invoice_detail.html", context, status=400)


@require_POST
@company_required
def invoice_pause_view(request, pk):
    invoice = _invoice_of(request, pk)
    today = today_of(request)
    back = reverse("web:invoice", args=[invoice.pk]) + "#tab-other"
    if request.POST.get("action") == "lift":
        invoice_pause_lift(invoice=invoice, today=today, by=request.user)
        messages.success(
            request, _("Pause levée : la facture reprend sa place dans les relances.")
        )
        return redirect(back)
    form = PauseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invoice_pause(
                invoice=invoice,
                until=data["paused_until"],
                kind=data["pause_kind"],
                reason=data["pause_reason"],
                today=today,
                by=request.user,
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(
                request,
                _("Relances en pause jusqu'au %(date)s.")
                % {"date": format_date(data["paused_until"])},
            )
            return redirect(back)
    context = _detail_context(request, invoice, pause_form=form, open_tab="tab-other")
    return render(request, "web/invoice_detail.html", context, status=400)
