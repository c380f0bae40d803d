"""Issue 19 §1: « Balance âgée », what each customer owed at a date, by
bucket of days late; its SQL held to the pure reference (reports/aging.py)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.invoices.models import Customer, Invoice, Payment
from relance.reports.aged_snapshot import aged_snapshot_build
from relance.reports.aging import Owed, bucket_of, total_of
from relance.reports.aging import aged_balance as reference
from relance.reports.selectors import SORTS, aged_balance
from tests.factories import make_company, make_customer, make_invoice, pay

ON = date(2026, 3, 31)
NOW = datetime(2026, 3, 31, 6, tzinfo=UTC)

# Both customers of the examples here and in test_aged_balance_ways.py, on ON.
EXPECTED = {
    "date": "2026-03-31",
    "currency": "EUR",
    "total": {
        "not_due": "250.00",
        "1_30": "1000.00",
        "31_60": "0.00",
        "61_90": "0.00",
        "over_90": "300.00",
        "total": "1550.00",
    },
    "customers": [
        {
            "code": "411GAR",
            "name": "Garage Dupuis",
            "not_due": "0.00",
            "1_30": "1000.00",
            "31_60": "0.00",
            "61_90": "0.00",
            "over_90": "300.00",
            "total": "1300.00",
        },
        {
            "code": "411BOU",
            "name": "Boulangerie Martin",
            "not_due": "250.00",
            "1_30": "0.00",
            "31_60": "0.00",
            "61_90": "0.00",
            "over_90": "0.00",
            "total": "250.00",
        },
    ],
}


@pytest.mark.parametrize(
    "due, bucket",
    [
        (date(2026, 4, 1), "not_due"),
        (date(2026, 3, 31), "not_due"),  # due that day: not late yet
        (date(2026, 3, 30), "1_30"),
        (date(2026, 3, 1), "1_30"),  # 30 days late
        (date(2026, 2, 28), "31_60"),
        (date(2026, 1, 30), "31_60"),  # 60
        (date(2026, 1, 29), "61_90"),
        (date(2025, 12, 31), "61_90"),  # 90
        (date(2025, 12, 30), "over_90"),
    ],
)
def test_days_late_count_from_the_day_after_the_due_date(due, bucket):
    assert bucket_of(due, ON) == bucket


@pytest.mark.django_db
def test_each_customer_owes_by_bucket_at_the_date_with_later_payments_added_back():
    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    bakery = make_customer(company, code="411BOU", name="Boulangerie Martin")
    make_invoice(
        garage,
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 3, 15),
        total=Decimal("1000.00"),
    )
    late = make_invoice(
        garage,
        issue_date=date(2025, 11, 1),
        due_date=date(2025, 12, 1),
        total=Decimal("500.00"),
    )
    pay(late, on=date(2026, 2, 1), amount="200.00")  # before: owed 300
    later = make_invoice(
        bakery,
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 4, 30),
        total=Decimal("250.00"),
    )
    pay(later, on=date(2026, 4, 10), amount="250.00")  # after: still owed then
    make_invoice(
        bakery,
        issue_date=date(2026, 4, 2),
        due_date=date(2026, 5, 2),
        total=Decimal("999.00"),
    )  # issued after the date
    make_invoice(
        bakery,
        issue_date=date(2026, 1, 2),
        due_date=date(2026, 2, 2),
        total=Decimal("80.00"),
        status=Invoice.Status.CANCELLED,
    )
    balance = aged_balance(company=company, on=ON)
    assert balance.as_dict() == EXPECTED
    # A cancelled payment owes nothing back; another company's invoices are
    # not counted.
    Payment.objects.filter(invoice=later).update(cancelled_at="2026-04-11T00:00Z")
    other = make_customer(make_company(), code="411GAR")
    make_invoice(other, issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
    [bakery_line] = [
        c for c in aged_balance(company=company, on=ON).customers if c.code == "411BOU"
    ] or [None]
    assert bakery_line is None  # the invoice is marked paid, nothing paid after


near = st.integers(min_value=-100, max_value=100)
invoice = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 3),
        "kind": st.sampled_from(["invoice"] * 3 + ["credit_note"]),
        "status": st.sampled_from(["open"] * 5 + ["paid", "cancelled", "draft"]),
        "issue": near,
        "term": st.sampled_from([0, 1, 29, 30, 31, 60, 61, 90, 91, 120]),
        "total": st.sampled_from(
            [Decimal("100.00"), Decimal("0.01"), Decimal("999.99")]
        ),
        "payments": st.lists(
            st.tuples(near, st.sampled_from(["0.01", "10.00", "50.00"]), st.booleans()),
            max_size=3,
        ),
    }
)


def sort_key(sort: str, code: str, line):
    """The order a balance's customers are listed in, as users choose it."""
    if sort == "code":
        return code.lower()
    if sort == "name":
        return code.lower()  # the property test's names are their codes
    if sort == "total":
        return line.total
    return (line.amounts[sort], line.total)


@pytest.mark.django_db
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    invoices=st.lists(invoice, min_size=1, max_size=10),
    shift=near,
    sort=st.sampled_from(SORTS),
    descending=st.booleans(),
    page=st.tuples(st.integers(1, 3), st.integers(0, 4)),
    snapshot_at=st.none() | st.integers(0, 10),
    kept=st.sampled_from(["today", "past", "between"]),
    gaps=st.tuples(st.integers(1, 45), st.integers(1, 45)),
    edits=st.lists(
        st.tuples(st.integers(0, 9), st.sampled_from(["cancel", "unpay", "move"])),
        max_size=3,
    ),
)
def test_the_sql_balance_is_the_reference_balance(
    invoices, shift, sort, descending, page, snapshot_at, kept, gaps, edits
):
    """All customers, and one page of them sorted: lines, order, total and
    count as the reference's. With a snapshot built for the date after some
    of the invoices (`snapshot_at`), the rest created after it and `edits`
    written after it by queryset updates (an invoice cancelled, its payments
    cancelled, moved to another customer): still the reference's. `kept`:
    the date's snapshot is today's, or a past day's (a month end's) of a
    build made later, beside that later today's; or ("between") the date
    is kept by no snapshot, but lies between two kept days `gaps` days
    away, and is read from the nearest one and the changes between."""
    on = ON + timedelta(days=shift)

    def build():
        later, earlier = (on + timedelta(days=gap) for gap in (gaps[0], -gaps[1]))
        if kept == "past":
            aged_snapshot_build(company=company, on=later, now=NOW, past=[on])
        elif kept == "between":
            aged_snapshot_build(company=company, on=later, now=NOW, past=[earlier])
        else:
            aged_snapshot_build(company=company, on=on, now=NOW)

    with transaction.atomic():
        company = make_company()
        customers = [
            Customer.objects.create(company=company, code=f"C{n}", name=f"C{n}")
            for n in range(4)
        ]
        # Where credit notes' allocations go: cancelled, so they count nowhere.
        sinks = [
            Invoice.objects.create(
                company=company,
                customer=customer,
                number=f"SINK{customer.pk}",
                issue_date=ON,
                due_date=ON,
                total=Decimal("10000.00"),
                amount_due=Decimal(0),
                status="cancelled",
            )
            for customer in customers
        ]
        owed, made = [], []
        for n, spec in enumerate(invoices):
            if n == snapshot_at:
                build()
            issue = ON + timedelta(days=spec["issue"])
            paid = [
                (ON + timedelta(days=d), Decimal(a), cancelled)
                for d, a, cancelled in spec["payments"]
            ]
            live = sum((a for _d, a, c in paid if not c), Decimal(0))
            total = spec["total"] + live
            due_now = Decimal(0) if spec["status"] == "paid" else spec["total"]
            if spec["kind"] == "credit_note":
                # What is left of it now is due_now; its allocations, paid.
                credit = Invoice.objects.create(
                    company=company,
                    customer=customers[spec["customer"]],
                    number=f"A{n}",
                    kind="credit_note",
                    issue_date=issue,
                    due_date=issue,
                    total=total,
                    amount_due=Decimal(0),
                    credit_left=due_now,
                    status=spec["status"],
                )
                for day, amount, cancelled in paid:
                    Payment.objects.create(
                        company=company,
                        invoice=sinks[spec["customer"]],
                        credit_note=credit,
                        method="credit_note",
                        date=day,
                        amount=amount,
                        cancelled_at="2026-01-01T00:00Z" if cancelled else None,
                    )
                owed.append(
                    Owed(
                        customer=credit.customer_id,
                        issue_date=issue,
                        due_date=issue,
                        amount_due=due_now,
                        counts=spec["status"] in ("open", "paid"),
                        paid_after=sum(
                            (a for d, a, c in paid if d > on and not c), Decimal(0)
                        ),
                        credit_note=True,
                    )
                )
                made.append(credit)
                continue
            invoice = Invoice.objects.create(
                company=company,
                customer=customers[spec["customer"]],
                number=f"F{n}",
                issue_date=issue,
                due_date=issue + timedelta(days=spec["term"]),
                total=total,
                amount_due=due_now,
                status=spec["status"],
            )
            for day, amount, cancelled in paid:
                Payment.objects.create(
                    company=company,
                    invoice=invoice,
                    date=day,
                    amount=amount,
                    cancelled_at="2026-01-01T00:00Z" if cancelled else None,
                )
            owed.append(
                Owed(
                    customer=invoice.customer_id,
                    issue_date=invoice.issue_date,
                    due_date=invoice.due_date,
                    amount_due=due_now,
                    counts=spec["status"] in ("open", "paid"),
                    paid_after=sum(
                        (a for d, a, c in paid if d > on and not c), Decimal(0)
                    ),
                )
            )
            made.append(invoice)
        if snapshot_at is not None and snapshot_at >= len(invoices):
            build()
        for n, edit in edits:
            if n >= len(made):
                continue
            row = Invoice.objects.filter(pk=made[n].pk)
            if edit == "cancel":
                row.update(status="cancelled")
                owed[n] = replace(owed[n], counts=False)
            elif edit == "unpay":
                Payment.objects.filter(
                    Q(invoice=made[n]) | Q(credit_note=made[n])
                ).update(cancelled_at="2026-01-02T00:00Z")
                owed[n] = replace(owed[n], paid_after=Decimal(0))
            else:
                pks = [c.pk for c in customers]
                other = customers[(pks.index(owed[n].customer) + 1) % 4]
                row.update(customer=other)
                owed[n] = replace(owed[n], customer=other.pk)
        lines = reference(owed, on)
        expected = {pk: line.amounts for pk, line in lines.items()}
        balance = aged_balance(company=company, on=on)
        assert {c.pk: c.line.amounts for c in balance.customers} == expected
        assert balance.total.amounts == total_of(lines.values()).amounts
        assert balance.count == len(lines)
        # One page, sorted: ties by code then creation, whatever the way.
        codes = {c.pk: c.code for c in customers}
        order = sorted(lines, key=lambda pk: (codes[pk], pk))
        order.sort(
            key=lambda pk: sort_key(sort, codes[pk], lines[pk]), reverse=descending
        )
        limit, offset = page
        paged = aged_balance(
            company=company,
            on=on,
            sort=sort,
            descending=descending,
            limit=limit,
            offset=offset,
        )
        assert [c.pk for c in paged.customers] == order[offset : offset + limit]
        assert [c.line.amounts for c in paged.customers] == [
            lines[pk].amounts for pk in order[offset : offset + limit]
        ]
        assert (paged.total.amounts, paged.count) == (
            total_of(lines.values()).amounts,
            len(lines),
        )
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_credit_left_to_allocate_is_taken_off_in_the_bucket_of_its_date():
    from relance.dunning.services.payments import credit_allocate
    from tests.factories import make_credit_note

    company = make_company()
    garage = make_customer(company, code="411GAR", name="Garage Dupuis")
    invoice = make_invoice(
        garage,
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 3, 15),
        total=Decimal("1000.00"),
    )
    old = make_credit_note(
        garage, issue_date=date(2026, 1, 10), total=Decimal("300.00")
    )  # 80 days before ON: 61-90
    credit_allocate(
        company=company,
        credit_note=old,
        invoice=invoice,
        amount=Decimal("100.00"),
        today=date(2026, 3, 20),
    )
    new = make_credit_note(garage, issue_date=ON, total=Decimal("50.00"))
    credit_allocate(
        company=company,
        credit_note=new,
        invoice=invoice,
        amount=Decimal("50.00"),
        today=date(2026, 4, 5),
    )  # after ON: the invoice owed it then, and the credit note still had it
    make_credit_note(
        garage, issue_date=date(2026, 1, 5), status=Invoice.Status.CANCELLED
    )
    balance = aged_balance(company=company, on=ON)
    [line] = balance.customers
    assert line.line.as_dict() == {
        "not_due": "-50.00",
        "1_30": "900.00",
        "31_60": "0.00",
        "61_90": "-200.00",
        "over_90": "0.00",
        "total": "650.00",
    }
    # On 05/04, the new credit note is wholly allocated: 200,00 of the old
    # one is left.
    [line] = aged_balance(company=company, on=date(2026, 4, 5)).customers
    assert line.line.as_dict() == {
        "not_due": "0.00",
        "1_30": "850.00",
        "31_60": "0.00",
        "61_90": "-200.00",
        "over_90": "0.00",
        "total": "650.00",
    }
