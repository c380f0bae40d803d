"""Workers as separate processes: they share runs, survive being killed, and
never send a message twice."""

import re
import signal
import subprocess
import time
import urllib.request
from collections import Counter

import pytest

from relance.dunning.services.delivery import IN_FLIGHT

pytestmark = pytest.mark.integration

CREATE_RUN = """
import json
from datetime import date, timedelta
from relance.core.models import Company
from relance.dunning.planning import reminder_plan
from relance.dunning.tasks import send_run_start
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice

company = Company.objects.get()
company.sender_email = "relances@durand.example"
company.save()
count = {count}
customers = Customer.objects.bulk_create(
    Customer(company=company, code=f"C{{n:05d}}", name=f"Client {{n}}",
             email=f"client{{n}}@client.example")
    for n in range(count)
)
Invoice.objects.bulk_create(
    Invoice(company=company, customer=customer, number=f"FC{{n:05d}}",
            issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
            total=100, amount_due=100)
    for n, customer in enumerate(customers)
)
today = date(2026, 3, 2)
invoices_refresh(company=company, today=today)
run, created = send_run_start(plan=reminder_plan(company=company, today=today))
print(json.dumps(run.pk))
"""

PROGRESS = """
import json
from relance.dunning.models import SendRun
from relance.dunning.services.send_runs import send_run_progress
from dataclasses import asdict
p = send_run_progress(SendRun.objects.get(pk={run}))
print(json.dumps(asdict(p)))
"""

MESSAGE_IDS = """
import json
from relance.dunning.models import Reminder
print(json.dumps({status: [m for m in Reminder.objects.filter(status=status)
                  .values_list("message_id", flat=True)]
                  for status in ["sent", "uncertain", "pending", "sending", "failed"]}))
"""


def received_ids(smtp) -> Counter:
    return Counter(received.message["Message-ID"] for received in smtp.received)


def test_four_workers_share_a_run_and_send_each_message_exactly_once(instance, smtp):
    count = 2000 if instance.postgres else 300
    run = instance.python(CREATE_RUN.format(count=count))
    workers = [instance.start("worker", "--threads", "1") for _ in range(4)]

    def finished():
        """every reminder of the run has an outcome"""
        progress = instance.python(PROGRESS.format(run=run))
        assert all(w.poll() is None for w in workers), "a worker stopped"
        return progress["total"] == count and progress["waiting"] == 0

    instance.wait_for(finished, timeout=300, every=1)
    for worker in workers:
        worker.send_signal(signal.SIGINT)
    for worker in workers:
        worker.wait(timeout=30)
    by_status = instance.python(MESSAGE_IDS)
    assert len(by_status["sent"]) == count
    received = received_ids(smtp)
    assert len(smtp.received) == count
    assert max(received.values()) == 1
    assert set(received) == set(by_status["sent"])


def test_a_worker_killed_midway_then_restarted_sends_each_message_at_most_once(
    instance, smtp
):
    count = 150
    smtp.handler.delay = 0.02  # a slow server, so the kill lands mid-run
    run = instance.python(CREATE_RUN.format(count=count))
    first = instance.start("worker", "--threads", "1")
    instance.wait_for(lambda: len(smtp.received) >= 40, timeout=120, every=0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = len(smtp.received)
    assert killed_at < count
    second = instance.start("worker", "--threads", "1")

    def finished():
        """no reminder is waiting any more"""
        progress = instance.python(PROGRESS.format(run=run))
        return progress["waiting"] == progress["retrying"] == 0

    instance.wait_for(finished, timeout=120, every=0.5)
    second.send_signal(signal.SIGINT)
    second.wait(timeout=30)
    by_status = instance.python(MESSAGE_IDS)
    received = received_ids(smtp)
    # Never twice; every sent reminder arrived exactly once; those caught
    # claimed (at most IN_FLIGHT) are uncertain, whether or not they arrived.
    assert max(received.values()) == 1
    assert set(by_status["sent"]) <= set(received)
    assert len(by_status["uncertain"]) <= IN_FLIGHT
    assert len(by_status["sent"]) + len(by_status["uncertain"]) == count
    assert set(received) - set(by_status["sent"]) <= set(by_status["uncertain"])
    assert by_status["pending"] == by_status["sending"] == []


def free_port() -> int:
    from tests.smtp import free_port as port

    return port()


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_serve_runs_web_worker_and_scheduler_and_stops_them_all(instance, stop_with):
    instance.python(
        """
        import json
        from datetime import time
        from relance.core.models import Company
        Company.objects.update(daily_run_at=time(0, 0))
        print(json.dumps(True))
        """
    )
    port = free_port()
    serve = instance.start("serve", "--port", str(port), "--workers", "1")

    def web_answers():
        """the web server answers"""
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/admin/login/"
            ) as page:
                return page.status == 200
        except OSError:
            return False

    instance.wait_for(web_answers, timeout=60)
    # The scheduler ran today's job at start, the hour having passed.
    instance.wait_for(
        lambda: instance.python(
            """
            import json
            from relance.dunning.models import DailyRun
            print(json.dumps(DailyRun.objects.filter(finished_at__isnull=False).count()))
            """
        ),
        timeout=60,
        every=1,
    )
    serve.send_signal(stop_with)
    output, _ = serve.communicate(timeout=40)
    assert serve.returncode == 0, output
    assert "Relance est prêt : ouvrez http://localhost:" in output
    assert "Relance est arrêté." in output
    pids = [int(pid) for pid in re.findall(r"pid (\d+)", output)]
    assert len(pids) == 2
    time.sleep(0.5)
    for pid in pids:
        assert subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode
    assert not web_answers()


def test_children_of_serve_stop_when_it_is_killed(instance):
    """Killed with SIGKILL, `serve` cannot stop its children: they stop by
    themselves (Linux), rather than keep the port and send on their own."""
    _children_stop_when_serve_is_killed(instance)


def test_children_stop_though_serve_was_started_with_sigint_ignored(instance):
    """`relance serve &` in a script (a shell without job control) starts
    with SIGINT ignored, and children inherit it across exec: the worker,
    whose stop signal is SIGINT, never stopped (seen in CI launched in the
    background). Each child is started with its stop signal as by default."""
    _children_stop_when_serve_is_killed(
        instance, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)
    )


def _children_stop_when_serve_is_killed(instance, **popen) -> None:
    port = free_port()
    serve = instance.start("serve", "--port", str(port), "--workers", "1", **popen)
    line = ""
    while "pid" not in line:
        line = serve.stdout.readline()
        assert line, "serve ended before starting its children"
    pids = [int(pid) for pid in re.findall(r"pid (\d+)", line)]
    assert len(pids) == 2
    serve.send_signal(signal.SIGKILL)
    serve.wait(timeout=10)

    def all_gone():
        """the web server and the worker have stopped"""
        return all(
            subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode
            for pid in pids
        )

    instance.wait_for(all_gone, timeout=40, every=0.2)
