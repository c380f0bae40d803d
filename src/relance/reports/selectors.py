"""The cockpit's reads, set-based: one GROUP BY per figure, whatever the
number of invoices. Each is held to its pure reference (aging.py) by a
property test."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When

from relance.core.models import Company
from relance.invoices.models import Invoice, PauseKind, Payment
from relance.reports.aging import KEYS, Line, due_ranges, total_of

SORTS = ("total", "code", "name", *KEYS)
# Customers whose invoices a balance can be narrowed to.
FILTERS = ("paused", "disputed")


@dataclass(frozen=True)
class CustomerLine:
    pk: int
    code: str
    name: str
    line: Line

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, **self.line.as_dict()}


@dataclass(frozen=True)
class AgedBalance:
    on: date
    currency: str
    customers: list[CustomerLine]

    @property
    def total(self) -> Line:
        return total_of(c.line for c in self.customers)

    def as_dict(self) -> dict:
        return {
            "date": self.on.isoformat(),
            "currency": self.currency,
            "total": self.total.as_dict(),
            "customers": [c.as_dict() for c in self.customers],
        }


def _bucket_sums(due: str, amount, on: date) -> dict:
    """SUM(CASE …) per bucket of the invoice's due date `due`, of `amount`."""
    sums = {}
    for key, (first, last) in due_ranges(on).items():
        condition = Q()
        if first is not None:
            condition &= Q(**{f"{due}__gte": first})
        if last is not None:
            condition &= Q(**{f"{due}__lte": last})
        sums[f"b_{key}"] = Sum(
            Case(
                When(condition, then=amount),
                default=Value(Decimal(0)),
                output_field=DecimalField(max_digits=16, decimal_places=2),
            )
        )
    return sums


def _scope(prefix: str, *, company, on, currency, filters) -> Q:
    """The invoices a balance covers, seen from `prefix` ("" on invoices,
    "invoice__" on their payments)."""

    def q(**lookups) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    scope = q(company=company, issue_date__lte=on, currency=currency)
    if "disputed" in filters:
        scope &= q(pause_kind=PauseKind.DISPUTE, paused_until__gte=on)
    if "paused" in filters:
        scope &= q(customer__paused_until__gte=on) | (
            q(paused_until__gte=on) & ~q(pause_kind=PauseKind.DISPUTE)
        )
    return scope


def aged_balance(
    *,
    company: Company,
    on: date,
    filters: tuple[str, ...] = (),
    sort: str = "total",
    descending: bool = True,
    currency: str = "EUR",
) -> AgedBalance:
    """The amounts each customer owed on `on`, by bucket of days late.

    Two GROUP BYs: the amounts due now of the invoices issued by then, and
    the payments dated after `on` on those invoices (owed on that day too);
    two more for credit notes, negative, in the bucket of their date: what
    is left to allocate of them now, and their allocations dated after `on`.
    `filters`: "paused" (the customer's dunning is paused, or the invoice's,
    but not for a dispute), "disputed" (invoices in dispute). Amounts of one
    currency only: they do not add up across currencies."""
    scope = {"company": company, "on": on, "currency": currency, "filters": filters}
    fields = ("customer_id", "customer__code", "customer__name")
    due_now = (
        Invoice.objects.filter(
            _scope("", **scope), status=Invoice.Status.OPEN, amount_due__gt=0
        )
        .values(*fields)
        .annotate(**_bucket_sums("due_date", "amount_due", on))
        .order_by()
    )
    paid_later = (
        Payment.objects.filter(
            _scope("invoice__", **scope),
            company=company,
            date__gt=on,
            cancelled_at__isnull=True,
            invoice__status__in=[Invoice.Status.OPEN, Invoice.Status.PAID],
        )
        .values(*(f"invoice__{f}" for f in fields))
        .annotate(**_bucket_sums("invoice__due_date", "amount", on))
        .order_by()
    )
    credit_now = (
        Invoice.objects.filter(
            _scope("", **scope),
            kind=Invoice.Kind.CREDIT_NOTE,
            status__in=[Invoice.Status.OPEN, Invoice.Status.PAID],
            credit_left__gt=0,
        )
        .values(*fields)
        .annotate(**_bucket_sums("issue_date", -F("credit_left"), on))
        .order_by()
    )
    allocated_later = (
        Payment.objects.filter(
            _scope("credit_note__", **scope),
            company=company,
            date__gt=on,
            cancelled_at__isnull=True,
            credit_note__status__in=[Invoice.Status.OPEN, Invoice.Status.PAID],
        )
        .values(*(f"credit_note__{f}" for f in fields))
        .annotate(**_bucket_sums("credit_note__issue_date", -F("amount"), on))
        .order_by()
    )
    queries = [(due_now, ""), (credit_now, "")]
    # Most balances are today's: no payment dated later, no more GROUP BYs.
    if Payment.objects.filter(company=company, date__gt=on).exists():
        queries.append((paid_later, "invoice__"))
        queries.append((allocated_later, "credit_note__"))
    lines: dict[int, CustomerLine] = {}
    for rows, prefix in queries:
        for row in rows:
            pk = row[f"{prefix}customer_id"]
            if pk not in lines:
                lines[pk] = CustomerLine(
                    pk,
                    row[f"{prefix}customer__code"],
                    row[f"{prefix}customer__name"],
                    Line(),
                )
            for key in KEYS:
                lines[pk].line.add(key, row[f"b_{key}"] or Decimal(0))
    customers = [c for c in lines.values() if any(c.line.amounts.values())]
    customers.sort(key=_sort_key(sort), reverse=descending)
    return AgedBalance(on, currency, customers)


def _sort_key(sort: str):
    if sort == "code":
        return lambda c: c.code.casefold()
    if sort == "name":
        return lambda c: c.name.casefold()
    if sort in KEYS:
        return lambda c: (c.line.amounts[sort], c.line.total)
    return lambda c: c.line.total
