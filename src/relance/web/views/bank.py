"""The « Banque » page: import a statement, confirm or reject suggestions,
see unmatched credits, forget a learned IBAN."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.bank.selectors import bank_page
from relance.bank.services import (
    iban_link_delete,
    invoice_suggestion_confirm,
    statement_take_in,
    suggestion_confirm,
    suggestion_reject,
)
from relance.core.errors import ApplicationError
from relance.invoices.models import Invoice
from relance.web.access import company_required
from relance.web.uploads import MAX_SIZE
from relance.web.views.common import today_of, with_toast
from relance.web.views.reminders import summary


@company_required
def bank(request):
    if request.method == "POST":
        return statement_upload(request)
    return render(
        request, "web/bank.html", {"page": bank_page(company=request.company)}
    )


def statement_upload(request):
    """A statement sent from this page or the Import page: read whole,
    matched, then shown; a bad file imports nothing."""
    upload = request.FILES.get("file")
    error = None
    if upload is None:
        error = _("Choisissez un fichier.")
    elif upload.size > MAX_SIZE:
        error = _("Fichier trop gros (20 Mo au plus).")
    else:
        try:
            result = statement_take_in(
                company=request.company,
                content=upload.read(),
                filename=upload.name,
                today=today_of(request),
                user=request.user,
            )
        except ApplicationError as refused:
            error = refused.message
    if error:
        context = {"page": bank_page(company=request.company), "error": error}
        return render(request, "web/bank.html", context, status=400)
    messages.success(
        request,
        _(
            "Relevé %(format)s importé : %(new)s opération(s) nouvelle(s) sur "
            "%(read)s, %(matched)s règlement(s) enregistré(s), %(suggested)s "
            "suggestion(s) à confirmer, %(unmatched)s crédit(s) non rapproché(s)."
        )
        % {
            "format": result.format,
            "new": result.new,
            "read": result.transactions,
            "matched": len(result.matched),
            "suggested": len(result.suggested),
            "unmatched": result.unmatched,
        },
    )
    return redirect("web:bank")


@require_POST
@company_required
def transaction_confirm(request, pk):
    try:
        suggestion_confirm(
            company=request.company,
            transaction_id=pk,
            today=today_of(request),
            user=request.user,
        )
        messages.success(request, _("Paiement confirmé et enregistré."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("web:bank")


@require_POST
@company_required
def transaction_reject(request, pk):
    try:
        suggestion_reject(company=request.company, transaction_id=pk, user=request.user)
        messages.success(
            request, _("Suggestion rejetée : le crédit reste non rapproché.")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("web:bank")


@require_POST
@company_required
def iban_delete(request, pk):
    try:
        iban_link_delete(company=request.company, link_id=pk)
        messages.success(request, _("IBAN oublié."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("web:bank")


@require_POST
@company_required
def invoice_confirm(request, pk):
    """The summary's « Confirmer le paiement »: the payment recorded, the
    summary shown again (the invoice has left it)."""
    invoice = Invoice.objects.filter(company=request.company, pk=pk).first()
    try:
        if invoice is None:
            raise ApplicationError(_("Facture introuvable."))
        invoice_suggestion_confirm(
            company=request.company,
            invoice=invoice,
            today=today_of(request),
            user=request.user,
        )
    except ApplicationError as error:
        return with_toast(summary(request), error.message, "danger")
    return with_toast(
        summary(request),
        _("Paiement de %(number)s confirmé.") % {"number": invoice.number},
    )
