"""What the views share: the company's today, the selection of invoices."""

import json
from datetime import date

from django.contrib import messages
from django.http import HttpResponse

from relance.core.clock import company_today
from relance.core.validators import date_out_of_range
from relance.invoices.selectors import FILTERS, InvoiceQuery, invoice_search
from relance.law import limitation
from relance.web.selection import selection_decode


def today_of(request) -> date:
    return company_today(request.company)


def date_param(value: str, default: date | None) -> date | None:
    """A YYYY-MM-DD from a query string, or `default` when it is not one
    (or out of the accepted range)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return default
    return default if date_out_of_range(day) else day


def query_from(params, today: date) -> InvoiceQuery:
    """The invoice list's search and filters, from a query string or a form."""

    def number(name):
        value = params.get(name, "")
        return int(value) if value.isdigit() else None

    def day(name):
        return date_param(params.get(name, ""), None)

    return InvoiceQuery(
        search=params.get("q", "").strip(),
        filters=[f for f in params.getlist("filter") if f in FILTERS],
        level=number("level"),
        customer=number("customer"),
        sort=params.get("sort", "-issue_date"),
        barred_by=limitation.due_dates_barred_soon(today),
        due_from=day("due_from"),
        due_to=day("due_to"),
        issued_to=day("issued_to"),
        issued_from=day("issued_from"),
        reminded=number("reminded"),
    )


def selected_invoices(request) -> list[int]:
    """The invoices a user selected: ticked ids, or all that match the filters."""
    data = request.POST
    if data.get("all") == "1":
        invoices = invoice_search(
            company=request.company,
            query=query_from(data, today_of(request)),
            today=today_of(request),
        )
        return list(invoices.values_list("pk", flat=True))
    if data.get("selection"):
        # The summary window's own form (web/selection.py): the ids it showed.
        return selection_decode(data["selection"]) or []
    return [int(value) for value in data.getlist("invoice") if value.isdigit()]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """A file the browser saves under `filename`."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def with_toast(
    response: HttpResponse, message: str, level: str = "success"
) -> HttpResponse:
    """An htmx response that also shows a toast."""
    response["HX-Trigger"] = json.dumps(
        {"toast": {"message": str(message), "level": level}}
    )
    return response


def modal_done(request, message: str) -> HttpResponse:
    """A modal form that succeeded: the page reloads under htmx (204 and
    HX-Refresh) and shows `message` as it comes back."""
    messages.success(request, message)
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return response
