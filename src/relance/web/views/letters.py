"""« Courriers à envoyer »: formal notices as letters, to print, send by
registered post, then follow to their acknowledgement of receipt."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from relance.core.errors import ApplicationError
from relance.core.pdfs import PdfUnavailable
from relance.dunning.letters import BATCH_MAX, letter_filename, letters_pdf
from relance.dunning.models import Letter
from relance.dunning.selectors import letter_list, letters_by_ids
from relance.dunning.services.letters import (
    letter_receipt_record,
    letter_send_record,
)
from relance.web.access import company_required
from relance.web.views.common import download, today_of

TONES = {
    Letter.Status.WAITING: "warning",
    Letter.Status.SENT: "accent",
    Letter.Status.RECEIVED: "success",
}


class SentForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("N° de recommandé"), max_length=40)
    date = forms.DateField(label=gettext_lazy("Envoyé le"))


class ReceivedForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Avis de réception du"))


@company_required
def letters(request):
    status = request.GET.get("status", Letter.Status.WAITING)
    if status not in Letter.Status.values:
        status = ""
    page = Paginator(letter_list(company=request.company, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/letters.html",
        {
            "page": page,
            "status": status,
            "statuses": Letter.Status.choices,
            "tones": TONES,
            "today": today_of(request),
            "batch_max": BATCH_MAX,
        },
    )


@company_required
def letter_pdf(request, pk):
    get_object_or_404(Letter, pk=pk, company=request.company)
    return _pdf(request, [pk])


@company_required
def letters_pdf_view(request):
    """The letters ticked, in one PDF to print."""
    ids = [int(v) for v in request.GET.getlist("letter") if v.isdigit()]
    if not ids:
        messages.error(request, _("Cochez au moins un courrier."))
        return redirect("web:letters")
    return _pdf(request, ids)


def _pdf(request, ids):
    chosen = letters_by_ids(company=request.company, ids=ids)
    if not chosen:
        return HttpResponseBadRequest(_("Aucun courrier choisi."))
    try:
        content = letters_pdf(chosen)
    except ApplicationError as error:
        messages.error(request, error.message)
    except PdfUnavailable:
        messages.error(
            request,
            _(
                "Les PDF ne peuvent pas être produits sur ce serveur (WeasyPrint "
                "ne trouve pas Pango)."
            ),
        )
    else:
        return download(
            content, content_type="application/pdf", filename=letter_filename(chosen)
        )
    return redirect("web:letters")


@require_POST
@company_required
def letter_sent(request, pk):
    letter = get_object_or_404(Letter, pk=pk, company=request.company)
    form = SentForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"{form.fields[field].label} : {errors[0]}")
        return redirect("web:letters")
    try:
        letter_send_record(
            letter=letter,
            number=form.cleaned_data["number"],
            on=form.cleaned_data["date"],
            today=today_of(request),
        )
    except ApplicationError as error:
        messages.error(request, _field_error(form, error))
        return redirect("web:letters")
    messages.success(
        request,
        _("Courrier à %(customer)s : envoyé en recommandé n° %(number)s.")
        % {"customer": letter.recipient_name, "number": letter.tracking_number},
    )
    return redirect("web:letters")


@require_POST
@company_required
def letter_received(request, pk):
    letter = get_object_or_404(Letter, pk=pk, company=request.company)
    form = ReceivedForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"{form.fields[field].label} : {errors[0]}")
        return redirect(_back(request))
    try:
        letter_receipt_record(
            letter=letter, on=form.cleaned_data["date"], today=today_of(request)
        )
    except ApplicationError as error:
        messages.error(request, _field_error(form, error))
        return redirect(_back(request))
    messages.success(
        request,
        _("Courrier à %(customer)s : avis de réception enregistré.")
        % {"customer": letter.recipient_name},
    )
    return redirect(_back(request))


def _back(request) -> str:
    return reverse("web:letters") + "?status=sent"


def _field_error(form, error: ApplicationError) -> str:
    if error.field in form.fields:
        return f"{form.fields[error.field].label} : {error.message}"
    return error.message
