"""Issue 19 §2: every indicator's SQL (reports/indicator_queries.py) gives
what its pure reference (reports/indicators.py) gives, on random invoices,
credit notes, payments, allocations, promises and reminders."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.dunning.models import PauseRecord, Reminder, ReminderInvoice
from relance.invoices.models import Customer, Invoice, PauseKind, Payment
from relance.reports import indicator_queries as sql
from relance.reports import indicators as ref
from tests.factories import make_company, make_steps

ON = date(2026, 3, 31)

far = st.integers(min_value=-420, max_value=30)
doc = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 2),
        "kind": st.sampled_from(["invoice"] * 4 + ["credit_note"]),
        "status": st.sampled_from(["open"] * 3 + ["paid"] * 3 + ["cancelled", "draft"]),
        "issue": far,
        "term": st.sampled_from([0, 1, 30, 45, 60]),
        "total": st.sampled_from(
            [Decimal("100.00"), Decimal("0.01"), Decimal("999.99")]
        ),
        "payments": st.lists(
            st.tuples(
                st.integers(0, 120),  # days after the issue date
                st.sampled_from(["0.01", "10.00", "50.00"]),
                st.booleans(),  # cancelled
            ),
            max_size=3,
        ),
        # Promises recorded by pauses: (set, days after the issue date; hour;
        # promised, days after being set; lifted, days after being set or
        # none; kind — a dispute counts for nothing).
        "promises": st.lists(
            st.tuples(
                st.integers(-5, 90),
                st.integers(0, 23),
                st.integers(0, 60),
                st.none() | st.integers(0, 70),
                st.sampled_from([PauseKind.PROMISE] * 4 + [PauseKind.DISPUTE]),
            ),
            max_size=2,
        ),
        "reminders": st.lists(
            st.tuples(st.integers(1, 4), st.integers(0, 100), st.integers(0, 23)),
            max_size=2,
        ),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(doc, min_size=1, max_size=10), shift=st.integers(-60, 60))
def test_the_sql_indicators_are_the_reference_indicators(specs, shift):
    on = ON + timedelta(days=shift)
    with transaction.atomic():
        company, docs, sent, promised = history_made(specs)
        scope = {"company": company, "on": on}
        trend, owed = sql.overdue_trend(**scope)
        assert trend == {day: ref.overdue(docs, day) for day in ref.trend_dates(on)}
        assert owed == ref.receivables(docs, on)
        assert sql.dso(**scope, owed=owed) == ref.dso(docs, on)
        assert {c.pk: c.times for c in sql.days_to_pay(**scope)} == ref.days_to_pay(
            docs, on
        )
        assert sql.step_yields(**scope) == ref.step_yields(docs, sent, on)
        assert sql.promises(**scope) == ref.promises(docs, promised, on)
        assert [
            (p.customer.pk, p.overdue, p.days_late) for p in sql.late_payers(**scope)
        ] == [(p.customer, p.overdue, p.days_late) for p in ref.late_payers(docs, on)]
        transaction.set_rollback(True)


def history_made(specs: list[dict]):
    """A company with the invoices, credit notes, payments, allocations,
    promises and reminders of `specs` (drawn by `doc`), and the reference's
    view of them: (company, docs, sent, promised)."""
    company = make_company()
    step = make_steps(company)[0]
    customers = [
        Customer.objects.create(company=company, code=f"C{n}", name=f"C{n}")
        for n in range(3)
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
    docs, sent, promised = [], [], []
    for n, spec in enumerate(specs):
        issue = ON + timedelta(days=spec["issue"])
        customer = customers[spec["customer"]]
        paid = [
            (issue + timedelta(days=d), Decimal(a), cancelled)
            for d, a, cancelled in spec["payments"]
        ]
        live = tuple((d, a) for d, a, c in paid if not c)
        total = spec["total"] + sum((a for _d, a in live), Decimal(0))
        left = Decimal(0) if spec["status"] == "paid" else spec["total"]
        credit = spec["kind"] == "credit_note"
        due = issue if credit else issue + timedelta(days=spec["term"])
        row = Invoice.objects.create(
            company=company,
            customer=customer,
            number=f"F{n}",
            kind=spec["kind"],
            issue_date=issue,
            due_date=due,
            total=total,
            amount_due=Decimal(0) if credit else left,
            credit_left=left if credit else Decimal(0),
            status=spec["status"],
        )
        for day, amount, cancelled in paid:
            Payment.objects.create(
                company=company,
                invoice=sinks[spec["customer"]] if credit else row,
                credit_note=row if credit else None,
                method="credit_note" if credit else "transfer",
                date=day,
                amount=amount,
                cancelled_at="2026-01-01T00:00Z" if cancelled else None,
            )
        docs.append(
            ref.Doc(
                pk=row.pk,
                customer=customer.pk,
                issue_date=issue,
                due_date=due,
                total=total,
                left=left,
                counts=spec["status"] in ("open", "paid"),
                paid=spec["status"] == "paid",
                credit_note=credit,
                payments=live,
            )
        )
        for after, hour, until, lifted, kind in spec["promises"]:
            set_on = issue + timedelta(days=after)
            set_at = datetime.combine(set_on, time(hour), UTC)
            lifted_at = None if lifted is None else set_at + timedelta(days=lifted)
            PauseRecord.objects.create(
                company=company,
                customer=customer,
                invoice=row,
                kind=kind,
                until=set_at.date() + timedelta(days=until),
                set_at=set_at,
                lifted_at=lifted_at,
            )
            if kind == PauseKind.PROMISE:
                promised.append(
                    ref.Promise(
                        row.pk,
                        set_at.date(),
                        set_at.date() + timedelta(days=until),
                        lifted_at and lifted_at.date(),
                    )
                )
        if credit:
            continue
        for level, after, hour in spec["reminders"]:
            day = due + timedelta(days=after)
            reminder = Reminder.objects.create(
                company=company,
                customer=customer,
                step=step,
                status="sent",
                sent_at=datetime.combine(day, time(hour, 30), UTC),
            )
            ReminderInvoice.objects.create(
                company=company,
                reminder=reminder,
                invoice=row,
                level=level,
                amount_due=spec["total"],
                holds_level=False,
            )
            sent.append(ref.Sent(row.pk, level, day, spec["total"]))
            # A failed reminder and a line taken out count for nothing.
            failed = Reminder.objects.create(
                company=company, customer=customer, step=step, status="failed"
            )
            ReminderInvoice.objects.create(
                company=company,
                reminder=failed,
                invoice=row,
                level=level,
                amount_due=spec["total"],
                holds_level=False,
            )
            ReminderInvoice.objects.create(
                company=company,
                reminder=reminder,
                invoice=row,
                level=level + 1,
                amount_due=spec["total"],
                holds_level=False,
                dropped="Payée entre-temps",
            )
    return company, docs, sent, promised
