"""Reads for the dunning: steps, and invoices seen through the rules."""

from datetime import datetime

from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from relance.core.models import Company
from relance.dunning import rules
from relance.dunning.models import DunningStep, Letter, Reminder, Task
from relance.invoices.models import Invoice


def step_list_active(*, company: Company) -> list[DunningStep]:
    """The company's active steps in order: level k is the k-th of them."""
    return list(
        DunningStep.objects.filter(company=company, active=True).order_by("order", "id")
    )


def step_names(*, company: Company) -> dict[int, str]:
    """Each active level's step name: {1: "Relance 1", 2: …}."""
    return {
        level: step.name
        for level, step in enumerate(step_list_active(company=company), 1)
    }


def rule_steps(steps: list[DunningStep]) -> list[rules.Step]:
    return [rules.Step(trigger=rules.Trigger(s.trigger), days=s.days) for s in steps]


def invoice_facts(invoice: Invoice) -> rules.InvoiceFacts:
    return rules.InvoiceFacts(
        status=invoice.status,
        amount_due=invoice.amount_due,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        level=invoice.dunning_level,
        last_reminder_on=invoice.last_reminder_on,
        paused_until=invoice.paused_until,
        customer_paused_until=invoice.customer.paused_until,
        einvoice_status=invoice.einvoice_status,
        kind=invoice.kind,
    )


def problem_reminders(*, company: Company, since: datetime | None = None):
    """Reminders that need a person: failed or bounced (since `since`) and
    uncertain ones."""
    failed = Q(status__in=[Reminder.Status.FAILED, Reminder.Status.BOUNCED])
    if since is not None:
        failed &= Q(updated_at__gt=since)
    return (
        Reminder.objects.filter(company=company)
        .filter(failed | Q(status=Reminder.Status.UNCERTAIN))
        .select_related("customer", "step")
        .prefetch_related("lines__invoice")
        .order_by("status", "customer__name")
    )


def letter_list(*, company: Company, status: str = "") -> QuerySet:
    """The company's letters, newest first (one status, or all), with their
    customer, step and invoices (lines) ready to list."""
    letters = (
        Letter.objects.filter(company=company)
        .select_related("customer", "reminder__step", "company")
        .prefetch_related("lines")
        .order_by("-dated_on", "-id")
    )
    if status:
        letters = letters.filter(status=status)
    return letters


def letters_waiting_count(*, company: Company) -> int:
    """Letters made and not yet recorded as sent."""
    return Letter.objects.filter(company=company, status=Letter.Status.WAITING).count()


def letters_by_ids(*, company: Company, ids) -> list[Letter]:
    """These letters of the company, in the order given (others ignored)."""
    found = letter_list(company=company).in_bulk(list(ids))
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


# « Mes tâches du jour »: mine (open, due today or before), or the company's.
MINE, ALL = "mine", "all"
HISTORY = 3  # a customer's last reminders shown with each task


def task_list(
    *, company: Company, user, today, scope: str = MINE, status: str = ""
) -> QuerySet:
    """The company's tasks: `scope` MINE is the user's due by `today` (open
    unless `status` says otherwise), ALL every one of the company's;
    `status` « open » or « done » filters, empty keeps both for ALL. The
    customer and its owner, the assignee and the invoices come along."""
    tasks = Task.objects.filter(company=company)
    if scope == MINE:
        # Nobody's tasks are nobody's in particular (a token without a user).
        if user is None:
            return Task.objects.none()
        tasks = tasks.filter(assignee=user, due_on__lte=today)
        status = status or Task.Status.OPEN
    if status:
        tasks = tasks.filter(status=status)
    return (
        tasks.select_related("customer", "assignee", "step", "done_by")
        .prefetch_related(
            Prefetch(
                "invoices", queryset=Invoice.objects.order_by("due_date", "number")
            )
        )
        .order_by("due_on", "customer__name", "id")
    )


def tasks_history(tasks) -> None:
    """Give each task its customer's last reminders (`task.history`): one
    query for the page, whatever its length."""
    customer_ids = {task.customer_id for task in tasks}
    recent: dict[int, list[Reminder]] = {pk: [] for pk in customer_ids}
    if customer_ids:
        rank = Window(
            RowNumber(),
            partition_by=[F("customer_id")],
            order_by=[F("created_at").desc(), F("id").desc()],
        )
        rows = (
            Reminder.objects.filter(customer_id__in=customer_ids)
            .exclude(status=Reminder.Status.CANCELLED)
            .select_related("step")
            .annotate(rank=rank)
            .filter(rank__lte=HISTORY)
            .order_by("customer_id", "rank")
        )
        for reminder in rows:
            recent[reminder.customer_id].append(reminder)
    for task in tasks:
        task.history = recent.get(task.customer_id, [])


def task_data(task: Task, on) -> dict:
    """A task as the API and `relance tasks --json` show it (days late at
    `on`; amounts as strings, two decimals)."""
    return {
        "id": task.pk,
        "kind": task.kind,
        "status": task.status,
        "customer": task.customer.name,
        "customer_code": task.customer.code,
        "phone": task.customer.phone,
        "step": task.step.name,
        "reminder_id": task.reminder_id,
        "due_on": task.due_on,
        "assignee_email": task.assignee.email if task.assignee else "",
        "invoices": [
            {
                "number": invoice.number,
                "due_date": invoice.due_date,
                "amount_due": f"{invoice.amount_due:.2f}",
                "currency": invoice.currency,
                "days_late": rules.days_late(invoice.due_date, on),
            }
            for invoice in task.invoices.all()
        ],
        "outcome": task.outcome,
        "outcome_on": task.outcome_on,
        "note": task.note,
        "done_by_email": task.done_by.email if task.done_by else "",
        "done_at": task.done_at,
    }
