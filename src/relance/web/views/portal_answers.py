"""« Réponses des clients »: what customers answered on their private page
(issue 17 §3), newest first; a declared payment checked against the bank in
one click; a proof of payment downloaded by the company's users only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.dunning import proofs
from relance.dunning.models import PortalAnswer
from relance.dunning.services.portal_answers import portal_answer_check
from relance.invoices.models import Invoice, PauseKind
from relance.web.access import company_required
from relance.web.views.common import today_of

Kind = PortalAnswer.Kind
FILTERS = ("", "to_check", *Kind.values)


def answer_state(answer: PortalAnswer, today) -> tuple[str, str]:
    """The answer's state as the company reads it: (label, tone)."""
    invoices = list(answer.invoices.all())
    due = [i for i in invoices if i.status == Invoice.Status.OPEN and i.amount_due > 0]
    if answer.kind == Kind.PAID:
        if answer.checked_at:
            return _("Vérifiée"), "success"
        if not due:
            return _("Réglée"), "success"
        return _("À vérifier avec la banque"), "warning"
    if answer.kind == Kind.PROMISE:
        if not due:
            return _("Promesse tenue"), "success"
        if answer.promised_on < today:
            return _("Promesse non tenue"), "danger"
        return _("Promesse en cours"), "warning"
    if any(
        i.pause_kind == PauseKind.DISPUTE and i.paused_until and i.paused_until >= today
        for i in due
    ):
        return _("Litige en cours"), "danger"
    return _("Litige levé"), "neutral"


def answers_of(queryset, today) -> list[PortalAnswer]:
    rows = list(queryset)
    for row in rows:
        row.state, row.tone = answer_state(row, today)
    return rows


@company_required
def portal_answers(request):
    company = request.company
    today = today_of(request)
    shown = request.GET.get("filtre", "")
    if shown not in FILTERS:
        shown = ""
    rows = (
        PortalAnswer.objects.filter(company=company)
        .select_related("customer", "checked_by")
        .prefetch_related("invoices")
        .order_by("-created_at", "-pk")
    )
    if shown == "to_check":
        rows = rows.filter(kind=Kind.PAID, checked_at__isnull=True)
    elif shown:
        rows = rows.filter(kind=shown)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "answers": answers_of(page.object_list, today),
        "shown": shown,
        "filters": [
            ("", _("Toutes")),
            ("to_check", _("Paiements à vérifier")),
            *Kind.choices,
        ],
        "to_check": PortalAnswer.objects.filter(
            company=company, kind=Kind.PAID, checked_at__isnull=True
        ).count(),
    }
    return render(request, "web/portal_answers.html", context)


@require_POST
@company_required
def portal_answer_checked(request, pk):
    answer = get_object_or_404(PortalAnswer, company=request.company, pk=pk)
    try:
        portal_answer_check(answer=answer, user=request.user, now=utc_now())
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Paiement déclaré par %(customer)s marqué vérifié.")
            % {"customer": answer.customer.name},
        )
    return redirect("web:portal_answers")


@company_required
def portal_answer_proof(request, pk):
    """The proof a customer joined, to the users of its company only
    (others: not found), always as a download, never shown inline."""
    answer = get_object_or_404(PortalAnswer, company=request.company, pk=pk)
    if not answer.proof or answer.proof_type not in proofs.CONTENT_TYPES:
        raise Http404
    try:
        content = answer.proof.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = proofs.FILE_EXTENSION[answer.proof_type]
    response = FileResponse(
        content,
        as_attachment=True,
        filename=f"justificatif-{answer.pk}.{extension}",
        content_type=proofs.CONTENT_TYPES[answer.proof_type],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
