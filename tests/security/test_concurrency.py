"""Issue 13 §12: each message's own times, honest counts when two runs or
two workers meet."""

import threading
import time
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from relance.dunning.models import Reminder
from relance.dunning.planning import reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice
from tests.factories import make_company, make_customer, make_invoice, make_steps

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_each_message_is_claimed_and_sent_at_its_own_time(smtp_server):
    company = make_company()
    make_steps(company)
    for _ in range(6):
        make_invoice(make_customer(company))
    invoices_refresh(company=company, today=TODAY)
    created = reminders_create(plan=reminder_plan(company=company, today=TODAY))
    reminders_deliver(reminder_ids=[r.pk for r in created.reminders], now=NOW)
    claims = list(
        Reminder.objects.order_by("claimed_at").values_list("claimed_at", "sent_at")
    )
    assert len(claims) == 6
    assert all(
        NOW <= claimed <= sent < NOW + timedelta(minutes=1) for claimed, sent in claims
    )
    # Claimed a group at a time (4 then 2), each group at its own moment.
    assert len({claimed for claimed, _sent in claims}) == 2


@pytest.mark.django_db
def test_deliver_counts_the_sends_it_found_interrupted_as_uncertain(smtp_server):
    company = make_company()
    make_steps(company)
    make_invoice(make_customer(company))
    invoices_refresh(company=company, today=TODAY)
    created = reminders_create(plan=reminder_plan(company=company, today=TODAY))
    Reminder.objects.filter(pk=created.reminders[0].pk).update(
        status=Reminder.Status.SENDING,
        claimed_at=NOW - timedelta(days=1),
        claimed_by="other-machine:1",
    )
    out = StringIO()
    call_command("deliver", stdout=out)
    assert out.getvalue().startswith(
        "0 envoyée(s), 0 en échec, 0 à réessayer, 1 incertaine(s) — "
    )
    assert Reminder.objects.get().status == Reminder.Status.UNCERTAIN


@pytest.mark.django_db(transaction=True)
def test_two_daily_runs_at_once_count_each_tag_once():
    """On PostgreSQL both runs compute the same changes; the second one's
    writes wait for the first's, then find the rows already tagged."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes its write lock at the start of the run")
    company = make_company()
    make_steps(company)
    for _ in range(5):
        make_invoice(make_customer(company))
    results, errors = [], []

    def run():
        try:
            results.append(invoices_refresh(company=company, today=TODAY))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        # Hold the rows: both runs compute their changes, then wait to write.
        list(Invoice.objects.select_for_update())
        runners = [threading.Thread(target=run) for _ in range(2)]
        for runner in runners:
            runner.start()
        time.sleep(1.5)
    for runner in runners:
        runner.join(30)
    assert errors == []
    assert sorted(r.tagged for r in results) == [0, 5]
    assert Invoice.objects.filter(to_remind=True).count() == 5
