"""« Courriels reçus »: what came back to the company's mailbox (upload an
mbox or .eml file), and « Réponses à traiter », each answered in one click."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.dunning.models import InboundMessage
from relance.dunning.services import inbound
from relance.mailing.inbound import MAX_FILE
from relance.web.access import company_required
from relance.web.views.common import today_of

Kind = InboundMessage.Kind
KINDS = [
    (Kind.BOUNCE, _("Non remis")),
    (Kind.AUTO_REPLY, _("Réponses automatiques")),
    (Kind.REPLY, _("Réponses")),
    (Kind.UNKNOWN, _("Inconnus")),
]
TONES = {
    Kind.BOUNCE: "danger",
    Kind.AUTO_REPLY: "neutral",
    Kind.REPLY: "accent",
    Kind.UNKNOWN: "neutral",
}


@company_required
def inbound_list(request):
    company = request.company
    error = ""
    if request.method == "POST":
        uploads = request.FILES.getlist("file")
        if not uploads:
            error = _("Choisissez un fichier.")
        elif sum(upload.size for upload in uploads) > MAX_FILE:
            error = _("Fichier trop volumineux : %(limit)s Mo au plus.") % {
                "limit": MAX_FILE // (1024 * 1024)
            }
        else:
            files = [(upload.name, upload.read()) for upload in uploads]
            try:
                report = inbound.mailbox_import(
                    company=company, files=files, now=utc_now()
                )
            except ApplicationError as refused:
                error = refused.message
            else:
                messages.success(request, _report_text(report))
                return redirect("web:inbound")
    kind = request.GET.get("kind", "")
    rows = InboundMessage.objects.filter(company=company).select_related(
        "customer", "reminder"
    )
    if kind in Kind.values:
        rows = rows.filter(kind=kind)
    page = Paginator(rows.order_by("-received_at", "-pk"), 50).get_page(
        request.GET.get("page")
    )
    today = today_of(request)
    to_handle = (
        InboundMessage.objects.filter(company=company, kind=Kind.REPLY, handled=False)
        .select_related("customer", "reminder")
        .order_by("received_at", "pk")[:100]
    )
    context = {
        "page": page,
        "kind": kind,
        "kinds": KINDS,
        "tones": TONES,
        "to_handle": to_handle,
        "promise_default": today + timedelta(days=15),
        "dispute_default": today + timedelta(days=30),
        "error": error,
    }
    return render(request, "web/inbound.html", context, status=400 if error else 200)


def _report_text(report: inbound.InboundReport) -> str:
    return _(
        "%(read)s message(s) lu(s) : %(bounces)s non remis, %(auto)s réponse(s) "
        "automatique(s), %(replies)s réponse(s) à traiter, %(unknown)s inconnu(s)."
    ) % {
        "read": report.read,
        "bounces": len(report.bounces),
        "auto": report.auto_replies,
        "replies": len(report.replies),
        "unknown": report.unknown,
    }


@company_required
@require_POST
def inbound_reply(request, pk):
    """One click on a reply: a dispute, a promise (with its date), a payment
    (the payment modal of its invoice opens), or closed."""
    message = get_object_or_404(
        InboundMessage, pk=pk, company=request.company, kind=Kind.REPLY
    )
    action = request.POST.get("action", "")
    until = _date(request.POST.get(f"until_{action}", ""))
    invoices = inbound.reply_invoices(message)
    try:
        inbound.inbound_reply_handle(
            message=message,
            action=action,
            until=until,
            today=today_of(request),
            now=utc_now(),
            by=request.user,
        )
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return redirect("web:inbound")
    if action == inbound.PAYMENT and invoices:
        # The invoice's page opens with its payment modal.
        url = reverse("web:invoice", args=[invoices[0].pk])
        return redirect(f"{url}?reglement=1")
    notes = {
        inbound.DISPUTE: _("Factures mises en litige jusqu'au %(date)s."),
        inbound.PROMISE: _("Promesse de paiement enregistrée jusqu'au %(date)s."),
        inbound.PAYMENT: _("Réponse traitée."),
        inbound.CLOSE: _("Réponse close."),
    }
    messages.success(
        request,
        notes[action] % {"date": until.strftime("%d/%m/%Y") if until else ""},
    )
    return redirect("web:inbound")


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
