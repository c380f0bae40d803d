from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.money import format_date
from relance.core.pdfs import PdfUnavailable
from relance.dunning import exports
from relance.dunning.court_file import court_file, court_file_zip
from relance.dunning.selectors import customer_plan_choice, step_names
from relance.dunning.services.notes import customer_note_add
from relance.dunning.services.pauses import customer_pause
from relance.dunning.services.portal_links import (
    portal_links_live,
    portal_links_revoke,
)
from relance.dunning.statements import customer_statement, statement_pdf
from relance.invoices.models import Customer, Invoice
from relance.invoices.selectors import credit_notes_to_allocate, customer_search
from relance.invoices.services import customer_update
from relance.law.penalties import RateMissing
from relance.law.selectors import rate_missing_text
from relance.law.services import penalty_rate_check
from relance.reports.timeline_queries import LIMIT, LIMIT_MAX, customer_timeline
from relance.web.access import company_required
from relance.web.forms import (
    CustomerForm,
    CustomerNoteForm,
    CustomerPauseForm,
    apply_error,
)
from relance.web.views.common import XLSX, date_param, download, today_of
from relance.web.views.invoices import Row, allocation_form


@company_required
def customer_list(request):
    search = request.GET.get("q", "").strip()
    customers = customer_search(company=request.company, search=search)
    page = Paginator(customers, 80).get_page(request.GET.get("page"))
    return render(request, "web/customer_list.html", {"page": page, "search": search})


@company_required
def customer_detail(request, pk):
    company = request.company
    customer = get_object_or_404(Customer, pk=pk, company=company)
    today = today_of(request)
    form = CustomerForm(instance=customer, company=company)
    pause_form = CustomerPauseForm(
        initial={
            "paused_until": customer.paused_until,
            "pause_reason": customer.pause_reason,
        }
    )
    note_form = CustomerNoteForm()
    if request.method == "POST":
        if request.POST.get("action") == "note":
            note_form = CustomerNoteForm(request.POST)
            if note_form.is_valid():
                try:
                    customer_note_add(
                        customer=customer,
                        text=note_form.cleaned_data["text"],
                        by=request.user,
                    )
                except ApplicationError as error:
                    apply_error(note_form, error)
                else:
                    messages.success(request, _("Note ajoutée."))
                    return redirect(reverse("web:customer", args=[pk]) + "#history")
        elif request.POST.get("action") == "pause":
            pause_form = CustomerPauseForm(request.POST)
            if pause_form.is_valid():
                try:
                    customer_pause(
                        customer=customer,
                        until=pause_form.cleaned_data["paused_until"],
                        reason=pause_form.cleaned_data["pause_reason"],
                        today=today,
                        by=request.user,
                    )
                except ApplicationError as error:
                    apply_error(pause_form, error)
                else:
                    messages.success(
                        request,
                        _("Relances du client en pause jusqu'au %(date)s.")
                        % {"date": format_date(customer.paused_until)},
                    )
                    return redirect("web:customer", pk=customer.pk)
        elif request.POST.get("action") == "lift":
            customer_pause(
                customer=customer,
                until=None,
                reason="",
                today=today,
                by=request.user,
            )
            messages.success(request, _("Pause levée."))
            return redirect("web:customer", pk=customer.pk)
        else:
            form = CustomerForm(
                request.POST,
                instance=Customer.objects.get(pk=customer.pk),
                company=company,
            )
            if form.is_valid():
                values = {field: form.cleaned_data[field] for field in form.Meta.fields}
                try:
                    values["agreed_penalty_rate"] = penalty_rate_check(
                        values.get("agreed_penalty_rate"),
                        on=today,
                        field="agreed_penalty_rate",
                    )
                    customer_update(customer=customer, by=request.user, **values)
                except ApplicationError as error:
                    apply_error(form, error)
                else:
                    messages.success(request, _("Client enregistré."))
                    return redirect("web:customer", pk=customer.pk)
    plan_choice = customer_plan_choice(company=company, customer_id=customer.pk)
    names = step_names(company=company, plan=plan_choice["following"])
    invoices = (
        Invoice.objects.filter(
            customer=customer,
            status=Invoice.Status.OPEN,
            kind=Invoice.Kind.INVOICE,
        )
        .select_related("customer")
        .order_by("due_date", "number")
    )
    credits = list(credit_notes_to_allocate(customer=customer))
    shown = _events_param(request.GET.get("evenements", ""))
    context = {
        "customer": customer,
        "form": form,
        "pause_form": pause_form,
        "rows": [Row(invoice, names, today) for invoice in invoices],
        "credits": credits,
        "paused": bool(customer.paused_until and customer.paused_until >= today),
        "note_form": note_form,
        "timeline": customer_timeline(
            customer=customer,
            today=today,
            limit=shown,
            time_zone=company.time_zone,
        ),
        "more": min(shown + LIMIT, LIMIT_MAX),
        "portal_links": portal_links_live(customer=customer, now=utc_now()).count(),
        "plan_choice": plan_choice,
    }
    return render(request, "web/customer_detail.html", context)


def _events_param(value: str) -> int:
    """How many events the history shows (« Voir plus » adds 50), within
    bounds; anything else gives the first page."""
    try:
        return max(LIMIT, min(int(value), LIMIT_MAX))
    except ValueError:
        return LIMIT


@company_required
@require_POST
def customer_portal_revoke(request, pk):
    """« Révoquer les liens » : the customer's private links stop working
    (the next reminder makes a new one)."""
    customer = get_object_or_404(Customer, pk=pk, company=request.company)
    count = portal_links_revoke(
        company=request.company, customer=customer, now=utc_now()
    )
    messages.success(
        request,
        ngettext(
            "%(count)s lien vers l'espace client révoqué.",
            "%(count)s liens vers l'espace client révoqués.",
            count,
        )
        % {"count": count},
    )
    return redirect("web:customer", pk=customer.pk)


@company_required
def customer_allocation_new(request, pk):
    """« Imputer un avoir » from the customer's page: which credit note, on
    which of its invoices, how much."""
    customer = get_object_or_404(Customer, pk=pk, company=request.company)
    return allocation_form(
        request,
        customer=customer,
        invoice=None,
        action=reverse("web:customer_allocation_new", args=[customer.pk]),
    )


@company_required
def customer_statement_view(request, pk, fmt):
    """« Relevé de compte » as PDF (in the customer's language) or XLSX: the
    customer's open invoices at a date (today by default; ?date=YYYY-MM-DD),
    with days late, penalties and indemnities."""
    customer = get_object_or_404(Customer, pk=pk, company=request.company)
    on = date_param(request.GET.get("date", ""), today_of(request))
    filename = f"releve-{slugify(customer.code) or customer.pk}-{on.isoformat()}"

    def statement_file():
        statement = customer_statement(customer=customer, on=on)
        if fmt == "pdf":
            return download(
                statement_pdf(statement, language=customer.language),
                content_type="application/pdf",
                filename=f"{filename}.pdf",
            )
        header, *rows = statement.rows()
        return download(
            exports.xlsx_bytes(rows, header=header, title=_("Relevé de compte")),
            content_type=XLSX,
            filename=f"{filename}.xlsx",
        )

    no_pdf = _(
        "Le PDF ne peut pas être produit sur ce serveur (WeasyPrint ne "
        "trouve pas Pango) : prenez le relevé en XLSX."
    )
    return _legal_document(request, customer, statement_file, no_pdf)


@company_required
def customer_court_file_view(request, pk):
    """« Dossier d'injonction de payer » as one ZIP, at a date (today by
    default; ?date=YYYY-MM-DD), streamed from a temporary file."""
    customer = get_object_or_404(Customer, pk=pk, company=request.company)
    on = date_param(request.GET.get("date", ""), today_of(request))

    def zip_file():
        file = court_file(customer=customer, on=on)
        return FileResponse(
            court_file_zip(file),
            as_attachment=True,
            filename=file.filename,
            content_type="application/zip",
        )

    no_pdf = _(
        "Le dossier ne peut pas être produit sur ce serveur (WeasyPrint ne "
        "trouve pas Pango) : installez-le (voir docs/deployment.md)."
    )
    return _legal_document(request, customer, zip_file, no_pdf)


def _legal_document(request, customer, make, no_pdf: str):
    """`make()`'s response, or the customer's page saying why it cannot be
    made (`no_pdf` when WeasyPrint cannot run here)."""
    try:
        return make()
    except RateMissing as missing:
        messages.error(request, rate_missing_text(missing))
    except PdfUnavailable:
        messages.error(request, no_pdf)
    return redirect("web:customer", pk=customer.pk)
