from datetime import timedelta

from django.db.models import Q
from django.shortcuts import render

from relance.core.clock import utc_now
from relance.core.models import Membership
from relance.dunning.models import DailyRun, Reminder
from relance.dunning.selectors import problem_reminders
from relance.invoices.models import Invoice
from relance.invoices.selectors import receivables
from relance.law.selectors import rates_missing
from relance.web.access import company_required
from relance.web.views.common import today_of


@company_required
def dashboard(request):
    company = request.company
    today = today_of(request)
    open_invoices = Invoice.objects.filter(company=company, status=Invoice.Status.OPEN)
    paused = open_invoices.filter(
        Q(paused_until__gte=today) | Q(customer__paused_until__gte=today)
    )
    now = utc_now()
    stuck = Reminder.objects.filter(
        company=company,
        status=Reminder.Status.PENDING,
        attempts=0,
        created_at__lt=now - timedelta(minutes=2),
    ).count()
    month = today.replace(day=1)
    context = {
        "today": today,
        "to_remind": receivables(open_invoices.filter(to_remind=True)),
        "late": receivables(open_invoices.filter(due_date__lt=today, amount_due__gt=0)),
        "open": receivables(open_invoices),
        "paused": receivables(paused),
        "sent_this_month": Reminder.objects.filter(
            company=company, status=Reminder.Status.SENT, sent_at__date__gte=month
        ).count(),
        "problems": list(problem_reminders(company=company)[:20]),
        "stuck": stuck,
        "rates_missing": (
            rates_missing(on=today)
            if request.membership.role == Membership.Role.ADMIN
            else []
        ),
        "last_run": DailyRun.objects.filter(company=company)
        .order_by("-started_at")
        .first(),
    }
    return render(request, "web/dashboard.html", context)
