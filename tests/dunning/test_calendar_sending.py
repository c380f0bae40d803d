"""Issue 18 §3 and §4: reminders leave on working days within the company's
hours, and never faster than its mail server accepts (ADR 22)."""

import json
import threading
from datetime import UTC, date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from relance.core.models import Company, MailQuotaUse, Membership
from relance.core.quota import quota_take
from relance.core.tokens import token_create
from relance.dunning.models import DailyRun, Reminder
from relance.dunning.planning import reminder_plan
from relance.dunning.services.daily import daily_run_execute
from relance.dunning.services.delivery import reminders_deliver_due
from relance.dunning.services.send_runs import send_run_progress
from relance.dunning.services.state import invoices_refresh
from relance.dunning.tasks import send_run_start
from relance.invoices.models import Invoice
from tests.conftest import Api
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def calendar_company(**fields) -> Company:
    company = make_company(name="Durand", send_calendar=True, **fields)
    make_steps(company)
    return company


def due_invoices(company, count: int, **fields) -> list[Invoice]:
    """`count` customers, each with one invoice (due 31/01/2026 by default)."""
    return [
        make_invoice(
            make_customer(company, email=f"c{n}@client.example"),
            number=f"FC{n}",
            **fields,
        )
        for n in range(1, count + 1)
    ]


def started_run(company, now: datetime, *, send_now=False):
    today = now.astimezone(PARIS).date()
    invoices_refresh(company=company, today=today)
    plan = reminder_plan(company=company, today=today)
    return send_run_start(plan=plan, now=now, send_now=send_now)


def recipients(smtp_server) -> list[str]:
    return sorted(address for r in smtp_server.received for address in r.recipients)


@pytest.mark.django_db
def test_a_run_on_saturday_14_july_waits_for_monday_8_and_then_reaches_the_server(
    smtp_server, django_capture_on_commit_callbacks
):
    company = calendar_company()
    due_invoices(company, 2)
    with django_capture_on_commit_callbacks(execute=True):
        run, _created = started_run(company, paris(2029, 7, 14, 10, 0))
    assert smtp_server.received == []
    monday = paris(2029, 7, 16, 8, 0)
    assert [r.next_attempt_at for r in Reminder.objects.all()] == [monday, monday]
    progress = send_run_progress(run)
    assert (progress.scheduled, progress.scheduled_at, progress.finished) == (
        2,
        monday,
        True,
    )
    # The scheduler's beat, a minute before the window opens: nothing.
    early = reminders_deliver_due(now=paris(2029, 7, 16, 7, 59))
    assert (early.sent, smtp_server.received) == ([], [])
    opened = reminders_deliver_due(now=monday)
    assert len(opened.sent) == 2
    assert recipients(smtp_server) == ["c1@client.example", "c2@client.example"]
    assert all(r.sent_at >= monday for r in Reminder.objects.all())
    assert set(Invoice.objects.values_list("dunning_level", flat=True)) == {1}
    assert send_run_progress(run).sent == 2


@pytest.mark.django_db
def test_send_now_leaves_on_a_saturday_at_once(
    smtp_server, django_capture_on_commit_callbacks
):
    company = calendar_company()
    due_invoices(company, 1)
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = started_run(company, paris(2029, 7, 14, 10, 0), send_now=True)
    assert recipients(smtp_server) == ["c1@client.example"]
    assert Reminder.objects.get().send_anytime is True
    assert send_run_progress(run).sent == 1


@pytest.mark.django_db
def test_the_daily_job_on_christmas_day_tags_but_its_automatic_sending_waits(
    smtp_server,
):
    company = calendar_company(auto_send=True)
    due_invoices(company, 1)
    now = paris(2026, 12, 25, 10, 0)  # a Friday
    run = DailyRun.objects.create(
        company=company, date=date(2026, 12, 25), started_at=now
    )
    run = daily_run_execute(run_id=run.pk, now=now)
    assert (run.to_remind, run.sent) == (1, 0)
    assert Invoice.objects.get().to_remind is True
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.next_attempt_at) == (
        Reminder.Status.PENDING,
        paris(2026, 12, 28, 8, 0),
    )
    # Only the company's own daily digest went (it is no reminder).
    assert recipients(smtp_server) == ["compta@durand.example"]
    reminders_deliver_due(now=paris(2026, 12, 28, 8, 0))
    assert recipients(smtp_server) == ["c1@client.example", "compta@durand.example"]


@pytest.mark.django_db
def test_a_company_in_alsace_moselle_sends_nothing_on_26_december(smtp_server):
    strasbourg = calendar_company(postal_code="67000", city="Strasbourg")
    lyon = make_company(name="Lyon", send_calendar=True, postal_code="69003")
    make_steps(lyon)
    dates = {"issue_date": date(2025, 10, 1), "due_date": date(2025, 10, 31)}
    due_invoices(strasbourg, 1, **dates)
    make_invoice(
        make_customer(lyon, email="lyon@client.example"), number="LY1", **dates
    )
    friday = paris(2025, 12, 26, 10, 0)
    for company in (strasbourg, lyon):
        started_run(company, friday)
    reminders_deliver_due(now=friday)
    assert recipients(smtp_server) == ["lyon@client.example"]
    waiting = Reminder.objects.get(company=strasbourg)
    assert (waiting.status, waiting.next_attempt_at) == (
        Reminder.Status.PENDING,
        paris(2025, 12, 29, 8, 0),
    )


@pytest.mark.django_db
def test_the_august_pause_keeps_the_reminders_until_september(smtp_server):
    company = calendar_company(pause_august=True)
    due_invoices(company, 1)
    started_run(company, paris(2026, 8, 3, 10, 0))
    assert Reminder.objects.get().next_attempt_at == paris(2026, 9, 1, 8, 0)


@pytest.mark.django_db
def test_the_window_is_read_in_the_company_time_zone(smtp_server):
    company = calendar_company(time_zone="Indian/Reunion")  # UTC+4
    due_invoices(company, 1)
    # 04:30 UTC: 08:30 in Réunion (open), 06:30 in Paris (not yet).
    _run, _ = started_run(company, datetime(2026, 7, 16, 4, 30, tzinfo=UTC))
    assert Reminder.objects.get().next_attempt_at is None
    reminders_deliver_due(now=datetime(2026, 7, 16, 4, 30, tzinfo=UTC))
    assert recipients(smtp_server) == ["c1@client.example"]


@pytest.mark.django_db
def test_a_retry_due_after_closing_time_waits_for_the_next_morning(smtp_server):
    company = calendar_company()
    due_invoices(company, 1)
    started_run(company, paris(2026, 7, 16, 17, 0))
    Reminder.objects.update(next_attempt_at=paris(2026, 7, 16, 18, 5), attempts=1)
    delivered = reminders_deliver_due(now=paris(2026, 7, 16, 18, 5))
    assert smtp_server.received == []
    assert [r.next_attempt_at for r in delivered.scheduled] == [
        paris(2026, 7, 17, 8, 0)
    ]


@pytest.mark.django_db
def test_the_quota_per_minute_lets_so_many_go_each_minute(smtp_server):
    company = calendar_company(quota_per_minute=2)
    due_invoices(company, 5)
    ten = paris(2026, 7, 16, 10, 0)
    run, _ = started_run(company, ten)
    first = reminders_deliver_due(now=ten)
    assert (len(first.sent), len(first.scheduled)) == (2, 3)
    assert {r.next_attempt_at for r in first.scheduled} == {paris(2026, 7, 16, 10, 1)}
    progress = send_run_progress(run)
    assert (progress.sent, progress.scheduled, progress.finished) == (2, 3, True)
    second = reminders_deliver_due(now=paris(2026, 7, 16, 10, 1))
    assert (len(second.sent), len(second.scheduled)) == (2, 1)
    third = reminders_deliver_due(now=paris(2026, 7, 16, 10, 2))
    assert (len(third.sent), len(third.scheduled)) == (1, 0)
    assert len(smtp_server.received) == 5


@pytest.mark.django_db
def test_over_the_quota_per_day_the_rest_leaves_tomorrow_at_eight(smtp_server):
    company = calendar_company(quota_per_day=3)
    due_invoices(company, 5)
    ten = paris(2026, 7, 16, 10, 0)  # a Thursday
    _run, _ = started_run(company, ten)
    first = reminders_deliver_due(now=ten)
    assert (len(first.sent), len(first.scheduled)) == (3, 2)
    friday = paris(2026, 7, 17, 8, 0)
    assert {r.next_attempt_at for r in first.scheduled} == {friday}
    assert MailQuotaUse.objects.get(company=company).used == 3
    # Later the same day: still nothing.
    assert reminders_deliver_due(now=paris(2026, 7, 16, 15, 0)).sent == []
    second = reminders_deliver_due(now=friday)
    assert len(second.sent) == 2
    assert len(smtp_server.received) == 5


@pytest.mark.django_db
def test_the_progress_says_how_many_left_and_when_the_others_leave(smtp_server):
    company = calendar_company(quota_per_day=1)
    admin = make_user(company)
    Membership.objects.filter(user=admin).update(role="admin")
    client = Client()
    client.force_login(admin)
    due_invoices(company, 3)
    ten = paris(2026, 7, 16, 10, 0)
    run, _ = started_run(company, ten)
    reminders_deliver_due(now=ten)
    with time_machine.travel(paris(2026, 7, 16, 10, 5), tick=False):
        response = client.get(f"/relances/envois/{run.pk}/")
    assert json.loads(response["HX-Trigger"])["toast"]["message"] == (
        "1 envoyées, 2 partiront demain à 08:00"
    )
    assert 'data-testid="scheduled">2<' in response.content.decode()


@pytest.mark.django_db
def test_the_summary_tells_when_the_reminders_will_leave_and_offers_send_now(
    smtp_server, django_capture_on_commit_callbacks
):
    company = calendar_company()
    admin = make_user(company)
    Membership.objects.filter(user=admin).update(role="admin")
    client = Client()
    [invoice] = due_invoices(company, 1)
    with time_machine.travel(paris(2029, 7, 14, 10, 0), tick=False):
        client.force_login(admin)
        html = client.post("/relances/resume/", {"invoice": invoice.pk}).content
        html = html.decode()
        assert "Les relances partiront lundi 16 juillet à 08:00" in html
        assert 'name="send_now" value="1"' in html
        assert "Envoyer maintenant" in html
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/relances/envoyer/", {"invoice": invoice.pk, "send_now": "1"})
    assert recipients(smtp_server) == ["c1@client.example"]


@pytest.mark.django_db
def test_within_the_window_the_summary_says_nothing_of_it(smtp_server):
    company = calendar_company()
    admin = make_user(company)
    client = Client()
    [invoice] = due_invoices(company, 1)
    with time_machine.travel(paris(2029, 7, 16, 10, 0), tick=False):
        client.force_login(admin)
        html = client.post("/relances/resume/", {"invoice": invoice.pk}).content
    assert "Envoyer les relances" in html.decode()
    assert "partiront" not in html.decode()
    assert "Envoyer maintenant" not in html.decode()


@pytest.mark.django_db
def test_the_command_line_says_when_they_leave_and_sends_with_now(smtp_server):
    company = calendar_company()
    due_invoices(company, 1)
    out = StringIO()
    with time_machine.travel(paris(2029, 7, 14, 10, 0), tick=False):
        call_command("remind", "--all-due", "--company", company.pk, stdout=out)
    assert (
        "Hors des jours et heures d'envoi : les relances partiront lundi 16 juillet "
        "à 08:00 (--now pour les envoyer tout de suite)." in out.getvalue()
    )
    assert Reminder.objects.get().next_attempt_at == paris(2029, 7, 16, 8, 0)
    assert smtp_server.received == []
    Reminder.objects.all().delete()
    Invoice.objects.update(to_remind=True)
    out = StringIO()
    with time_machine.travel(paris(2029, 7, 14, 10, 0), tick=False):
        call_command(
            "remind",
            "--all-due",
            "--now",
            "--wait",
            "--company",
            company.pk,
            stdout=out,
        )
    assert "1 relance(s) envoyée(s)." in out.getvalue()
    assert recipients(smtp_server) == ["c1@client.example"]


@pytest.mark.django_db
def test_the_api_answers_when_the_reminders_will_leave(
    smtp_server, django_capture_on_commit_callbacks
):
    company = calendar_company()
    due_invoices(company, 2)
    api = Api(token_create(company=company, name="ERP")[1])
    with time_machine.travel(paris(2029, 7, 14, 10, 0), tick=False):
        status, started = api.call("post", "/reminders/send", {"invoices": ["FC1"]})
        assert status == 202
        assert started["leaves_at"] == "2029-07-16T08:00:00+02:00"
        status, run = api.call("get", f"/runs/{started['run']}")
        assert (run["scheduled"], run["finished"]) == (1, True)
        assert run["scheduled_at"] == "2029-07-16T06:00:00Z"
        with django_capture_on_commit_callbacks(execute=True):
            status, now = api.call(
                "post", "/reminders/send", {"invoices": ["FC2"], "send_now": True}
            )
    assert (status, now["leaves_at"]) == (202, None)
    assert recipients(smtp_server) == ["c2@client.example"]


@pytest.mark.django_db
def test_the_settings_page_refuses_hours_that_end_before_they_start():
    company = calendar_company()
    admin = make_user(company)
    Membership.objects.filter(user=admin).update(role="admin")
    client = Client()
    client.force_login(admin)
    settings = {
        "name": "Durand",
        "time_zone": "Europe/Paris",
        "language": "fr",
        "min_gap_days": "5",
        "daily_run_at": "06:00",
        "grouping": "step",
        "penalty_day_basis": 365,
        "sender_email": "relances@durand-btp.fr",
        "send_calendar": "on",
    }
    page = client.post(
        "/configuration/societe/",
        {**settings, "send_from": "18:00", "send_until": "08:00"},
    ).content.decode()
    assert (
        "L&#x27;heure de fin d&#x27;envoi doit suivre l&#x27;heure de début (18:00)"
        in page
    )
    page = client.post(
        "/configuration/societe/", {**settings, "quota_per_day": "0"}
    ).content.decode()
    assert "Assurez-vous que cette valeur est supérieure ou égale à 1." in page
    response = client.post(
        "/configuration/societe/",
        {
            **settings,
            "send_from": "09:00",
            "send_until": "17:30",
            "pause_august": "on",
            "quota_per_minute": "20",
            "quota_per_day": "300",
        },
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert (
        f"{company.send_from:%H:%M}",
        f"{company.send_until:%H:%M}",
        company.send_calendar,
        company.pause_august,
        company.pause_christmas,
        company.quota_per_minute,
        company.quota_per_day,
    ) == ("09:00", "17:30", True, True, False, 20, 300)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two workers meet on PostgreSQL"
)
def test_two_workers_taking_from_the_quota_at_once_never_exceed_it():
    company = make_company(quota_per_minute=50, quota_per_day=7)
    now = paris(2026, 7, 16, 10, 0)
    barrier = threading.Barrier(2)
    granted = []

    def worker():
        try:
            barrier.wait()
            for _ in range(3):
                granted.append(quota_take(company=company, count=2, now=now).granted)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 7
    assert sorted(MailQuotaUse.objects.values_list("period", "used")) == [
        ("d:2026-07-16", 7),
        ("m:2026-07-16T10:00", 7),
    ]


@pytest.mark.django_db
def test_a_letter_step_is_made_on_a_saturday_the_calendar_holds_emails_only():
    from relance.dunning.models import Letter
    from tests.factories import company_with_letter_step, customer_of, late_invoice

    company = company_with_letter_step(send_calendar=True)
    late_invoice(customer_of(company))
    saturday = paris(2026, 7, 18, 10, 0)
    started_run(company, saturday)
    assert Reminder.objects.get().next_attempt_at is None
    delivered = reminders_deliver_due(now=saturday)
    assert (len(delivered.sent), delivered.scheduled) == (1, [])
    assert Letter.objects.count() == 1


@pytest.mark.django_db
def test_relance_deliver_says_how_many_wait_and_until_when(smtp_server):
    company = calendar_company()
    due_invoices(company, 2)
    started_run(company, paris(2029, 7, 13, 17, 0))  # a Friday, within the hours
    out = StringIO()
    with time_machine.travel(paris(2029, 7, 14, 10, 0), tick=False):
        call_command("deliver", stdout=out)
    assert out.getvalue().splitlines()[1] == (
        "2 en attente du calendrier d'envoi ou du quota du serveur, jusqu'au "
        "2029-07-16 08:00+02:00."
    )
    assert smtp_server.received == []
