"""What the tests of the stored dunning state share (`test_state_sql.py`,
`test_daily_incremental.py`): an invoice made from a drawn spec, the state
stored on its row, and the state `rules.py` gives it."""

from datetime import date, timedelta
from decimal import Decimal

from relance.dunning import rules
from relance.dunning.selectors import Rhythm, invoice_facts
from relance.dunning.services.state import state_of
from relance.invoices.models import Customer, Invoice


def invoice_from_spec(company, customer: Customer, number: str, spec: dict) -> Invoice:
    """An invoice of 100.00 as `spec` draws it; a credit note is never dunned
    and has nothing due. `old_*`: whatever an earlier run left."""
    total = Decimal("100.00")
    credit = spec["kind"] == "credit_note"
    return Invoice.objects.create(
        company=company,
        customer=customer,
        number=number,
        issue_date=spec["issue"],
        due_date=spec["issue"] + timedelta(days=spec["term"]),
        total=total,
        kind=spec["kind"],
        amount_due=Decimal(0) if credit else total * spec["due_share"],
        credit_left=total * spec["due_share"] if credit else Decimal(0),
        status=spec["status"],
        dunning_level=spec["level"],
        last_reminder_on=spec["last"],
        paused_until=spec["paused"],
        einvoice_status=spec["einvoice"],
        to_remind=spec.get("old_tag", False),
        next_level=spec.get("old_next"),
        next_reminder_on=spec.get("old_date"),
    )


def state_stored(invoice: Invoice) -> tuple:
    return invoice.to_remind, invoice.next_level, invoice.next_reminder_on


def state_expected(
    invoice: Invoice,
    steps: list[rules.Step],
    today: date,
    gap: int,
    rhythm: Rhythm | None = None,
) -> tuple:
    """(tag, next level, next date) as `rules.verdict` gives them."""
    return state_of(rules.verdict(invoice_facts(invoice, rhythm), steps, today, gap))
