"""Dunning plans (ADR 21): a company's sets of steps, the one each customer
follows, a customer's own minimum gap, and the suggested moves.

Every change that alters which steps an invoice follows recomputes the
state of the invoices concerned at once, with the daily job's own service
(`state.invoices_refresh`). An invoice's level is kept as it is when its
customer changes plan: a level at or beyond the new plan's last step means
that plan is done for it (nothing more goes automatically); going back to the
former plan finds the invoice where it was.
"""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from relance.core.changes import change_record
from relance.core.errors import ApplicationError
from relance.core.models import ChangeKind, Company
from relance.dunning import rules
from relance.dunning.models import CustomerDunning, DunningPlan, DunningStep
from relance.dunning.selectors import plan_default, plan_list
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice

STANDARD = "Standard"
NAME_MAX = 100


def plan_default_ensure(*, company: Company) -> DunningPlan:
    """The company's default plan, « Standard » made when it has none."""
    plan = plan_default(company=company)
    if plan:
        return plan
    plan, _created = DunningPlan.objects.get_or_create(
        company=company, name=STANDARD, defaults={"is_default": True, "order": 1}
    )
    if not plan.is_default:
        plan.is_default = True
        plan.save(update_fields=["is_default", "updated_at"])
    return plan


def _clean_name(company: Company, name: object, exclude: int | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ApplicationError(_("Un nom est obligatoire."), field="name")
    name = name.strip()
    if len(name) > NAME_MAX:
        raise ApplicationError(_("100 caractères au plus."), field="name")
    taken = DunningPlan.objects.filter(company=company, name__iexact=name)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ApplicationError(
            _("Un plan « %(name)s » existe déjà.") % {"name": name}, field="name"
        )
    return name


def _plan_changed(plan: DunningPlan, by, before: dict, after: dict) -> None:
    """Who changed the plan (`core.changes`)."""
    change_record(
        company=plan.company_id,
        by=by,
        kind=ChangeKind.PLAN,
        subject_id=plan.pk,
        subject_label=plan.name,
        before=before,
        after=after,
    )


def plan_create(*, company: Company, name: str, by=None) -> DunningPlan:
    """A new plan, without steps (« Sans relance automatique » until steps
    are added), last in order."""
    name = _clean_name(company, name)
    plan_default_ensure(company=company)
    last = DunningPlan.objects.filter(company=company).order_by("-order").first()
    try:
        with transaction.atomic():
            plan = DunningPlan.objects.create(
                company=company, name=name, order=(last.order + 1) if last else 1
            )
            _plan_changed(plan, by, {}, {"name": plan.name})
            return plan
    except IntegrityError:
        raise ApplicationError(
            _("Un plan « %(name)s » existe déjà.") % {"name": name}, field="name"
        ) from None


def plan_rename(*, plan: DunningPlan, name: str, by=None) -> DunningPlan:
    before = {"name": plan.name}
    plan.name = _clean_name(plan.company, name, exclude=plan.pk)
    with transaction.atomic():
        plan.save(update_fields=["name", "updated_at"])
        _plan_changed(plan, by, before, {"name": plan.name})
    return plan


def plan_default_set(*, plan: DunningPlan, today: date, by=None) -> DunningPlan:
    """Make `plan` the company's default: every customer without its own plan
    follows it from now on (their invoices recomputed at once)."""
    if not plan.active:
        raise ApplicationError(
            _("Un plan archivé ne peut pas être le plan par défaut.")
        )
    with transaction.atomic():
        was = plan.is_default
        DunningPlan.objects.filter(company_id=plan.company_id, is_default=True).exclude(
            pk=plan.pk
        ).update(is_default=False)
        plan.is_default = True
        plan.save(update_fields=["is_default", "updated_at"])
        _plan_changed(plan, by, {"is_default": was}, {"is_default": True})
        invoices_refresh(company=plan.company, today=today)
    return plan


def plan_delete(*, plan: DunningPlan, by=None) -> bool:
    """Delete a plan and its steps; True when deleted, False when archived
    instead (its steps have reminders in the history, which stay attached).
    Refused while it is the default or some customer follows it."""
    if plan.is_default:
        raise ApplicationError(
            _(
                "« %(name)s » est le plan par défaut : choisissez d'abord un autre "
                "plan par défaut."
            )
            % {"name": plan.name}
        )
    used = CustomerDunning.objects.filter(plan=plan).count()
    if used:
        raise ApplicationError(
            _(
                "Impossible de supprimer « %(name)s » : %(n)s client(s) le suivent. "
                "Choisissez-leur d'abord un autre plan."
            )
            % {"name": plan.name, "n": used}
        )
    with transaction.atomic():
        steps = DunningStep.objects.filter(plan=plan)
        if steps.filter(reminders__isnull=False).exists():
            plan.active = False
            plan.save(update_fields=["active", "updated_at"])
            steps.update(active=False)
            _plan_changed(plan, by, {"active": True}, {"active": False})
            return False
        _plan_changed(plan, by, {"name": plan.name}, {})
        steps.delete()
        plan.delete()
    return True


def _customer_invoice_ids(
    company: Company, customer_ids: list[int], except_reminders: list[int]
) -> list[int]:
    invoices = Invoice.objects.filter(company=company, customer_id__in=customer_ids)
    if except_reminders:
        invoices = invoices.exclude(reminder_lines__reminder_id__in=except_reminders)
    return list(
        invoices.exclude(
            status__in=[Invoice.Status.PAID, Invoice.Status.CANCELLED],
            to_remind=False,
            next_level__isnull=True,
            next_reminder_on__isnull=True,
        ).values_list("pk", flat=True)
    )


def customers_state_refresh(
    *,
    company: Company,
    customer_ids: list[int],
    today: date,
    except_reminders: list[int] | None = None,
) -> None:
    """Recompute the state of these customers' invoices (their plan or gap
    changed, or one of them was just reminded: then the invoices of
    `except_reminders`, whose state was written with their new level, are
    left out). One query when there is nothing to recompute."""
    ids = _customer_invoice_ids(company, customer_ids, except_reminders or [])
    if ids:
        invoices_refresh(company=company, today=today, invoice_ids=ids)


def customer_dunning_set(
    *,
    company: Company,
    customer: Customer,
    today: date,
    plan: DunningPlan | str | None = "keep",
    min_gap_days: int | str | None = "keep",
    by=None,
) -> CustomerDunning:
    """Choose a customer's plan (None: the company's default) and/or its own
    minimum gap (None: the company's); its invoices are recomputed at once.
    Levels are kept (see the module's docstring)."""
    if customer.company_id != company.pk:
        raise ApplicationError(_("Client introuvable."))
    if plan not in ("keep", None) and (
        plan.company_id != company.pk or not plan.active
    ):
        raise ApplicationError(_("Plan de relance introuvable."), field="plan")
    if min_gap_days not in ("keep", None) and (
        isinstance(min_gap_days, bool)
        or not isinstance(min_gap_days, int)
        or not 0 <= min_gap_days <= 365
    ):
        raise ApplicationError(
            _("Écart minimal : un nombre de jours entre 0 et 365 est attendu."),
            field="min_gap_days",
        )
    with transaction.atomic():
        row, _created = CustomerDunning.objects.select_for_update().get_or_create(
            company=company, customer=customer
        )
        changed = []
        before, after = {}, {}
        if plan != "keep" and row.plan_id != (plan.pk if plan else None):
            before["plan"] = row.plan.name if row.plan else ""
            after["plan"] = plan.name if plan else ""
            row.plan = plan
            changed.append("plan")
        if min_gap_days != "keep" and row.min_gap_days != min_gap_days:
            before["min_gap_days"] = row.min_gap_days
            after["min_gap_days"] = min_gap_days
            row.min_gap_days = min_gap_days
            changed.append("min_gap_days")
        if changed:
            row.save(update_fields=[*changed, "updated_at"])
            change_record(
                company=company,
                by=by,
                kind=ChangeKind.CUSTOMER,
                subject_id=customer.pk,
                subject_label=customer.name,
                customer=customer,
                before=before,
                after=after,
            )
            customers_state_refresh(
                company=company, customer_ids=[customer.pk], today=today
            )
    return row


PLANS_READ_TOGETHER = 1000  # customer codes in one query


def customer_plans_import(
    *, company: Company, plans: dict[str, str], today: date, by=None
) -> int:
    """The plans an import names (customer code → the name of one of the
    company's active plans): each customer whose plan changes goes through
    `customer_dunning_set`. Returns how many changed."""
    if not plans:
        return 0
    by_name = {plan.name: plan for plan in plan_list(company=company)}
    codes = list(plans)
    changed = 0
    for start in range(0, len(codes), PLANS_READ_TOGETHER):
        part = codes[start : start + PLANS_READ_TOGETHER]
        customers = Customer.objects.filter(company=company, code__in=part)
        current = dict(
            CustomerDunning.objects.filter(
                company=company, customer__in=customers
            ).values_list("customer_id", "plan_id")
        )
        for customer in customers:
            plan = by_name[plans[customer.code]]
            if current.get(customer.pk) != plan.pk:
                customer_dunning_set(
                    company=company, customer=customer, today=today, plan=plan, by=by
                )
                changed += 1
    return changed


@dataclass(frozen=True)
class PlanSuggestion:
    customer: Customer
    current: DunningPlan | None
    suggested: DunningPlan
    days_late: int


def plan_suggestions(*, company: Company, today: date) -> list[PlanSuggestion]:
    """Customers that `rules.plan_suggestion` would move to another plan
    (three queries). Nothing changes until the user accepts."""
    plans = {plan.pk: plan for plan in plan_list(company=company)}
    by_name = {plan.name: plan for plan in plans.values()}
    if rules.LATE_PAYERS_PLAN not in by_name:
        return []
    default = next((p for p in plans.values() if p.is_default), None)
    oldest = dict(
        Invoice.objects.filter(
            company=company,
            kind=Invoice.Kind.INVOICE,
            status=Invoice.Status.OPEN,
            amount_due__gt=0,
            due_date__lt=today,
        )
        .values("customer_id")
        .annotate(due=Min("due_date"))
        .values_list("customer_id", "due")
    )
    if not oldest:
        return []
    own = dict(
        CustomerDunning.objects.filter(
            company=company, customer_id__in=list(oldest), plan__isnull=False
        ).values_list("customer_id", "plan_id")
    )
    customers = Customer.objects.in_bulk(list(oldest))
    found = []
    for pk, due in oldest.items():
        current = plans.get(own[pk]) if pk in own else default
        late = rules.days_late(due, today)
        name = rules.plan_suggestion(
            late, current.name if current else "", list(by_name)
        )
        if name:
            found.append(PlanSuggestion(customers[pk], current, by_name[name], late))
    return sorted(found, key=lambda s: (-s.days_late, s.customer.name))


def plan_suggestion_accept(
    *, company: Company, customer: Customer, today: date, by=None
) -> DunningPlan | None:
    """Apply the suggestion for one customer, if it still holds."""
    for suggestion in plan_suggestions(company=company, today=today):
        if suggestion.customer.pk == customer.pk:
            customer_dunning_set(
                company=company,
                customer=customer,
                today=today,
                plan=suggestion.suggested,
                by=by,
            )
            return suggestion.suggested
    return None
