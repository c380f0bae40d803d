"""The dunning state stored on invoices: the « à relancer » tag, the next step
and its planned date. Computed by `rules.verdict`, written here only."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from relance.core.models import Company
from relance.dunning import rules
from relance.dunning.selectors import rule_steps, step_list_active
from relance.invoices.models import Invoice

CHUNK = 2000
STATE_FIELDS = ["to_remind", "next_level", "next_reminder_on"]
# The id, then the fields of rules.InvoiceFacts in their order, then the state.
_READ = (
    "id",
    "status",
    "amount_due",
    "issue_date",
    "due_date",
    "dunning_level",
    "last_reminder_on",
    "paused_until",
    "customer__paused_until",
    "einvoice_status",
    "to_remind",
    "next_level",
    "next_reminder_on",
)


@dataclass(frozen=True)
class RefreshResult:
    date: date
    tagged: int
    untagged: int
    to_remind: int


def state_of(verdict: rules.Verdict) -> tuple[bool, int | None, date | None]:
    return verdict.due, verdict.next_level, verdict.planned_on


def invoices_refresh(
    *, company: Company, today: date, invoice_ids: list[int] | None = None
) -> RefreshResult:
    """Recompute the stored dunning state of the company's invoices for `today`.

    Every open invoice, and every other one still carrying a state, is looked
    at (or only `invoice_ids`); only rows whose state changes are written.
    Rows are read and written chunk by chunk, each chunk locked in its own
    transaction, so a reminder sent meanwhile is never overwritten by a stale
    reading.
    """
    steps = rule_steps(step_list_active(company=company))
    candidates = Invoice.objects.filter(company=company)
    if invoice_ids is not None:
        candidates = candidates.filter(pk__in=invoice_ids)
    else:
        candidates = candidates.filter(
            Q(status=Invoice.Status.OPEN)
            | Q(to_remind=True)
            | Q(next_level__isnull=False)
            | Q(next_reminder_on__isnull=False)
        )
    tagged = untagged = to_remind = 0
    last_id = 0
    while True:
        with transaction.atomic():
            rows = list(
                candidates.filter(pk__gt=last_id)
                .order_by("pk")
                .select_for_update(of=("self",))
                .values_list(*_READ)[:CHUNK]
            )
            if not rows:
                break
            last_id = rows[-1][0]
            changed = []
            for pk, *facts, was_tagged, next_level, next_on in rows:
                verdict = rules.verdict(
                    rules.InvoiceFacts(*facts), steps, today, company.min_gap_days
                )
                new = state_of(verdict)
                to_remind += new[0]
                if new != (was_tagged, next_level, next_on):
                    tagged += new[0] and not was_tagged
                    untagged += was_tagged and not new[0]
                    changed.append(
                        Invoice(
                            pk=pk,
                            to_remind=new[0],
                            next_level=new[1],
                            next_reminder_on=new[2],
                        )
                    )
            Invoice.objects.bulk_update(changed, STATE_FIELDS, batch_size=500)
    return RefreshResult(today, tagged, untagged, to_remind)
