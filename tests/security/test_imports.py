"""Issue 13 §8: a long import never ends a web request in a 500: the
request only keeps the file; a worker checks and imports it, and whatever
happens there ends in a status the page shows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.core.models import Membership
from relance.dunning.models import ImportRun
from relance.dunning.services import import_runs
from relance.invoices.models import Invoice
from tests.factories import make_company, make_steps, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    company = make_company()
    make_steps(company)
    user = make_user(company)
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    return client


def big_file(rows: int) -> bytes:
    lines = ["numero;code_client;client;date;echeance;montant"]
    lines += [
        f"F{n};C{n % 500};Client {n % 500};02/01/2026;31/01/2026;100,00"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_the_upload_answers_at_once_and_leaves_the_work_to_a_worker(client):
    response = client.post(
        "/import/",
        {"kind": "invoices", "file": SimpleUploadedFile("big.csv", big_file(20_000))},
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert (run.status, run.dry_run, run.created) == ("queued", True, 0)
    assert not Invoice.objects.exists()
    # The worker then checks all of it.
    import_runs.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.created, run.errors) == ("done", 20_000, [])


def test_a_crash_inside_the_import_is_a_failed_run_with_a_french_reason(
    client, monkeypatch
):
    client.post(
        "/import/", {"kind": "invoices", "file": SimpleUploadedFile("f.csv", b"x")}
    )
    run = ImportRun.objects.get()

    def crash(**kwargs):
        raise MemoryError

    monkeypatch.setitem(import_runs.TAKE_IN, "invoices", crash)
    import_runs.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error == (
        "L'import a échoué (erreur interne, notée dans le journal du serveur) : "
        "rien n'a été importé."
    )
    page = client.get(f"/import/{run.pk}/")
    assert page.status_code == 200
    assert "rien n&#x27;a été importé" in page.content.decode()
    # Run twice (a repeated task), it is done once.
    assert import_runs.import_run_execute(run_id=run.pk) is None


def test_a_checked_file_is_imported_once_whatever_the_clicks(client):
    client.post(
        "/import/",
        {"kind": "invoices", "file": SimpleUploadedFile("f.csv", big_file(3))},
    )
    checked = ImportRun.objects.get()
    import_runs.import_run_execute(run_id=checked.pk)
    client.post(f"/import/{checked.pk}/")  # « Importer »
    client.post(f"/import/{checked.pk}/")  # clicked again before the worker ran
    assert ImportRun.objects.filter(dry_run=False).count() == 1
