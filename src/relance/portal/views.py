"""The customer's private page, reached by the link of a reminder: no
sign-in, one customer's open invoices, how to pay them (ADR 18).

A wrong, revoked or expired link is a plain 404 that tells nothing; an
address that shows too many is refused (429) for a while. Every answer
carries strict headers (`portal_headers`)."""

import functools
from datetime import date

from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relance.core.addresses import client_ip
from relance.core.clock import company_today, utc_now
from relance.core.errors import ApplicationError
from relance.core.languages import formats_language, written_in
from relance.core.pdfs import PdfUnavailable
from relance.dunning import proofs
from relance.dunning.models import PortalAnswer
from relance.dunning.services.portal_answers import (
    Answer,
    portal_answer_record,
    promise_latest,
)
from relance.dunning.services.portal_links import portal_link_open
from relance.dunning.statements import customer_statement, statement_pdf
from relance.law.penalties import RateMissing
from relance.portal import presenters, throttle
from relance.portal.selectors import portal_invoice, portal_invoices

CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}


def portal_headers(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        for name, value in HEADERS.items():
            response.setdefault(name, value)  # a view may set its own
        return response

    return wrapped


def not_found() -> HttpResponse:
    """The same plain answer for every link that does not work."""
    return HttpResponse("404\n", status=404, content_type="text/plain; charset=utf-8")


def _link_or_none(request, token: str):
    """The link, or None after counting a bad one; raises Blocked."""
    address = client_ip(request)
    throttle.portal_address_check(address)
    link = portal_link_open(token=token, now=utc_now())
    if link is None:
        throttle.portal_address_failed(address)
    return link


def portal_view(view, methods=("GET",)):
    """Finds the link first: its customer in `link`, the customer's language."""

    @portal_headers
    @require_http_methods(list(methods))
    @functools.wraps(view)
    def wrapped(request, token, *args, **kwargs):
        try:
            link = _link_or_none(request, token)
        except throttle.Blocked as blocked:
            response = HttpResponse(
                "429\n", status=429, content_type="text/plain; charset=utf-8"
            )
            response["Retry-After"] = str(blocked.seconds)
            return response
        if link is None:
            return not_found()
        with written_in(link.customer.language or link.company.language):
            return view(request, link, *args, **kwargs)

    return wrapped


@portal_view
def page(request, link):
    company, customer = link.company, link.customer
    today = company_today(company)
    language = formats_language()
    invoices = portal_invoices(customer=customer, today=today)
    context = presenters.page_context(
        company=company, customer=customer, invoices=invoices, language=language
    )
    context["token"] = request.resolver_match.kwargs["token"]
    context["title"] = _("Vos factures — %(company)s") % {"company": company.name}
    return render(request, "portal/page.html", context)


@portal_view
def invoice_pdf(request, link, pk):
    invoice = portal_invoice(customer=link.customer, pk=pk)
    if invoice is None or not invoice.pdf:
        return not_found()
    try:
        pdf = invoice.pdf.open("rb")
    except FileNotFoundError:
        return not_found()
    return FileResponse(
        pdf,
        as_attachment=True,
        filename=f"{invoice.number}.pdf",
        content_type="application/pdf",
    )


@portal_view
def statement(request, link):
    """The customer's account statement (« Relevé de compte »), as the
    reminders attach it, in the customer's language."""
    customer = link.customer
    try:
        built = customer_statement(customer=customer, on=company_today(link.company))
        pdf = statement_pdf(built, language=formats_language())
    except (PdfUnavailable, RateMissing):
        return not_found()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{_('Relevé de compte')} {customer.code}.pdf"
    )
    return response


FORM_REFERRER_POLICY = "same-origin"
KINDS = {
    "paye": PortalAnswer.Kind.PAID,
    "promesse": PortalAnswer.Kind.PROMISE,
    "contestation": PortalAnswer.Kind.DISPUTE,
}
TEXT_FIELD_MAX = PortalAnswer.TEXT_MAX


def _date_or_error(raw: str, field: str, errors: dict) -> date | None:
    raw = (raw or "").strip()[:20]
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[field] = _("Date invalide (jj/mm/aaaa).")
        return None


def _answer_read(request, kind: str) -> tuple[Answer, dict]:
    """The posted answer, and the errors found before the service's checks
    (a date that is not one, a file too big to read)."""
    data, errors = request.POST, {}
    ids = []
    for raw in data.getlist("invoices")[:500]:
        try:
            ids.append(int(raw))
        except ValueError:
            errors["invoices"] = _("Facture introuvable ou déjà réglée.")
    proof, proof_name = b"", ""
    upload = request.FILES.get("proof") if kind == PortalAnswer.Kind.PAID else None
    if upload is not None:
        if upload.size > proofs.MAX_SIZE:
            errors["proof"] = _("Justificatif trop volumineux : %(size)s au plus.") % {
                "size": proofs.MAX_SIZE_TEXT
            }
        else:
            proof, proof_name = upload.read(proofs.MAX_SIZE + 1), upload.name or ""
            if not proof:
                errors["proof"] = _("Le justificatif est vide.")
    answer = Answer(
        kind=kind,
        invoice_ids=ids,
        paid_on=_date_or_error(data.get("paid_on", ""), "paid_on", errors),
        amount=data.get("amount", "")[:40],
        promised_on=_date_or_error(data.get("promised_on", ""), "promised_on", errors),
        reason=data.get("reason", "")[:20],
        text=data.get("text", "")[: TEXT_FIELD_MAX + 1],
        proof=proof,
        proof_name=proof_name[:200],
    )
    return answer, errors


def _answer_form(request, link, kind, today, *, errors=None, selected=None, status=200):
    company, customer = link.company, link.customer
    language = formats_language()
    invoices = portal_invoices(customer=customer, today=today)
    if selected is None:
        raw = request.GET.get("facture", "")
        selected = {int(raw)} if raw.isdigit() else {o.invoice.pk for o in invoices}
    data = request.POST if request.method == "POST" else {}
    context = presenters.answer_context(
        company=company,
        customer=customer,
        invoices=invoices,
        language=language,
        kind=kind,
        selected=selected,
        latest=promise_latest(company=company, today=today),
        today=today,
    )
    context.update(
        token=request.resolver_match.kwargs["token"],
        slug=request.resolver_match.kwargs["kind"],
        errors=errors or {},
        values={
            name: data.get(name, "")[:TEXT_FIELD_MAX]
            for name in ("paid_on", "amount", "promised_on", "reason", "text")
        },
        reasons=PortalAnswer.Reason.choices,
    )
    response = render(request, "portal/answer.html", context, status=status)
    # A form's POST from a « no-referrer » page carries « Origin: null »,
    # which CSRF refuses: the form pages send the Referer to this site only
    # (the token still never leaves it).
    response["Referrer-Policy"] = FORM_REFERRER_POLICY
    return response


def _answer(request, link, kind):
    slug_kind = KINDS.get(kind)
    if slug_kind is None:
        return not_found()
    company = link.company
    today = company_today(company)
    if request.method != "POST":
        return _answer_form(request, link, slug_kind, today)
    answer, errors = _answer_read(request, slug_kind)
    selected = set(answer.invoice_ids)
    if not errors:
        try:
            recorded = portal_answer_record(
                link=link,
                answer=answer,
                today=today,
                now=utc_now(),
                ip=client_ip(request),
            )
        except ApplicationError as refused:
            errors[refused.field or "__all__"] = refused.message
        else:
            language = formats_language()
            context = presenters.confirmation_context(
                recorded=recorded, language=language
            )
            context["token"] = request.resolver_match.kwargs["token"]
            return render(request, "portal/answered.html", context)
    return _answer_form(
        request, link, slug_kind, today, errors=errors, selected=selected, status=400
    )


answer = portal_view(_answer, methods=("GET", "POST"))
