"""Reads for the dunning: steps, and invoices seen through the rules."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F, Max, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from relance.core.models import Company
from relance.core.sql import ids_condition
from relance.dunning import rules
from relance.dunning.models import (
    CustomerDunning,
    DunningPlan,
    DunningStep,
    Letter,
    Reminder,
    Task,
)
from relance.invoices.models import Invoice


def plan_default(*, company: Company) -> DunningPlan | None:
    """The company's default plan (None only before it has any step)."""
    return DunningPlan.objects.filter(company=company, is_default=True).first()


def plan_list(*, company: Company, active_only: bool = True) -> list[DunningPlan]:
    """The company's plans in order, the default first."""
    plans = DunningPlan.objects.filter(company=company)
    if active_only:
        plans = plans.filter(active=True)
    return list(plans.order_by("-is_default", "order", "name", "id"))


def step_list_active(
    *, company: Company, plan: DunningPlan | int | None = None
) -> list[DunningStep]:
    """A plan's active steps in order (the default plan's when `plan` is
    None): level k is the k-th of them."""
    steps = DunningStep.objects.filter(company=company, active=True)
    if plan is None:
        steps = steps.filter(plan__is_default=True)
    else:
        steps = steps.filter(plan=plan)
    return list(steps.order_by("order", "id"))


def plan_steps_active(*, company: Company) -> dict[int, list[DunningStep]]:
    """Every active plan's active steps in order, by plan id (a plan without
    steps is there, empty). Two queries."""
    return plans_active(company=company)[0]


def plans_active(
    *, company: Company
) -> tuple[dict[int, list[DunningStep]], int | None]:
    """`plan_steps_active`, and the default plan's id. Two queries."""
    return plans_active_of(company_ids=[company.pk])[company.pk]


def plans_active_of(
    *, company_ids: list[int]
) -> dict[int, tuple[dict[int, list[DunningStep]], int | None]]:
    """`plans_active` of each company, by id, in two queries whatever their
    number (the daily job of every company at once)."""
    found = {pk: ({}, None) for pk in company_ids}
    rows = (
        DunningPlan.objects.filter(company_id__in=company_ids, active=True)
        .order_by("id")
        .values_list("company_id", "pk", "is_default")
    )
    plan_ids = []
    for company_id, pk, is_default in rows:
        plans, default = found[company_id]
        plans[pk] = []
        if is_default and default is None:
            found[company_id] = (plans, pk)
        plan_ids.append(pk)
    for step in DunningStep.objects.filter(
        company_id__in=company_ids, active=True, plan_id__in=plan_ids
    ).order_by("plan_id", "order", "id"):
        found[step.company_id][0][step.plan_id].append(step)
    return found


@dataclass(frozen=True, slots=True)
class Rhythm:
    """What the rules need to know of a customer beside its invoice: the plan
    it follows (its id; None when the company has no plan), its own minimum
    gap (None: the company's) and its last reminder about any invoice."""

    plan_id: int | None
    min_gap_days: int | None = None
    last_reminder_on: date | None = None


def customer_rhythms(
    *, company: Company, customer_ids: list[int], default_plan_id: int | None
) -> dict[int, Rhythm]:
    """Each customer's `Rhythm`, by id. Two queries."""
    wanted = sorted(set(customer_ids))
    own = {}
    last = {}
    for start in range(0, len(wanted), 5000):
        # One parameter a chunk (Django would prepare each id: seconds).
        chunk = wanted[start : start + 5000]
        condition, params = ids_condition(
            f"{CustomerDunning._meta.db_table}.customer_id", chunk
        )
        own.update(
            (row[0], row[1:])
            for row in CustomerDunning.objects.filter(company=company)
            .extra(where=[condition], params=params)
            .values_list("customer_id", "plan_id", "min_gap_days")
        )
        condition, params = ids_condition(
            f"{Invoice._meta.db_table}.customer_id", chunk
        )
        # A customer's invoices are its company's: by the customer's index
        # alone (with the company too, SQLite read the company's invoices
        # for each chunk: a quarter of a plan of 100,000, ADR 24).
        last.update(
            Invoice.objects.filter(last_reminder_on__isnull=False)
            .extra(where=[condition], params=params)
            .values("customer_id")
            .annotate(last=Max("last_reminder_on"))
            .values_list("customer_id", "last")
        )
    # Most customers have neither their own settings nor a reminder yet:
    # they share one Rhythm (frozen), not one each.
    default = Rhythm(default_plan_id)
    rhythms = dict.fromkeys(wanted, default)
    for pk in own.keys() | last.keys():
        plan_id, gap = own.get(pk, (None, None))
        rhythms[pk] = Rhythm(plan_id or default_plan_id, gap, last.get(pk))
    return rhythms


def step_names(
    *, company: Company, plan: DunningPlan | int | None = None
) -> dict[int, str]:
    """Each active level's step name: {1: "Relance 1", 2: …} (of the default
    plan, or of `plan`)."""
    return {
        level: step.name
        for level, step in enumerate(step_list_active(company=company, plan=plan), 1)
    }


@dataclass(frozen=True)
class PlanStepNames:
    """Each active plan's step names by level, to name an invoice's level
    after its customer's plan (`of`), the default plan's for a customer
    without its own (ADR 21)."""

    by_plan: dict[int, dict[int, str]]
    default: int | None

    def of(self, plan_id: int | None) -> dict[int, str]:
        return self.by_plan.get(plan_id or self.default, {})


def plan_step_names(*, company: Company) -> PlanStepNames:
    """Every active plan's step names (two queries)."""
    plans, default = plans_active(company=company)
    return PlanStepNames(
        {
            pk: {level: step.name for level, step in enumerate(steps, 1)}
            for pk, steps in plans.items()
        },
        default,
    )


def customer_step_names(*, company: Company, customer_id: int) -> dict[int, str]:
    """The step names of the plan the customer follows, by level."""
    own = (
        CustomerDunning.objects.filter(
            company=company, customer_id=customer_id, plan__isnull=False
        )
        .values_list("plan_id", flat=True)
        .first()
    )
    return step_names(company=company, plan=own)


def with_customer_plan(invoices):
    """The invoices annotated with their customer's own plan (`plan_id`,
    None: the default plan), for `PlanStepNames.of`: a join, no query."""
    return invoices.annotate(plan_id=F("customer__dunning__plan_id"))


def customer_plan_choice(*, company: Company, customer_id: int) -> dict:
    """What the customer page shows to choose a plan: the default plan, the
    plans offered, the customer's own settings (or None) and the plan it
    follows (its id)."""
    plans = plan_list(company=company)
    own = CustomerDunning.objects.filter(
        company=company, customer_id=customer_id
    ).first()
    default = next((plan for plan in plans if plan.is_default), None)
    following = (own.plan_id if own and own.plan_id else None) or (
        default.pk if default else None
    )
    return {"default": default, "plans": plans, "own": own, "following": following}


def rule_steps(steps: list[DunningStep]) -> list[rules.Step]:
    return [rules.Step(trigger=rules.Trigger(s.trigger), days=s.days) for s in steps]


def invoice_facts(invoice: Invoice, rhythm: Rhythm | None = None) -> rules.InvoiceFacts:
    """The rules' view of an invoice; with its customer's `rhythm`, the
    customer's last reminder and own gap count too (one customer, one
    rhythm)."""
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
        customer_last_reminder_on=rhythm.last_reminder_on if rhythm else None,
        min_gap_days=rhythm.min_gap_days if rhythm else None,
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
