"""Queued sending with progress, the scheduler's daily runs and the digest."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from huey.storage import MemoryStorage

from relance.dunning.models import DailyRun, Reminder
from relance.dunning.planning import reminder_plan
from relance.dunning.services.daily import daily_run_execute
from relance.dunning.services.delivery import reminders_deliver, reminders_deliver_due
from relance.dunning.services.send_runs import send_run_progress, send_run_record
from relance.dunning.services.state import invoices_refresh
from relance.dunning.tasks import schedule_tick, send_run_start
from relance.invoices.models import Invoice
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def company():
    company = make_company(name="Durand", reply_to_email="compta@durand.example")
    make_steps(company)
    return company


def queued_run(company, count=3):
    for n in range(count):
        make_invoice(make_customer(company, email=f"c{n}@client.example"))
    invoices_refresh(company=company, today=TODAY)
    return send_run_start(plan=reminder_plan(company=company, today=TODAY))


def test_a_send_run_returns_at_once_and_its_progress_follows_the_reminders(
    company, smtp_server, django_capture_on_commit_callbacks, _queue_runs_tasks_at_once
):
    huey = _queue_runs_tasks_at_once
    huey.immediate = False  # a real queue: nothing runs yet
    # In memory: off immediate mode, huey goes back to its queue file, one
    # for every test process (RELANCE_QUEUE_FILE).
    huey.storage = MemoryStorage(huey.name)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run, created = queued_run(company)
        assert len(created.reminders) == 3
        assert smtp_server.received == []
        waiting = send_run_progress(run)
        assert (waiting.total, waiting.waiting, waiting.finished, waiting.percent) == (
            3,
            3,
            False,
            0,
        )
        assert len(huey) == 1  # one delivery task for this small run
        task = huey.dequeue()
        huey.execute(task)
    finally:
        huey.immediate = True
    done = send_run_progress(run)
    assert (done.sent, done.waiting, done.finished, done.percent) == (3, 0, True, 100)
    assert len(smtp_server.received) == 3


def test_a_big_run_is_split_into_tasks_the_workers_share(company, settings):
    from relance.dunning import tasks

    queued = []
    original = tasks.deliver_reminders
    tasks.deliver_reminders = queued.append
    try:
        tasks.enqueue_delivery(list(range(1, 451)))
    finally:
        tasks.deliver_reminders = original
    assert [len(chunk) for chunk in queued] == [200, 200, 50]
    assert [chunk[0] for chunk in queued] == [1, 201, 401]


def test_a_restarted_worker_sends_what_was_left_pending(company, smtp_server):
    # Reminders recorded, but their tasks lost (the worker died first).
    run, _ = send_run_record(plan=_plan_with(company, 2))
    delivered = reminders_deliver_due(now=NOW)
    assert len(delivered.sent) == 2
    assert send_run_progress(run).finished


def _plan_with(company, count):
    for n in range(count):
        make_invoice(make_customer(company, email=f"p{n}@client.example"))
    invoices_refresh(company=company, today=TODAY)
    return reminder_plan(company=company, today=TODAY)


def at(hour, minute=0, day=TODAY):
    """An instant given in Paris time."""
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), ZoneInfo("Europe/Paris"))


def test_the_scheduler_starts_each_company_at_its_own_hour_once_a_day(company):
    company.daily_run_at = time(7, 30)
    company.save()
    early = make_company(name="Lève-tôt", daily_run_at=time(5, 0))
    assert [r.company for r in schedule_tick(now=at(6, 0))] == [early]
    assert [r.company for r in schedule_tick(now=at(7, 30))] == [company]
    assert schedule_tick(now=at(7, 31)) == []
    assert schedule_tick(now=at(23, 59)) == []
    runs = DailyRun.objects.filter(origin="schedule").order_by("company__name")
    assert [(r.company.name, r.date, r.finished_at is not None) for r in runs] == [
        ("Durand", TODAY, True),
        ("Lève-tôt", TODAY, True),
    ]
    # The next day, once again.
    tomorrow = TODAY + timedelta(days=1)
    assert [r.date for r in schedule_tick(now=at(8, 0, day=tomorrow))] == [tomorrow] * 2


def test_a_machine_off_at_the_hour_runs_the_job_once_when_it_starts(company):
    make_invoice(make_customer(company), due_date=date(2026, 2, 20))
    started = schedule_tick(now=at(15, 0))  # started in the afternoon
    assert len(started) == 1
    run = DailyRun.objects.get()
    assert (run.tagged, run.to_remind) == (1, 1)
    assert Invoice.objects.get().to_remind is True


def test_a_lost_daily_task_is_queued_again_and_does_no_harm(company, smtp_server):
    company.auto_send = True
    company.save()
    make_invoice(make_customer(company), due_date=date(2026, 2, 20))
    # The run was recorded, then the machine stopped before the task ran.
    run = DailyRun.objects.create(company=company, date=TODAY, started_at=at(6, 0))
    schedule_tick(now=at(6, 5))
    run.refresh_from_db()
    assert run.finished_at is None  # too early to call it lost
    schedule_tick(now=at(6, 11))
    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.sent == 1
    daily_run_execute(run_id=run.pk, now=at(6, 12))  # a duplicate task
    assert len(smtp_server.received) == 1


def test_automatic_sending_sends_what_is_due_marked_as_automatic(company, smtp_server):
    company.auto_send = True
    company.save()
    make_invoice(
        make_customer(company, email="a@client.example"), due_date=date(2026, 2, 20)
    )
    make_invoice(make_customer(company, email=""), due_date=date(2026, 2, 20))
    schedule_tick(now=at(6, 0))
    run = DailyRun.objects.get()
    assert (run.to_remind, run.sent, run.failed) == (2, 1, 0)
    reminder = Reminder.objects.get()
    assert (reminder.origin, reminder.run_id) == ("schedule", run.send_run_id)
    [message] = [r.message for r in smtp_server.received]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["To"] == "a@client.example"


def test_without_automatic_sending_the_schedule_only_tags(company, smtp_server):
    make_invoice(make_customer(company), due_date=date(2026, 2, 20))
    schedule_tick(now=at(6, 0))
    assert smtp_server.received == []
    assert Reminder.objects.count() == 0
    assert DailyRun.objects.get().to_remind == 1


def test_failures_are_reported_once_a_day_to_the_reply_to_address(company, smtp_server):
    company.auto_send = True
    company.save()
    invoice = make_invoice(
        make_customer(company, name="HERBLY Francis", email="nobody@client.example"),
        number="FC22120054",
        due_date=date(2026, 2, 20),
    )
    smtp_server.handler.refuse_recipients = {
        "nobody@client.example": "550 5.1.1 User unknown"
    }
    schedule_tick(now=at(6, 0))
    [digest] = smtp_server.received
    message = digest.message
    assert digest.recipients == ["compta@durand.example"]
    assert message["Subject"] == "Relance : 1 relance(s) à vérifier"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    assert "Non envoyées (1)" in text
    assert "- HERBLY Francis — Relance 1 (FC22120054) : 550 5.1.1 User unknown" in text
    assert "Voir les relances : http://localhost:8000/relances/" in text
    run = DailyRun.objects.get()
    assert run.digest_sent_at is not None
    # The same failure is not reported again the next day.
    smtp_server.handler.refuse_recipients = {}
    invoice.customer.email = ""
    invoice.customer.save()
    schedule_tick(now=at(6, 0, day=TODAY + timedelta(days=1)))
    assert len(smtp_server.received) == 1


def test_uncertain_reminders_are_reported_until_someone_settles_them(
    company, smtp_server
):
    make_invoice(make_customer(company), number="FC1", due_date=date(2026, 2, 20))
    smtp_server.handler.answers = ["silence"]
    invoices_refresh(company=company, today=TODAY)
    _, created = send_run_start(plan=reminder_plan(company=company, today=TODAY))

    reminders_deliver(reminder_ids=[r.pk for r in created.reminders], now=NOW)
    schedule_tick(now=at(6, 0, day=TODAY + timedelta(days=1)))
    schedule_tick(now=at(6, 0, day=TODAY + timedelta(days=2)))
    digests = [
        r.message for r in smtp_server.received if "à vérifier" in r.message["Subject"]
    ]
    assert len(digests) == 2
    assert (
        "Envoi incertain : vérifiez avant de renvoyer (1)"
        in digests[0].get_body(("plain",)).get_content()
    )
