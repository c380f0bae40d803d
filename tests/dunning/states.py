"""The dunning state as stored and as `dunning/rules.py` gives it, for the
tests that hold the SQL to the rules (test_state_sql.py,
test_daily_incremental.py): steps from drawn tuples, then both states, per
invoice, compared in one assertion."""

from datetime import date

from relance.core.models import Company
from relance.dunning import rules
from relance.dunning.models import DunningStep
from relance.dunning.selectors import invoice_facts, rule_steps, step_list_active
from relance.dunning.services.state import state_of
from relance.invoices.models import Invoice


def steps_add(company: Company, steps: list[tuple[str, int, bool]]) -> None:
    """The company's steps from (trigger, days, active), in order."""
    for order, (trigger, days, active) in enumerate(steps, start=1):
        DunningStep.objects.create(
            company=company,
            order=order,
            name=f"S{order}",
            trigger=trigger,
            days=days,
            active=active,
        )


def states_stored(company: Company) -> dict[int, tuple]:
    """Each invoice's stored state: (tag, next level, next date)."""
    return {
        pk: (tag, level, on)
        for pk, tag, level, on in Invoice.objects.filter(company=company).values_list(
            "pk", "to_remind", "next_level", "next_reminder_on"
        )
    }


def states_by_rules(company: Company, today: date, gap: int) -> dict[int, tuple]:
    """Each invoice's state as the rules give it for `today` and the gap."""
    rule = rule_steps(step_list_active(company=company))
    return {
        row.pk: state_of(rules.verdict(invoice_facts(row), rule, today, gap))
        for row in Invoice.objects.filter(company=company).select_related("customer")
    }
