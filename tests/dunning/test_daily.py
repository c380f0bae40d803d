"""The daily job on real rows: tags, next steps, idempotence, time zones."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relance.dunning.services.daily import daily_runs_now
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def run(company, on):
    return invoices_refresh(company=company, today=date.fromisoformat(on))


def test_an_open_invoice_past_its_first_step_is_tagged_with_its_next_step(company):
    invoice = make_invoice(make_customer(company), due_date=date(2026, 1, 31))
    result = run(company, "2026-02-03")
    invoice.refresh_from_db()
    assert invoice.to_remind is True
    assert (invoice.next_level, invoice.next_reminder_on) == (1, date(2026, 2, 3))
    assert (result.tagged, result.untagged, result.to_remind) == (1, 0, 1)


def test_an_invoice_not_yet_due_gets_its_planned_date_but_no_tag(company):
    invoice = make_invoice(make_customer(company), due_date=date(2026, 1, 31))
    result = run(company, "2026-02-02")
    invoice.refresh_from_db()
    assert invoice.to_remind is False
    assert (invoice.next_level, invoice.next_reminder_on) == (1, date(2026, 2, 3))
    assert result.to_remind == 0


def test_a_second_run_on_the_same_date_changes_nothing(company):
    customer = make_customer(company)
    for day in (5, 10, 20, 30):
        make_invoice(customer, due_date=date(2026, 1, day))
    first = run(company, "2026-02-01")
    second = run(company, "2026-02-01")
    assert (first.tagged, first.to_remind) == (3, 3)
    assert (second.tagged, second.untagged, second.to_remind) == (0, 0, 3)


def test_a_paid_or_paused_invoice_loses_its_tag(company):
    customer = make_customer(company)
    paid = make_invoice(customer)
    paused = make_invoice(customer)
    run(company, "2026-02-10")
    Invoice.objects.filter(pk=paid.pk).update(status="paid", amount_due=Decimal(0))
    Invoice.objects.filter(pk=paused.pk).update(paused_until=date(2026, 2, 20))
    result = run(company, "2026-02-11")
    paid.refresh_from_db()
    paused.refresh_from_db()
    assert (result.tagged, result.untagged, result.to_remind) == (0, 2, 0)
    assert (paid.to_remind, paid.next_level, paid.next_reminder_on) == (
        False,
        None,
        None,
    )
    assert (paused.to_remind, paused.next_level, paused.next_reminder_on) == (
        False,
        1,
        date(2026, 2, 21),
    )


def test_a_pause_ends_by_itself_on_the_next_run(company):
    invoice = make_invoice(make_customer(company), paused_until=date(2026, 2, 20))
    assert run(company, "2026-02-20").to_remind == 0
    assert run(company, "2026-02-21").tagged == 1
    invoice.refresh_from_db()
    assert invoice.to_remind is True


def test_a_customer_pause_holds_every_invoice_of_that_customer(company):
    paused = make_customer(company, paused_until=date(2026, 3, 1))
    other = make_customer(company)
    make_invoice(paused)
    make_invoice(paused)
    kept = make_invoice(other)
    result = run(company, "2026-02-10")
    assert result.to_remind == 1
    assert list(Invoice.objects.filter(to_remind=True)) == [kept]


def test_the_last_step_reached_clears_the_next_step(company):
    invoice = make_invoice(
        make_customer(company), dunning_level=4, last_reminder_on=date(2026, 3, 20)
    )
    run(company, "2026-05-01")
    invoice.refresh_from_db()
    assert (invoice.to_remind, invoice.next_level, invoice.next_reminder_on) == (
        False,
        None,
        None,
    )


def test_an_archived_step_is_not_a_level(company):
    from relance.dunning.models import DunningStep

    DunningStep.objects.filter(company=company, order=1).update(active=False)
    # Level 1 is now « Relance 2 », 15 days after the due date (no reminder yet).
    invoice = make_invoice(make_customer(company), due_date=date(2026, 1, 31))
    run(company, "2026-02-10")
    invoice.refresh_from_db()
    assert (invoice.to_remind, invoice.next_reminder_on) == (False, date(2026, 2, 15))


def test_companies_are_run_each_on_its_own_date_and_steps():
    paris = make_company(time_zone="Europe/Paris")
    utc = make_company(time_zone="UTC")
    for company in (paris, utc):
        make_steps(company)
        make_invoice(
            make_customer(company), due_date=date(2026, 2, 26)
        )  # step: 1 March
    runs = daily_runs_now(now=datetime(2026, 2, 28, 23, 30, tzinfo=UTC))
    by_company = {run.company.pk: run for run in runs}
    assert by_company[paris.pk].date == date(2026, 3, 1)
    assert by_company[paris.pk].to_remind == 1
    assert by_company[utc.pk].date == date(2026, 2, 28)
    assert by_company[utc.pk].to_remind == 0


def test_one_company_never_touches_another_companys_invoices():
    mine, theirs = make_company(), make_company()
    make_steps(mine)
    make_steps(theirs)
    other = make_invoice(make_customer(theirs))
    invoices_refresh(company=mine, today=date(2026, 3, 1))
    other.refresh_from_db()
    assert other.to_remind is False
    assert other.next_level is None


def daily_json(*args) -> dict:
    out = StringIO()
    call_command("daily", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_daily_command_twice_reports_the_same_to_remind_and_no_new_tag(company):
    customer = make_customer(company)
    make_invoice(customer, due_date=date(2026, 2, 20))
    make_invoice(customer, due_date=date(2026, 2, 27))
    make_invoice(customer, due_date=date(2026, 3, 10))
    first = daily_json("--date", "2026-03-01")
    second = daily_json("--date", "2026-03-01")
    assert first == {"date": "2026-03-01", "tagged": 1, "untagged": 0, "to_remind": 1}
    assert second == {"date": "2026-03-01", "tagged": 0, "untagged": 0, "to_remind": 1}


def test_the_daily_command_can_run_one_company(company):
    other = make_company()
    make_steps(other)
    make_invoice(make_customer(company))
    make_invoice(make_customer(other))
    assert daily_json("--date", "2026-03-01", "--company", str(other.pk))["tagged"] == 1
    assert daily_json("--date", "2026-03-01")["tagged"] == 1  # the first one, now


def test_the_daily_command_speaks_french(company):
    make_invoice(make_customer(company))
    out = StringIO()
    call_command("daily", "--date", "2026-03-01", stdout=out)
    assert out.getvalue().strip() == (
        f"{company.name} — 01/03/2026 : 1 facture(s) marquée(s) « À relancer », "
        "0 retirée(s), 1 à relancer."
    )


def test_a_date_before_the_last_daily_run_is_refused_unless_forced(company):
    """`relance daily --date 2020-01-01` would set live data back to that day."""
    make_invoice(make_customer(company))
    call_command("daily", "--date", "2026-03-02", stdout=StringIO())
    with pytest.raises(CommandError) as refused:
        call_command("daily", "--date", "2026-02-01", stdout=StringIO())
    assert str(refused.value) == (
        f"date : Le 01/02/2026 précède la dernière tâche quotidienne de {company.name} "
        "(02/03/2026) : les factures reviendraient à ce jour-là. Pour le faire "
        "quand même, ajoutez --force."
    )
    assert Invoice.objects.get().to_remind is True  # untouched
    out = StringIO()
    call_command("daily", "--date", "2026-02-01", "--force", stdout=out)
    assert "1 retirée(s)" in out.getvalue()
