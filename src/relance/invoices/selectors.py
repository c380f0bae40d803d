"""Reads on invoices and customers."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum

from relance.core.models import Company
from relance.invoices.models import Customer, Invoice, PauseKind

SORTS = {
    "number": "number",
    "customer": "customer__name",
    "issue_date": "issue_date",
    "due_date": "due_date",
    "days_late": "-due_date",  # the older the due date, the later
    "total": "total",
    "amount_due": "amount_due",
    "status": "status",
    "level": "dunning_level",
    "next": "next_reminder_on",
}
# The orders DunningIndex keeps in an index of the invoices « à relancer ».
TAGGED_ORDERS = ("issue_date", "due_date")
FILTERS = (
    "to_remind",
    "late",
    "open",
    "paused",
    "barred_soon",
    "invoices",
    "credit_notes",
    "paid",
    "promised",
)


@dataclass
class InvoiceQuery:
    """What the invoice list shows: search, filters and order."""

    search: str = ""
    filters: list[str] = field(default_factory=list)
    level: int | None = None
    customer: int | None = None
    sort: str = "-issue_date"
    # For « barred_soon »: per customer kind, the due dates (first, last) of
    # the invoices time-barred within a few months (law/limitation.py).
    barred_by: dict[str, tuple[date, date]] = field(default_factory=dict)
    # A bucket of the aged balance: due dates between, issued by.
    due_from: date | None = None
    due_to: date | None = None
    issued_to: date | None = None
    # The cockpit's indicators: issued from, reminded (sent) at a level.
    issued_from: date | None = None
    reminded: int | None = None


def contract_penalty_rate(*, customer: Customer, company: Company):
    """The penalty rate agreed by contract: the customer's own, else the
    company's terms of sale; None when neither sets one (the law's applies:
    ECB + 10 points, law/penalties.py)."""
    if customer.agreed_penalty_rate is not None:
        return customer.agreed_penalty_rate
    return company.penalty_rate


def invoice_list(
    *, company: Company, to_remind: bool | None = None
) -> QuerySet[Invoice]:
    invoices = Invoice.objects.filter(company=company).select_related("customer")
    if to_remind is not None:
        invoices = invoices.filter(to_remind=to_remind)
    return invoices.order_by("due_date", "number")


def invoice_search(
    *, company: Company, query: InvoiceQuery, today: date
) -> QuerySet[Invoice]:
    invoices = Invoice.objects.filter(company=company)
    if query.search:
        words = query.search.strip()
        invoices = invoices.filter(
            Q(number__icontains=words)
            | Q(customer__name__icontains=words)
            | Q(customer__code__icontains=words)
        )
    tagged = "to_remind" in query.filters
    if tagged:  # read from DunningIndex's partial indexes (ADR 19)
        invoices = invoices.filter(
            dunning_index__company_id=company.pk, dunning_index__to_remind=True
        )
    if "open" in query.filters:
        invoices = invoices.filter(status=Invoice.Status.OPEN)
    if "late" in query.filters:
        invoices = invoices.filter(
            status=Invoice.Status.OPEN, due_date__lt=today, amount_due__gt=0
        )
    if "paused" in query.filters:
        invoices = invoices.filter(
            Q(paused_until__gte=today) | Q(customer__paused_until__gte=today),
            status=Invoice.Status.OPEN,
        )
    if "barred_soon" in query.filters:
        soon = Q(pk__in=[])
        for kind, (first, last) in query.barred_by.items():
            soon |= Q(customer__kind=kind, due_date__range=(first, last))
        invoices = invoices.filter(soon, status=Invoice.Status.OPEN, amount_due__gt=0)
    if "invoices" in query.filters:
        invoices = invoices.filter(kind=Invoice.Kind.INVOICE)
    if "credit_notes" in query.filters:
        invoices = invoices.filter(kind=Invoice.Kind.CREDIT_NOTE)
    if "paid" in query.filters:
        invoices = invoices.filter(status=Invoice.Status.PAID)
    if "promised" in query.filters:
        invoices = invoices.filter(
            pause_kind=PauseKind.PROMISE, paused_until__isnull=False
        )
    if query.reminded is not None:
        # Sent reminders' lines at that level, not taken out (the dunning
        # app's tables, reached through their relation: no import upward).
        invoices = invoices.filter(
            pk__in=Invoice.objects.filter(
                company=company,
                reminder_lines__level=query.reminded,
                reminder_lines__dropped="",
                reminder_lines__reminder__status="sent",
            ).values("pk")
        )
    if query.issued_from is not None:
        invoices = invoices.filter(issue_date__gte=query.issued_from)
    if query.level is not None:
        invoices = invoices.filter(dunning_level=query.level)
    if query.customer is not None:
        invoices = invoices.filter(customer_id=query.customer)
    if query.due_from is not None:
        invoices = invoices.filter(due_date__gte=query.due_from)
    if query.due_to is not None:
        invoices = invoices.filter(due_date__lte=query.due_to)
    if query.issued_to is not None:
        invoices = invoices.filter(issue_date__lte=query.issued_to)
    key = query.sort.lstrip("-")
    order = SORTS.get(key, "issue_date")
    descending = query.sort.startswith("-")
    if order.startswith("-"):
        order, descending = order[1:], not descending
    prefix = "-" if descending else ""
    if tagged and order in TAGGED_ORDERS:  # the dates as that index holds them
        order = f"dunning_index__{order}"
    return invoices.select_related("customer").order_by(
        f"{prefix}{order}", f"{prefix}id"
    )


def count_capped(queryset: QuerySet, cap: int = 10_000) -> tuple[int, bool]:
    """How many rows, counting at most `cap` + 1: (count, more than cap)."""
    count = queryset.order_by().values("pk")[: cap + 1].count()
    return min(count, cap), count > cap


@dataclass(frozen=True)
class Receivables:
    count: int
    amount: object


def receivables(invoices: QuerySet[Invoice]) -> Receivables:
    totals = invoices.aggregate(count=Count("pk"), amount=Sum("amount_due"))
    return Receivables(totals["count"], totals["amount"] or 0)


def customer_search(*, company: Company, search: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.filter(company=company)
    if search:
        customers = customers.filter(
            Q(name__icontains=search)
            | Q(code__icontains=search)
            | Q(email__icontains=search)
        )
    return customers.annotate(
        open_count=Count(
            "invoices",
            filter=Q(
                invoices__status=Invoice.Status.OPEN,
                invoices__kind=Invoice.Kind.INVOICE,
            ),
        ),
        open_due=Sum(
            "invoices__amount_due", filter=Q(invoices__status=Invoice.Status.OPEN)
        ),
    ).order_by("name", "id")


def credit_notes_to_allocate(*, customer: Customer) -> QuerySet[Invoice]:
    """The customer's credit notes with something left to allocate, oldest
    first."""
    return Invoice.objects.filter(
        company_id=customer.company_id,
        customer=customer,
        kind=Invoice.Kind.CREDIT_NOTE,
        status=Invoice.Status.OPEN,
        credit_left__gt=0,
    ).order_by("issue_date", "number")


def customer_open_invoices(*, customer: Customer) -> QuerySet[Invoice]:
    """The customer's open invoices with something still due, oldest due
    first: those a credit note can be allocated to, those its private page
    lists and its answers may name (ADR 18)."""
    return Invoice.objects.filter(
        company_id=customer.company_id,
        customer=customer,
        kind=Invoice.Kind.INVOICE,
        status=Invoice.Status.OPEN,
        amount_due__gt=0,
    ).order_by("due_date", "number", "pk")
