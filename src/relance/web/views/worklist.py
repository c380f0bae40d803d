"""« Mes tâches du jour »: the calls and tasks of « Appel téléphonique » and
« Tâche » steps (ADR 16), mine first, and their outcome recorded."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.dunning.models import Task
from relance.dunning.rules import days_late
from relance.dunning.selectors import ALL, MINE, task_list, tasks_history
from relance.dunning.services.worklist import task_outcome_record
from relance.web.access import company_required
from relance.web.forms import TaskOutcomeForm
from relance.web.views.common import today_of


@company_required
def tasks(request):
    today = today_of(request)
    scope = ALL if request.GET.get("scope") == ALL else MINE
    # Mine: open ones only. All: open by default, done, or both (« all »).
    status = request.GET.get("status", Task.Status.OPEN)
    if scope == MINE:
        status = Task.Status.OPEN
    elif status not in Task.Status.values:
        status = ""
    page = Paginator(
        task_list(
            company=request.company,
            user=request.user,
            today=today,
            scope=scope,
            status=status,
        ),
        50,
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    tasks_history(rows)
    for task in rows:
        task.lines = [
            (invoice, days_late(invoice.due_date, today))
            for invoice in task.invoices.all()
        ]
    return render(
        request,
        "web/tasks.html",
        {
            "page": page,
            "tasks": rows,
            "scope": scope,
            "status": status,
            "today": today,
            "form": TaskOutcomeForm(),
        },
    )


@require_POST
@company_required
def task_outcome(request, pk):
    task = get_object_or_404(Task, pk=pk, company=request.company)
    form = TaskOutcomeForm(request.POST)
    back = request.POST.get("next", "")
    back = back if back.startswith(reverse("web:tasks")) else reverse("web:tasks")
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label} : {errors[0]}" if label else errors[0])
        return redirect(back)
    data = form.cleaned_data
    try:
        task_outcome_record(
            task=task,
            outcome=data["outcome"],
            on=data["on"],
            note=data["note"],
            user=request.user,
            today=today_of(request),
            now=utc_now(),
        )
    except ApplicationError as error:
        if error.field in form.fields:
            messages.error(
                request, f"{form.fields[error.field].label} : {error.message}"
            )
        else:
            messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request,
        _("%(customer)s : %(outcome)s enregistré.")
        % {"customer": task.customer.name, "outcome": task.get_outcome_display()},
    )
    return redirect(back)
