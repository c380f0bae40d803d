"""The cockpit's pages: « Balance âgée », « Indicateurs »."""

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.core.money import format_amount as money
from relance.core.pdfs import PdfUnavailable, pdf_from_html
from relance.dunning import exports
from relance.invoices.pdf import STYLESHEET
from relance.reports.aged_snapshot import snapshot_days
from relance.reports.aging import KEYS, due_ranges
from relance.reports.indicator_snapshot import indicators_read
from relance.reports.indicators import step_window
from relance.reports.selectors import FILTERS, PER_PAGE, SORTS, aged_balance
from relance.reports.tasks import indicators_rebuild as indicators_task
from relance.web.access import company_required
from relance.web.views.common import XLSX, date_param, download, today_of

PDF_MOST = 2_000  # customers in a PDF (about 50 pages, a few seconds)


def bucket_labels() -> dict[str, str]:
    return {
        "not_due": _("Non échu"),
        "1_30": _("1 à 30 j"),
        "31_60": _("31 à 60 j"),
        "61_90": _("61 à 90 j"),
        "over_90": _("Plus de 90 j"),
    }


@company_required
def aged_balance_view(request, fmt="html"):
    """« Balance âgée » at a date (?date=YYYY-MM-DD, today by default),
    narrowed by ?filter=paused|disputed, sorted by ?sort=…&dir=asc|desc; as
    a page, an XLSX or a PDF."""
    today = today_of(request)
    on = date_param(request.GET.get("date", ""), today)
    filters = tuple(f for f in request.GET.getlist("filter") if f in FILTERS)
    sort = request.GET.get("sort", "total")
    sort = sort if sort in SORTS else "total"
    usual = "asc" if sort in ("code", "name") else "desc"
    direction = request.GET.get("dir", usual)
    scope = {
        "company": request.company,
        "on": on,
        "filters": filters,
        "sort": sort,
        "descending": direction == "desc",
    }
    if fmt == "html":  # one page of customers, sorted and paged in SQL
        number = _page_number(request.GET.get("page"))
        balance = aged_balance(**scope, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
        paginator = Paginator(range(balance.count), PER_PAGE)
        if number > paginator.num_pages:  # past the end: the last page
            number = paginator.num_pages
            balance = aged_balance(
                **scope, limit=PER_PAGE, offset=(number - 1) * PER_PAGE
            )
        page = Page(balance.customers, number, paginator)
    else:  # the exports: all customers
        balance = aged_balance(**scope)
    labels = bucket_labels()
    if fmt == "xlsx":
        header = [_("Code client"), _("Client"), *labels.values(), _("Total")]
        rows = [
            [c.code, c.name, *(c.line.amounts[k] for k in KEYS), c.line.total]
            for c in balance.customers
        ]
        total = balance.total
        rows.append(["", _("Total"), *(total.amounts[k] for k in KEYS), total.total])
        return download(
            exports.xlsx_bytes(rows, header=header, title=_("Balance âgée")),
            content_type=XLSX,
            filename=f"balance-agee-{on.isoformat()}.xlsx",
        )
    context = {
        "on": on,
        "today": today,
        # The dates an accountant closes on, read from their snapshots.
        "month_ends": [(day.isoformat(), day) for day in snapshot_days(today)[1:]],
        "balance": balance,
        "labels": labels,
        "filters": filters,
        "filter_labels": {
            "paused": _("En pause"),
            "disputed": _("En litige"),
        },
        "sort": sort,
        "dir": direction,
        "headers": [
            (key, label, _toggle(key, sort, direction))
            for key, label in [
                ("code", _("Code")),
                ("name", _("Client")),
                *labels.items(),
                ("total", _("Total")),
            ]
        ],
    }
    if fmt == "pdf":
        back = redirect(f"{reverse('web:aged_balance')}?{request.GET.urlencode()}")
        if balance.count > PDF_MOST:
            messages.error(
                request,
                _(
                    "Plus de %(most)s clients : la balance est trop longue pour un "
                    "PDF, prenez-la en XLSX."
                )
                % {"most": f"{PDF_MOST:,}".replace(",", " ")},
            )
            return back
        html = render_to_string(
            "web/aged_balance_pdf.html",
            {**context, "company": request.company, "customers": balance.customers},
            request=request,
        )
        try:
            pdf = pdf_from_html(html, stylesheet=str(STYLESHEET))
        except PdfUnavailable:
            messages.error(
                request,
                _(
                    "Le PDF ne peut pas être produit sur ce serveur (WeasyPrint ne "
                    "trouve pas Pango) : prenez la balance en XLSX."
                ),
            )
            return back
        return download(
            pdf,
            content_type="application/pdf",
            filename=f"balance-agee-{on.isoformat()}.pdf",
        )
    ranges = due_ranges(on)

    def link(customer_pk: int | None, key: str | None) -> str:
        params = {"issued_to": on.isoformat()}
        if on == today:
            params["filter"] = "open"
        if customer_pk:
            params["customer"] = customer_pk
        if key:
            first, last = ranges[key]
            if first:
                params["due_from"] = first.isoformat()
            if last:
                params["due_to"] = last.isoformat()
        return f"{reverse('web:invoices')}?{urlencode(params)}"

    rows = [
        {
            "customer": c,
            "cells": [(c.line.amounts[k], link(c.pk, k)) for k in KEYS],
            "total": (c.line.total, link(c.pk, None)),
        }
        for c in page.object_list
    ]
    total = balance.total
    context |= {
        "page": page,
        "rows": rows,
        "total_cells": [(total.amounts[k], link(None, k)) for k in KEYS],
        "total": (total.total, link(None, None)),
        "keys": KEYS,
    }
    return render(request, "web/aged_balance.html", context)


def _page_number(value: str | None) -> int:
    """?page=…: a page number, the first one when it is not one."""
    try:
        return min(max(int(value or 1), 1), 1_000_000)
    except ValueError:
        return 1


def _toggle(key: str, sort: str, direction: str) -> str:
    """The direction a column's header sorts by when clicked."""
    if key == sort:
        return "asc" if direction == "desc" else "desc"
    return "asc" if key in ("code", "name") else "desc"


# The trend chart's drawing box (SVG user units; it scales to the width).
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 640, 220, 24, 40


def _bars(points: list[tuple]) -> list[dict]:
    """Vertical bars for (day, label, amount, link, title), tallest at full
    height; negative amounts drawn as nothing (their label says them)."""
    most = max((point[2] for point in points), default=Decimal(0))
    room = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    step = CHART_WIDTH / max(len(points), 1)
    bars = []
    for n, (day, label, amount, href, title) in enumerate(points):
        height = float(amount / most) * room if most > 0 and amount > 0 else 0
        bars.append(
            {
                "x": round(n * step + step * 0.15, 1),
                "width": round(step * 0.7, 1),
                "y": round(CHART_TOP + room - height, 1),
                "height": round(height, 1),
                "middle": round(n * step + step / 2, 1),
                "day": day,
                "label": label,
                "amount": amount,
                "href": href,
                "title": title,
                "last": n == len(points) - 1,
            }
        )
    return bars


@company_required
def indicators_view(request):
    """« Indicateurs » at a date (?date=YYYY-MM-DD, today by default): DSO,
    overdue and its trend, days to pay, what each step brings in, promises,
    top late payers; each figure a link to its invoices."""
    today = today_of(request)
    on = date_param(request.GET.get("date", ""), today)
    figures, computed_at = indicators_read(company=request.company, on=on)
    currency = figures.currency

    def invoices(**params) -> str:
        params = {
            k: v.isoformat() if hasattr(v, "isoformat") else v
            for k, v in params.items()
            if v is not None
        }
        return f"{reverse('web:invoices')}?{urlencode(params, doseq=True)}"

    def overdue_link(day):
        return invoices(
            issued_to=day,
            due_to=day - timedelta(days=1),
            filter="late" if day == today else "invoices",
        )

    points = [
        (
            day,
            _("Auj.") if day == on else date_format(day, "M y"),
            amount,
            overdue_link(day),
            _("En retard le %(date)s : %(amount)s")
            % {"date": date_format(day, "d/m/Y"), "amount": money(amount, currency)},
        )
        for day, amount in figures.overdue.items()
    ]
    steps = [
        {
            "level": level,
            "name": figures.step_names.get(level) or _("Niveau %(n)s") % {"n": level},
            "yield": y,
            "width": round(float(y.share) * 3, 1),  # 300 units for 100 %
            "href": invoices(reminded=level),
            "paid_href": invoices(reminded=level, filter="paid"),
        }
        for level, y in figures.steps.items()
    ]
    first, last = step_window(on)
    promise_labels = {
        "kept": _("Promesses tenues"),
        "broken": _("Promesses non tenues"),
        "pending": _("Promesses en cours"),
    }
    context = {
        "on": on,
        "today": today,
        "computed_at": computed_at,
        "figures": figures,
        "currency": currency,
        "overdue_href": overdue_link(on),
        "bars": _bars(points),
        "chart": {
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "base": CHART_HEIGHT - CHART_BOTTOM,
        },
        "dso_months": [
            (
                first_day,
                last_day,
                sales,
                days,
                invoices(issued_from=first_day, issued_to=last_day),
            )
            for first_day, last_day, sales, days in figures.dso.months
        ],
        "receivables_href": invoices(issued_to=on, filter="open"),
        "steps": steps,
        "step_first": first,
        "step_last": last,
        "promises": [
            (key, promise_labels[key], tally, invoices(filter="promised"))
            for key, tally in figures.promises.items()
        ],
        "payers": [
            (payer, invoices(customer=payer.customer.pk, filter="late"))
            for payer in figures.late_payers
        ],
        "pay_times": [
            (line, invoices(customer=line.pk, filter="paid"))
            for line in figures.days_to_pay[:PAY_TIMES_SHOWN]
        ],
        "pay_times_more": max(len(figures.days_to_pay) - PAY_TIMES_SHOWN, 0),
    }
    return render(request, "web/indicators.html", context)


PAY_TIMES_SHOWN = 20  # the slowest payers on the page; all through the API


@require_POST
@company_required
def indicators_rebuild(request):
    """« Recalculer »: the indicators of the day shown (today by default)
    computed again by the worker."""
    today = today_of(request)
    on = min(date_param(request.POST.get("date", ""), today), today)
    # Today's said as none: the worker's today, should its midnight pass.
    indicators_task(request.company.pk, on="" if on == today else on.isoformat())
    messages.success(
        request,
        _("Calcul des indicateurs lancé ; rechargez la page dans un instant."),
    )
    target = reverse("web:indicators")
    return redirect(target if on == today else f"{target}?date={on.isoformat()}")
