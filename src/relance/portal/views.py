"""The customer's private page, reached by the link of a reminder: no
sign-in, one customer's open invoices, how to pay them (ADR 18).

A wrong, revoked or expired link is a plain 404 that tells nothing; an
address that shows too many is refused (429) for a while. Every answer
carries strict headers (`portal_headers`)."""

import functools

from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from relance.core.addresses import client_ip
from relance.core.clock import company_today, utc_now
from relance.dunning.services.portal_links import portal_link_open
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
            response[name] = value
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


def portal_view(view):
    """Finds the link first: its customer in `link`, the customer's language."""

    @portal_headers
    @require_GET
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
        with translation.override(link.customer.language or link.company.language):
            return view(request, link, *args, **kwargs)

    return wrapped


@portal_view
def page(request, link):
    company, customer = link.company, link.customer
    today = company_today(company)
    language = translation.get_language()
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
