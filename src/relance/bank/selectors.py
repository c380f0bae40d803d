"""Reads of the « Banque » page: a fixed number of queries."""

from dataclasses import dataclass

from django.db.models import Prefetch

from relance.bank.models import IbanLink, Match, StatementImport, Transaction
from relance.core.models import Company

SHOWN = 100  # suggestions or unmatched credits listed at most


@dataclass
class BankPage:
    imports: list[StatementImport]
    suggestions: list[Transaction]
    unmatched: list[Transaction]
    unmatched_count: int
    links: list[IbanLink]


def bank_page(*, company: Company) -> BankPage:
    transactions = Transaction.objects.filter(company=company)
    pending = Match.objects.filter(status=Match.Status.SUGGESTED).select_related(
        "invoice__customer"
    )
    suggestions = list(
        transactions.filter(status=Transaction.Status.SUGGESTED)
        .prefetch_related(Prefetch("matches", queryset=pending, to_attr="pending"))
        .order_by("-booked_on", "-id")[:SHOWN]
    )
    unmatched = transactions.filter(status=Transaction.Status.UNMATCHED)
    return BankPage(
        imports=list(StatementImport.objects.filter(company=company)[:10]),
        suggestions=suggestions,
        unmatched=list(unmatched.order_by("-booked_on", "-id")[:SHOWN]),
        unmatched_count=unmatched.count(),
        links=list(
            IbanLink.objects.filter(company=company)
            .select_related("customer")
            .order_by("customer__name", "iban")
        ),
    )
