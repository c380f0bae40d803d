"""The plain data a reminder template sees (see mailing/variables.py)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from relance.core.identifiers import iban_display
from relance.core.models import Company
from relance.core.money import format_amount, format_date
from relance.dunning.models import DunningStep
from relance.dunning.rules import days_late
from relance.invoices.models import Customer, Invoice
from relance.law.penalties import Outcome
from relance.law.selectors import invoices_late_payment


@dataclass(frozen=True)
class Stage:
    """Where one invoice of a message stands: the step it reaches with it."""

    level: int  # 1 for the first step
    name: str


def message_context(
    *,
    company: Company,
    customer: Customer,
    invoices: Sequence[Invoice],
    step: DunningStep,
    today: date,
    stages: Sequence[Stage] | None = None,
    late: Sequence[Outcome] | None = None,
    language: str = "fr",
    portal_url: str = "",
) -> dict:
    """Template data for one message about `invoices` of `customer`.

    `stages`: each invoice's own step, in the order of `invoices`; by default
    each reaches `step` as its next level. A message that merges invoices at
    different steps (« Un seul courriel par client ») is written with the
    highest one's template, which reads each invoice's stage so as to say
    nothing untrue of any. `late`: what the law gives on each invoice today
    (law/penalties.py), computed here when not given. `portal_url`: the
    customer's private page (a new link, made by the delivery; ADR 18).

    Raises law.penalties.RateMissing when a rate it needs is not known.
    """
    currency = invoices[0].currency if invoices else "EUR"
    if stages is None:
        stages = [Stage(invoice.dunning_level + 1, step.name) for invoice in invoices]
    if late is None:
        late = invoices_late_payment(invoices, on=today, company=company)

    def money(amount: Decimal) -> str:
        return format_amount(amount, currency, language)

    def when(value: date) -> str:
        return format_date(value, language)

    items = [
        {
            "number": invoice.number,
            "issue_date": when(invoice.issue_date),
            "due_date": when(invoice.due_date),
            "total": money(invoice.total),
            "amount_due": money(invoice.amount_due),
            "days_late": days_late(invoice.due_date, today),
            "is_overdue": invoice.due_date < today,
            "payment_terms": invoice.payment_terms,
            "step": stage.name,
            "level": stage.level,
            "reminders_before": stage.level - 1,
            "penalties": money(outcome.penalties),
            "indemnity": money(outcome.indemnity),
        }
        for invoice, stage, outcome in zip(invoices, stages, late, strict=True)
    ]
    is_business = customer.kind == Customer.Kind.BUSINESS
    total_due = sum((invoice.amount_due for invoice in invoices), Decimal(0))
    penalties = sum((o.penalties for o in late), Decimal(0))
    indemnity = sum((o.indemnity for o in late), Decimal(0))
    return {
        "customer": {
            "name": customer.name,
            "code": customer.code,
            "is_business": is_business,
        },
        "invoices": items,
        "invoice": items[0] if items else {},
        "invoice_count": len(items),
        "overdue_count": sum(1 for item in items if item["is_overdue"]),
        "total_due": money(total_due),
        # What the law adds (business customers; a consumer is never charged).
        "penalties_total": money(penalties),
        "recovery_indemnity": money(indemnity),
        "total_with_penalties": money(total_due + penalties + indemnity),
        "company": {
            "name": company.name,
            "email": company.reply_to_email or company.sender_email,
            "phone": company.phone,
            "address": " ".join(company.address_lines),
            "iban": iban_display(company.iban),
            "bic": company.bic,
            "siret": company.siret,
        },
        "step": {
            "name": step.name,
            "level": max((stage.level for stage in stages), default=1),
        },
        "mixed_steps": len({stage.level for stage in stages}) > 1,
        "today": when(today),
        "portal_url": portal_url,
    }
