from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.dunning.messages import preview, recipient_of
from relance.dunning.models import DunningStep, Reminder, SendRun
from relance.dunning.planning import FIXABLE, GROUPS, Code, reminder_plan
from relance.dunning.services.reminder_actions import (
    reminder_cancel,
    reminder_confirm_sent,
    reminder_resend,
)
from relance.dunning.services.send_runs import (
    leaves_text,
    send_leaves_at,
    send_run_progress,
)
from relance.dunning.tasks import send_run_start
from relance.invoices.models import Invoice
from relance.mailing.delivery import mail_server
from relance.mailing.templating import TemplateRefused
from relance.web.access import company_required
from relance.web.selection import selection_decode, selection_encode
from relance.web.views.common import selected_invoices, today_of, with_toast

STATUS_TONES = {
    Reminder.Status.PENDING: "neutral",
    Reminder.Status.SENDING: "accent",
    Reminder.Status.SENT: "success",
    Reminder.Status.FAILED: "danger",
    Reminder.Status.UNCERTAIN: "warning",
    Reminder.Status.CANCELLED: "neutral",
    Reminder.Status.BOUNCED: "danger",
}


# The summary window shows the counts and the first rows of each list, never
# all of them: a selection of 100,000 invoices would make a page of tens of
# megabytes. « Voir les suivantes » brings the next rows (ADR 24).
MESSAGES_FIRST = 50  # messages shown at first
LINES_FIRST = 20  # lines of each group of errors and of each list of warnings
MORE = 200  # rows each « Voir les suivantes » adds

WARNING_LISTS = {
    "not_due": "not_due_warnings",
    "limitation": "limitation_warnings",
    "credit": "credit_warnings",
}


def _plan(request):
    ids = selected_invoices(request)
    manual = request.POST.get("manual") == "1" and len(ids) == 1
    plan = reminder_plan(
        company=request.company,
        today=today_of(request),
        invoices=ids,
        manual=manual,
        time_barred=request.POST.get("time_barred") == "1",
    )
    return plan, ids, manual


def _bad_selection(request):
    """A summary's selection that does not read back (cut, altered)."""
    text = request.POST.get("selection")
    if text and selection_decode(text) is None:
        return HttpResponseBadRequest(
            _(
                "Sélection de factures illisible : fermez la fenêtre et "
                "sélectionnez à nouveau les factures."
            )
        )
    return None


def _window(items, start: int, size: int, part: str) -> dict:
    """Rows [start, start + size) of a list, numbered from 1, and what is left."""
    shown = items[start : start + size]
    end = start + len(shown)
    kind, _sep, code = part.partition(":")
    left, more = len(items) - end, min(MORE, len(items) - end)
    return {
        "rows": list(enumerate(shown, start + 1)),
        "part": part,
        "kind": kind,
        "code": code,
        "total": len(items),
        "next": end,
        "left": left,
        "left_text": number_format(left, force_grouping=True),
        "more": more,
        "more_text": number_format(more, force_grouping=True),
    }


def _part_rows(plan, part: str):
    """The whole list a « Voir les suivantes » asks the next rows of."""
    if part == "messages":
        return plan.messages
    kind, _sep, name = part.partition(":")
    codes = {str(code): code for code in Code}
    if kind == "errors" and name in codes:
        return plan.errors_by_code().get(codes[name], [])
    if kind == "warnings" and name in WARNING_LISTS:
        return getattr(plan, WARNING_LISTS[name])
    return None


@require_POST
@company_required
def summary(request):
    """The window: how many reminders would go out, and every error found."""
    refused = _bad_selection(request)
    if refused:
        return refused
    plan, ids, manual = _plan(request)
    if not ids:
        return render(request, "web/summary_empty.html")
    part = request.POST.get("part")
    if part:  # « Voir les suivantes »: the next rows of one list only
        rows = _part_rows(plan, part)
        start = request.POST.get("start", "")
        if rows is None or not start.isdigit():
            return HttpResponseBadRequest(_("Liste inconnue dans le résumé."))
        window = _window(rows, int(start), MORE, part)
        return render(request, "web/summary_more.html", {"window": window})
    groups = [
        {
            "code": code,
            "title": GROUPS[code][0],
            "hint": GROUPS[code][1],
            "count": len(errors),
            "window": _window(errors, 0, LINES_FIRST, f"errors:{code}"),
            "fixable": code in FIXABLE,
            "confirmable": code == Code.TIME_BARRED,
        }
        for code, errors in plan.errors_by_code().items()
    ]
    groups.sort(key=lambda group: not group["fixable"])  # what to fix first
    now = utc_now()
    leaves_at = send_leaves_at(company=request.company, now=now)
    warnings = {
        name: _window(getattr(plan, attribute), 0, LINES_FIRST, f"warnings:{name}")
        for name, attribute in WARNING_LISTS.items()
    }
    context = {
        "leaves": leaves_at
        and leaves_text(company=request.company, at=leaves_at, now=now),
        "plan": plan,
        "to_fix": len(plan.to_fix),
        "left_out": len(plan.errors) - len(plan.to_fix),
        "messages": _window(plan.messages, 0, MESSAGES_FIRST, "messages"),
        "groups": groups,
        "warnings": warnings,
        "selection": selection_encode(ids),
        "manual": manual,
        "time_barred": request.POST.get("time_barred") == "1",
        "mail_server": mail_server(),
    }
    return render(request, "web/summary.html", context)


@require_POST
@company_required
def send(request):
    """« Envoyer les relances »: the plan is made again, queued, its progress shown."""
    refused = _bad_selection(request)
    if refused:
        return refused
    plan, _ids, _manual = _plan(request)
    if plan.problems:
        return HttpResponseBadRequest(plan.problems[0])
    run, created = send_run_start(
        plan=plan, user=request.user, send_now=request.POST.get("send_now") == "1"
    )
    return _progress(request, run, extra_errors=created.errors)


@company_required
def progress(request, pk):
    run = get_object_or_404(SendRun, pk=pk, company=request.company)
    return _progress(request, run)


def _progress(request, run, extra_errors=()):
    state = send_run_progress(run)
    now = utc_now()
    leaves = state.scheduled_at and leaves_text(
        company=request.company, at=state.scheduled_at, now=now
    )
    if not state.finished:
        waited = (now - run.created_at).total_seconds()
        context = {
            "run": run,
            "progress": state,
            "leaves": leaves,
            "slow": waited > 10 and state.done == 0,
        }
        return render(request, "web/send_progress.html", context)
    reminders = list(
        run.reminders.select_related("customer", "step").prefetch_related(
            "lines__invoice"
        )
    )
    order = {"failed": 0, "uncertain": 1, "pending": 2, "cancelled": 3, "sent": 4}
    reminders.sort(key=lambda r: (order.get(r.status, 5), r.customer.name))
    response = render(
        request,
        "web/send_result.html",
        {
            "run": run,
            "progress": state,
            "leaves": leaves,
            "reminders": reminders,
            "extra_errors": extra_errors,
        },
    )
    if state.scheduled:
        message = ngettext(
            "%(sent)s envoyée, %(n)s partira %(when)s",
            "%(sent)s envoyées, %(n)s partiront %(when)s",
            state.scheduled,
        ) % {"sent": state.sent, "n": state.scheduled, "when": leaves}
        return with_toast(response, message, "success")
    if state.sent:
        message = ngettext(
            "%(n)s relance envoyée", "%(n)s relances envoyées", state.sent
        ) % {"n": state.sent}
        return with_toast(response, message, "success")
    return response


@company_required
def message_preview(request):
    """One planned message as it would go out (before anything is sent)."""
    ids = [int(v) for v in request.GET.getlist("invoice") if v.isdigit()]
    found = Invoice.objects.filter(company=request.company, pk__in=ids)
    by_id = {invoice.pk: invoice for invoice in found.select_related("customer")}
    invoices = [by_id[pk] for pk in dict.fromkeys(ids) if pk in by_id]
    step = get_object_or_404(
        DunningStep, company=request.company, pk=request.GET.get("step", "0") or 0
    )
    if not invoices or len({i.customer_id for i in invoices}) != 1:
        return HttpResponseBadRequest(_("Un seul client par message."))
    try:
        composed = preview(step=step, invoices=invoices, today=today_of(request))
    except TemplateRefused as error:
        return render(request, "web/preview.html", {"error": str(error), "step": step})
    return render(
        request,
        "web/preview.html",
        {"composed": composed, "to": recipient_of(invoices[0].customer), "step": step},
    )


@company_required
def reminder_list(request):
    reminders = (
        Reminder.objects.filter(company=request.company)
        .select_related("customer", "step", "triggered_by")
        .prefetch_related("lines__invoice")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status", "")
    if status == "problems":
        reminders = reminders.filter(
            status__in=[
                Reminder.Status.FAILED,
                Reminder.Status.BOUNCED,
                Reminder.Status.UNCERTAIN,
            ]
        )
    elif status in Reminder.Status.values:
        reminders = reminders.filter(status=status)
    page = Paginator(reminders, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/reminder_list.html",
        {
            "page": page,
            "status": status,
            # The filter chips after « Toutes »: the problems, then each status.
            "filters": [("problems", _("À vérifier")), *Reminder.Status.choices],
            "tones": STATUS_TONES,
        },
    )


@company_required
def reminder_detail(request, pk):
    reminder = get_object_or_404(
        Reminder.objects.select_related("customer", "step", "triggered_by", "letter"),
        pk=pk,
        company=request.company,
    )
    return render(
        request,
        "web/reminder_detail.html",
        {"reminder": reminder, "tone": STATUS_TONES[reminder.status]},
    )


@require_POST
@company_required
def reminder_action(request, pk):
    """What a user can do with a reminder that may or may not have left."""
    reminder = get_object_or_404(Reminder, pk=pk, company=request.company)
    action = request.POST.get("action")
    now = utc_now()
    try:
        if action == "resend":
            delivered = reminder_resend(reminder=reminder, now=now)
            if delivered.sent:
                messages.success(request, _("Relance renvoyée."))
            else:
                messages.error(request, _("Le renvoi a échoué : voir l'erreur."))
        elif action == "confirm":
            reminder_confirm_sent(reminder=reminder, now=now)
            messages.success(
                request, _("Envoi confirmé : la facture passe à l'étape suivante.")
            )
        elif action == "cancel":
            reminder_cancel(reminder=reminder, now=now)
            messages.success(
                request, _("Relance annulée : la facture reste à relancer.")
            )
        else:
            return HttpResponseBadRequest(_("Action inconnue."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("web:reminder", pk=reminder.pk)
