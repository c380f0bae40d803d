"""The daily job computes the dunning state in SQL, for speed. Hypothesis holds
that second writing to `dunning/rules.py` on random invoices, plans, steps,
customers (their plan, their own gap, several invoices each) and dates: same
tag, same next step, same planned date, on SQLite and PostgreSQL."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.dunning import rules
from relance.dunning.models import CustomerDunning, DunningPlan, DunningStep
from relance.dunning.selectors import customer_rhythms, plans_active, rule_steps
from relance.dunning.services.plans import plan_default_ensure
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer
from tests.dunning.states import invoice_from_spec, state_expected, state_stored
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
customer = st.fixed_dictionaries(
    {
        "paused": maybe_day,
        "plan": st.none() | st.integers(min_value=0, max_value=2),
        "gap": st.none() | st.integers(min_value=0, max_value=10),
    }
)
invoice = st.fixed_dictionaries(
    {
        "customer": st.integers(min_value=0, max_value=3),
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
    plans=st.lists(
        st.lists(step, min_size=1, max_size=5) | st.just([]), min_size=1, max_size=3
    ),
    customers=st.lists(customer, min_size=1, max_size=4),
    invoices=st.lists(invoice, min_size=1, max_size=12),
    gap=st.one_of(st.integers(0, 3), st.integers(0, 10)),
)
def test_the_sql_state_is_the_state_the_rules_give(plans, customers, invoices, gap):
    today = TODAY
    with transaction.atomic():
        company = make_company(min_gap_days=gap)
        made = [plan_default_ensure(company=company)]
        made += [
            DunningPlan.objects.create(company=company, name=f"P{n}", order=n + 1)
            for n in range(1, len(plans))
        ]
        for plan, steps in zip(made, plans, strict=True):
            for order, (trigger, offset, active) in enumerate(steps, start=1):
                DunningStep.objects.create(
                    company=company,
                    plan=plan,
                    order=order,
                    name=f"S{order}",
                    trigger=trigger,
                    days=offset,
                    active=active,
                )
        people = []
        for n, spec in enumerate(customers):
            person = Customer.objects.create(
                company=company, code=f"C{n}", name=f"C{n}", paused_until=spec["paused"]
            )
            if spec["plan"] is not None or spec["gap"] is not None:
                CustomerDunning.objects.create(
                    company=company,
                    customer=person,
                    plan=None
                    if spec["plan"] is None
                    else made[spec["plan"] % len(made)],
                    min_gap_days=spec["gap"],
                )
            people.append(person)
        rows = [
            invoice_from_spec(
                company, people[spec["customer"] % len(people)], f"N{n}", spec
            )
            for n, spec in enumerate(invoices)
        ]
        result = invoices_refresh(company=company, today=today)
        active, default = plans_active(company=company)
        rule = {pk: rule_steps(steps) for pk, steps in active.items()}
        rhythms = customer_rhythms(
            company=company,
            customer_ids=[person.pk for person in people],
            default_plan_id=default,
        )
        expected_due = 0
        for row in rows:
            row.refresh_from_db()
            rhythm = rhythms[row.customer_id]
            expected = state_expected(row, rule[rhythm.plan_id], today, gap, rhythm)
            expected_due += expected[0]
            assert state_stored(row) == expected
        assert result.to_remind == expected_due
        # A second run the same day changes nothing.
        again = invoices_refresh(company=company, today=today)
        assert (again.tagged, again.untagged) == (0, 0)
        transaction.set_rollback(True)
