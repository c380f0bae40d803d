"""The daily job looks only at the invoices whose date has come (ADR 19).
Hypothesis holds it to a full recompute, and so to `rules.py`: random
invoices, random day jumps of 1 to 40 days, random writes between the runs
(each recomputing its own rows, as every service does), on SQLite and
PostgreSQL."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relance.core.models import Company
from relance.dunning.models import DailyRun, DunningStep
from relance.dunning.selectors import rule_steps, step_list_active
from relance.dunning.services.daily import daily_runs_now
from relance.dunning.services.plans import plan_default_ensure
from relance.dunning.services.state import company_settings_update, invoices_refresh
from relance.invoices.models import Customer, Invoice
from tests.dunning.states import invoice_from_spec, state_expected
from tests.dunning.test_state_sql import TODAY, invoice, maybe_day, near, step
from tests.factories import make_company, make_customer, make_invoice, make_steps
from tests.threads import held_open, in_thread

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)

# A write between two runs: (kind, which invoice, a number of days, a share of
# the amount, its day: mostly between the runs, sometimes after the next one,
# as an API call dated in the future).
write = st.tuples(
    st.sampled_from(
        [
            "payment",
            "paid",
            "pause",
            "unpause",
            "customer_pause",
            "customer_unpause",
            "reminder",
            "einvoice",
            "new",
            "gap",
        ]
    ),
    st.integers(min_value=0, max_value=50),
    st.one_of(near, st.integers(min_value=-10, max_value=40)),
    st.sampled_from([Decimal("0.5"), Decimal(1)]),
    st.integers(min_value=0, max_value=50),
)
# Mostly invoices in the dunning, so that dates come and go; some of every
# other kind (test_state_sql.py's invoices).
in_dunning = st.fixed_dictionaries(
    {
        "status": st.just("open"),
        "kind": st.just("invoice"),
        "issue": st.builds(
            lambda n: TODAY + timedelta(days=n),
            st.one_of(st.integers(-8, 2), st.integers(-60, 10)),
        ),
        "term": st.one_of(st.integers(0, 5), st.integers(0, 40)),
        "due_share": st.sampled_from([Decimal("0.5"), Decimal(1)]),
        "level": st.sampled_from([0, 0, 0, 1, 2]),
        "last": maybe_day,
        "paused": st.one_of(st.none(), st.none(), st.none(), maybe_day),
        "customer_paused": st.one_of(st.none(), st.none(), st.none(), maybe_day),
        "einvoice": st.sampled_from(["", "", "", "205", "207"]),
    }
)
invoice_any = st.one_of(in_dunning, in_dunning, in_dunning, invoice)
jump = st.tuples(
    st.one_of(st.integers(1, 3), st.integers(1, 40)), st.lists(write, max_size=4)
)


def _invoice_add(company, n: int, spec: dict) -> Invoice:
    customer = Customer.objects.create(
        company=company,
        code=f"C{n}",
        name=f"C{n}",
        paused_until=spec.get("customer_paused"),
    )
    return invoice_from_spec(company, customer, f"N{n}", spec)


def _write(company: Company, change: tuple, on: date, spec: dict) -> None:
    """One write as a service makes it: the rows, then their state for `on`."""
    kind, pick, days, share, _ = change
    if kind == "gap":  # a setting changed behind the services' back
        Company.objects.filter(pk=company.pk).update(min_gap_days=pick % 8)
        return
    invoices = list(Invoice.objects.filter(company=company).order_by("id"))
    if kind == "new":
        invoice = _invoice_add(company, len(invoices) + pick * 100, spec)
        invoices_refresh(company=company, today=on, invoice_ids=[invoice.pk])
        return
    target = invoices[pick % len(invoices)]
    rows = Invoice.objects.filter(pk=target.pk)
    ids = [target.pk]
    if kind == "payment":
        rows.update(amount_due=target.amount_due * share)
    elif kind == "paid":
        rows.update(amount_due=0, status="paid")
    elif kind == "pause":
        rows.update(paused_until=on + timedelta(days=abs(days)))
    elif kind == "unpause":
        rows.update(paused_until=None)
    elif kind in ("customer_pause", "customer_unpause"):
        until = on + timedelta(days=abs(days)) if kind == "customer_pause" else None
        Customer.objects.filter(pk=target.customer_id).update(paused_until=until)
        ids = list(
            Invoice.objects.filter(customer_id=target.customer_id).values_list(
                "pk", flat=True
            )
        )
    elif kind == "reminder":
        rows.update(dunning_level=target.dunning_level + 1, last_reminder_on=on)
    elif kind == "einvoice":
        rows.update(einvoice_status=["", "205", "207", "212"][pick % 4])
    invoices_refresh(company=company, today=on, invoice_ids=ids)


def _states(company) -> dict[int, tuple]:
    return {
        pk: (tag, level, on)
        for pk, tag, level, on in Invoice.objects.filter(company=company).values_list(
            "pk", "to_remind", "next_level", "next_reminder_on"
        )
    }


@pytest.mark.django_db
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(step, min_size=1, max_size=4),
    invoices=st.lists(invoice_any, min_size=1, max_size=10),
    gap=st.one_of(st.integers(0, 3), st.integers(0, 10)),
    jumps=st.lists(jump, min_size=1, max_size=4),
    new=invoice_any,
    back=st.none() | st.integers(1, 10) | st.integers(-40, 40),
)
def test_the_daily_job_looking_only_at_dated_invoices_gives_the_full_recompute(
    steps, invoices, gap, jumps, new, back
):
    with transaction.atomic():
        company = make_company(min_gap_days=gap)
        plan = plan_default_ensure(company=company)
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
        for n, spec in enumerate(invoices):
            _invoice_add(company, n, spec)
        day = TODAY
        [first] = daily_runs_now(now=NOW, on=day, companies=[company])
        assert first.full
        if back is not None:
            # A recompute for another day than the runs' (an API call dated
            # in the future or the past).
            invoices_refresh(company=company, today=day + timedelta(days=back))
        for days, changes in jumps:
            for change in changes:
                on = day + timedelta(days=change[-1] % (days + 5))
                _write(company, change, on, new)
            day += timedelta(days=days)
            company.refresh_from_db()
            gap_changed = company.min_gap_days != gap
            gap = company.min_gap_days
            [run] = daily_runs_now(now=NOW, on=day, companies=[company])
            assert run.full == gap_changed
            incremental = _states(company)
            full = invoices_refresh(company=company, today=day)
            assert (full.tagged, full.untagged) == (0, 0)
            assert _states(company) == incremental
            # The number the database keeps is the count (ADR 31).
            assert (
                run.to_remind
                == full.to_remind
                == sum(tag for tag, _, _ in incremental.values())
            )
            rule = rule_steps(step_list_active(company=company))
            for row in Invoice.objects.filter(company=company).select_related(
                "customer"
            ):
                assert incremental[row.pk] == state_expected(row, rule, day, gap)
        assert DailyRun.objects.filter(company=company).count() == len(jumps) + 1
        transaction.set_rollback(True)


def _company_with_one_invoice():
    company = make_company()
    make_steps(company)  # step 1: three days after the due date
    invoice = make_invoice(make_customer(company), due_date=date(2026, 1, 31))
    return company, invoice


def _run(company, on: str) -> DailyRun:
    [run] = daily_runs_now(now=NOW, on=date.fromisoformat(on), companies=[company])
    return run


@pytest.mark.django_db
def test_after_a_first_full_run_the_next_day_looks_only_at_dated_invoices():
    company, invoice = _company_with_one_invoice()
    first = _run(company, "2026-02-01")
    invoice.refresh_from_db()
    assert (first.full, invoice.to_remind, invoice.next_reminder_on) == (
        True,
        False,
        date(2026, 2, 3),
    )
    second = _run(company, "2026-02-03")
    invoice.refresh_from_db()
    assert (second.full, second.tagged, second.to_remind) == (False, 1, 1)
    assert invoice.to_remind is True


@pytest.mark.django_db
def test_a_tag_computed_for_a_later_day_is_taken_back_by_the_next_run():
    company, invoice = _company_with_one_invoice()
    _run(company, "2026-02-01")
    invoices_refresh(company=company, today=date(2026, 2, 10))  # an API call's date
    invoice.refresh_from_db()
    assert invoice.to_remind is True
    run = _run(company, "2026-02-02")
    invoice.refresh_from_db()
    assert (run.full, run.untagged, run.to_remind) == (False, 1, 0)
    assert invoice.to_remind is False


@pytest.mark.django_db
def test_a_changed_minimum_gap_or_step_makes_the_next_run_full():
    company, invoice = _company_with_one_invoice()
    _run(company, "2026-02-01")
    assert _run(company, "2026-02-02").full is False
    Company.objects.filter(pk=company.pk).update(min_gap_days=9)
    assert _run(company, "2026-02-03").full is True
    assert _run(company, "2026-02-04").full is False
    DunningStep.objects.filter(company=company, order=1).update(days=7)
    run = _run(company, "2026-02-05")
    invoice.refresh_from_db()
    assert run.full is True
    assert (invoice.to_remind, invoice.next_reminder_on) == (False, date(2026, 2, 7))


@pytest.mark.django_db
def test_relance_daily_full_recomputes_every_invoice():
    company, invoice = _company_with_one_invoice()
    _run(company, "2026-02-01")
    Invoice.objects.filter(pk=invoice.pk).update(due_date=date(2026, 1, 1))
    call_command("daily", "--date", "2026-02-02", stdout=StringIO())
    invoice.refresh_from_db()
    assert (invoice.to_remind, invoice.next_reminder_on) == (False, date(2026, 2, 3))
    call_command("daily", "--date", "2026-02-02", "--full", stdout=StringIO())
    invoice.refresh_from_db()
    assert (invoice.to_remind, invoice.next_reminder_on) == (True, date(2026, 1, 4))
    assert DailyRun.objects.filter(company=company).latest("id").full is True


@pytest.mark.django_db
def test_saving_a_new_minimum_gap_recomputes_every_invoice_at_once():
    company, invoice = _company_with_one_invoice()
    Invoice.objects.filter(pk=invoice.pk).update(
        dunning_level=1, last_reminder_on=date(2026, 2, 3)
    )
    invoices_refresh(company=company, today=date(2026, 2, 4))
    invoice.refresh_from_db()
    assert invoice.next_reminder_on == date(2026, 2, 18)  # 15 days after
    company_settings_update(company=company, min_gap_days=30)
    invoice.refresh_from_db()
    assert (invoice.next_level, invoice.next_reminder_on) == (2, date(2026, 3, 5))


@pytest.mark.django_db
def test_the_incremental_run_reads_only_the_invoices_whose_tag_the_date_changes():
    company = make_company()
    make_steps(company)  # step 1: three days after the due date
    customer = make_customer(company)
    make_invoice(customer, number="COME", due_date=date(2026, 1, 31))
    early = make_invoice(customer, number="EARLY", due_date=date(2026, 2, 5))
    make_invoice(customer, number="LATER", due_date=date(2026, 2, 20))
    behind = make_invoice(customer, number="BEHIND", due_date=date(2026, 2, 25))
    _run(company, "2026-02-01")
    invoices_refresh(  # an API call dated in the future tags EARLY too soon
        company=company, today=date(2026, 2, 9), invoice_ids=[early.pk]
    )
    # Changed behind the services' back: its stored state is not recomputed.
    Invoice.objects.filter(pk=behind.pk).update(due_date=date(2026, 1, 1))
    run = _run(company, "2026-02-02")  # EARLY untagged
    assert (run.full, run.tagged, run.untagged, run.to_remind) == (False, 0, 1, 0)
    assert _run(company, "2026-02-02").untagged == 0
    run = _run(company, "2026-02-03")  # COME tagged
    assert (run.full, run.tagged, run.untagged, run.to_remind) == (False, 1, 0, 1)
    states = {
        row.number: (row.to_remind, row.next_reminder_on)
        for row in Invoice.objects.filter(company=company)
    }
    assert states == {
        "COME": (True, date(2026, 2, 3)),
        "EARLY": (False, date(2026, 2, 8)),
        "LATER": (False, date(2026, 2, 23)),
        "BEHIND": (False, date(2026, 2, 28)),  # not read: a full run would tag it
    }
    assert _run(company, "2026-02-03").to_remind == 1  # nothing to read: counted


def _quiet_run_statements(companies) -> int:
    with CaptureQueriesContext(connection) as log:
        runs = daily_runs_now(now=NOW, on=date(2026, 2, 2), companies=companies)
    assert [(r.company, r.full, r.tagged, r.untagged) for r in runs] == [
        (company, False, 0, 0) for company in companies
    ]
    return len(log.captured_queries)


@pytest.mark.django_db
def test_companies_with_nothing_to_tag_are_recorded_together_whatever_their_number():
    one = [_company_with_one_invoice()[0]]
    three = [_company_with_one_invoice()[0] for _ in range(3)]
    daily_runs_now(now=NOW, on=date(2026, 2, 1), companies=one + three)
    # the companies, their last runs, plans (2), the dated tags' write, tagged
    # counts, an insert
    assert _quiet_run_statements(one) == _quiet_run_statements(three) == 7
    runs = DailyRun.objects.filter(company__in=three, date=date(2026, 2, 2))
    assert [(r.finished_at, r.to_remind, r.full) for r in runs] == [(NOW, 0, False)] * 3
    first = DailyRun.objects.filter(company__in=three, date=date(2026, 2, 1))
    assert [r.state_key for r in runs] == [r.state_key for r in first]


@pytest.mark.django_db
def test_only_the_companies_with_a_dated_invoice_compute_the_others_are_counted():
    (dated, invoice), (idle, tagged) = (
        _company_with_one_invoice(),
        _company_with_one_invoice(),
    )
    Invoice.objects.filter(pk=tagged.pk).update(due_date=date(2026, 1, 20))
    daily_runs_now(now=NOW, on=date(2026, 2, 1), companies=[dated, idle])
    runs = daily_runs_now(now=NOW, on=date(2026, 2, 3), companies=[dated, idle])
    assert [(r.company, r.full, r.tagged, r.to_remind) for r in runs] == [
        (dated, False, 1, 1),
        (idle, False, 0, 1),
    ]
    invoice.refresh_from_db()
    assert invoice.to_remind is True


@pytest.mark.django_db
def test_companies_on_different_dates_are_tagged_each_on_its_own_day():
    (paris, in_paris), (auckland, in_auckland) = (
        _company_with_one_invoice(),  # planned on 3 February (due 31 January)
        _company_with_one_invoice(),
    )
    Company.objects.filter(pk=auckland.pk).update(time_zone="Pacific/Auckland")
    both = [paris, auckland]
    daily_runs_now(now=datetime(2026, 2, 1, 12, tzinfo=UTC), companies=both)
    # 12:00 UTC on 2 February: 13:00 in Paris, 01:00 on the 3rd in Auckland.
    runs = daily_runs_now(now=datetime(2026, 2, 2, 12, tzinfo=UTC), companies=both)
    assert [(r.company, r.date, r.full, r.tagged, r.to_remind) for r in runs] == [
        (paris, date(2026, 2, 2), False, 0, 0),
        (auckland, date(2026, 2, 3), False, 1, 1),
    ]
    in_paris.refresh_from_db()
    in_auckland.refresh_from_db()
    assert (in_paris.to_remind, in_auckland.to_remind) == (False, True)


@pytest.mark.django_db
def test_a_date_come_during_a_pause_set_behind_the_services_back_is_not_tagged():
    # Only the services write a pause (and recompute the planned date); the
    # run still leaves a row paused that day untagged, as a full run would.
    company, invoice = _company_with_one_invoice()
    _run(company, "2026-02-01")
    Invoice.objects.filter(pk=invoice.pk).update(paused_until=date(2026, 2, 10))
    assert _run(company, "2026-02-03").tagged == 0  # the invoice is paused
    Invoice.objects.filter(pk=invoice.pk).update(paused_until=None)
    Customer.objects.filter(pk=invoice.customer_id).update(
        paused_until=date(2026, 2, 12)
    )
    assert _run(company, "2026-02-04").tagged == 0  # its customer is
    Customer.objects.filter(pk=invoice.customer_id).update(paused_until=None)
    run = _run(company, "2026-02-05")
    invoice.refresh_from_db()
    assert (run.full, run.tagged, invoice.to_remind) == (False, 1, True)


@pytest.mark.django_db(transaction=True)
def test_an_invoice_moved_to_another_company_meanwhile_is_left_by_the_run():
    """PostgreSQL: the run's ids come from the dunning index as its statement
    found it; an invoice another transaction moves to another company
    before committing is tested again on its newest version and left (it
    was tagged, and the run's numbers of its company broke: KeyError)."""
    from relance.dunning.services.state import dated_tags_write

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    first, other = make_company(), make_company()
    moved = make_invoice(make_customer(first), next_reminder_on=date(2026, 3, 1))
    elsewhere = make_customer(other)
    errors, results = [], []

    def move():
        Invoice.objects.filter(pk=moved.pk).update(company=other, customer=elsewhere)

    def run():
        results.append(dated_tags_write(company_ids=[first.pk], today=date(2026, 3, 2)))

    with held_open(move, errors):
        running = in_thread(run, errors)
        running.start()
        running.join(0.5)  # waits for the mover's lock on the invoice
    running.join(10)
    assert errors == []
    assert results == [{first.pk: (0, 0)}]
    moved.refresh_from_db()
    assert (moved.company_id, moved.to_remind) == (other.pk, False)
