"""The daily job computes the dunning state in SQL, for speed. Hypothesis holds
that second writing to `dunning/rules.py` on random invoices, steps and dates:
same tag, same next step, same planned date, on SQLite and PostgreSQL."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.dunning import rules
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice
from tests.dunning.states import states_by_rules, states_stored, steps_add
from tests.factories import make_company

TODAY = date(2026, 3, 1)
# Dates mostly a few days around today, so that boundaries (a step due
# exactly today, the last day of a pause) come up often; sometimes far.
near = st.integers(min_value=-3, max_value=3)
far = st.integers(min_value=-400, max_value=400)
offset = st.one_of(near, near, far)
day = st.builds(lambda n: TODAY + timedelta(days=n), offset)
maybe_day = st.one_of(st.none(), st.none(), day)
step = st.tuples(
    st.sampled_from([t.value for t in rules.Trigger]),
    st.one_of(near, near, st.integers(min_value=-30, max_value=60)),
    st.sampled_from([True, True, True, False]),  # active
)
invoice = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["open"] * 6 + ["paid", "cancelled", "draft"]),
        "kind": st.sampled_from(["invoice"] * 4 + ["credit_note"]),
        "issue": day,
        "term": st.one_of(st.integers(0, 3), st.integers(0, 3), st.integers(0, 90)),
        "due_share": st.sampled_from(
            [Decimal(0), Decimal("0.5"), Decimal(1), Decimal(1)]
        ),
        "level": st.sampled_from([0, 0, 0, 1, 1, 2, 3, 5]),
        "last": maybe_day,
        "paused": maybe_day,
        "customer_paused": maybe_day,
        "einvoice": st.sampled_from(["", "", "205", "207", "210", "212"]),
        # Whatever an earlier run left: the refresh must overwrite it right.
        "old_tag": st.booleans(),
        "old_next": st.none() | st.integers(min_value=1, max_value=5),
        "old_date": maybe_day,
    }
)


@pytest.mark.django_db
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(step, min_size=1, max_size=5) | st.just([]),
    invoices=st.lists(invoice, min_size=1, max_size=12),
    gap=st.one_of(st.integers(0, 3), st.integers(0, 10)),
)
def test_the_sql_state_is_the_state_the_rules_give(steps, invoices, gap):
    today = TODAY
    with transaction.atomic():
        company = make_company(min_gap_days=gap)
        steps_add(company, steps)
        rows = []
        for n, spec in enumerate(invoices):
            customer = Customer.objects.create(
                company=company,
                code=f"C{n}",
                name=f"C{n}",
                paused_until=spec["customer_paused"],
            )
            total = Decimal("100.00")
            credit = spec["kind"] == "credit_note"  # never dunned, nothing due
            rows.append(
                Invoice.objects.create(
                    company=company,
                    customer=customer,
                    number=f"N{n}",
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
                    to_remind=spec["old_tag"],
                    next_level=spec["old_next"],
                    next_reminder_on=spec["old_date"],
                )
            )
        result = invoices_refresh(company=company, today=today)
        expected = states_by_rules(company, today, gap)
        assert set(expected) == {row.pk for row in rows}
        assert states_stored(company) == expected
        assert result.to_remind == sum(due for due, _, _ in expected.values())
        # A second run the same day changes nothing.
        again = invoices_refresh(company=company, today=today)
        assert (again.tagged, again.untagged) == (0, 0)
        transaction.set_rollback(True)
