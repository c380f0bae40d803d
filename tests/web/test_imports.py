"""The import page: check first, save on confirmation, every error listed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.core.models import ApiToken, Membership
from relance.dunning.models import ImportRun
from relance.invoices.models import Invoice
from tests.factories import make_company, make_steps, make_user
from tests.invoices.test_facturx import XML, facturx_pdf, without
from tests.invoices.test_import import SAGE_EXPORT

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in():
    company = make_company()
    make_steps(company)
    user = make_user(company)
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    client.company = company
    return client


def upload(client, kind, name, content):
    return client.post(
        "/import/", {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )


def checked(client, kind, name, content, capture):
    """Upload a file; the worker checks it (queued tasks run at once here)
    and the run's page shows what it found."""
    with capture(execute=True):
        response = upload(client, kind, name, content)
    assert response.status_code == 302
    run = ImportRun.objects.latest("pk")
    assert response["Location"] == f"/import/{run.pk}/"
    return run, client.get(response["Location"]).content.decode()


def test_a_file_is_checked_then_imported_on_confirmation(
    signed_in, django_capture_on_commit_callbacks
):
    run, page = checked(
        signed_in,
        "invoices",
        "export.csv",
        SAGE_EXPORT,
        django_capture_on_commit_callbacks,
    )
    assert "<strong>3</strong> à créer" in page
    assert not Invoice.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = signed_in.post(f"/import/{run.pk}/")
    imported = ImportRun.objects.latest("pk")
    assert done["Location"] == f"/import/{imported.pk}/"
    assert (imported.dry_run, imported.status, imported.created) == (False, "done", 3)
    assert Invoice.objects.count() == 3
    page = signed_in.get(done["Location"]).content.decode()
    assert "Import terminé : 3 créé(s), 0 mis à jour." in page
    # The file is not kept once imported.
    run.refresh_from_db()
    assert (run.file.name, imported.file.name) == ("", "")


def test_a_bad_file_lists_every_error_and_saves_nothing(
    signed_in, django_capture_on_commit_callbacks
):
    content = (
        b"numero;code_client;client;date_facture;date_echeance;montant_ttc\n"
        b"X;C;N;1/1/2026;;5\nY;C;N;32/1/2026;1/2/2026;5\n"
    )
    run, page = checked(
        signed_in, "invoices", "bad.csv", content, django_capture_on_commit_callbacks
    )
    assert (
        "2 erreurs : rien n&#x27;a été importé." in page
        or "2 erreurs : rien n'a été importé." in page
    )
    assert "<td>2</td><td>date_echeance</td><td>valeur obligatoire</td>" in page
    assert (
        "<td>3</td><td>date_facture</td><td>date impossible « 32/1/2026 »</td>" in page
    )
    assert "Importer</button>" not in page
    assert not Invoice.objects.exists()
    # A refused check cannot be imported.
    signed_in.post(f"/import/{run.pk}/")
    assert ImportRun.objects.count() == 1
    assert not Invoice.objects.exists()


def test_a_run_of_another_company_is_not_found(
    signed_in, django_capture_on_commit_callbacks
):
    run, _page = checked(
        signed_in,
        "invoices",
        "export.csv",
        SAGE_EXPORT,
        django_capture_on_commit_callbacks,
    )
    other = make_company()
    intruder = make_user(other)
    client = Client()
    client.force_login(intruder)
    assert client.get(f"/import/{run.pk}/").status_code == 404
    assert client.post(f"/import/{run.pk}/").status_code == 404
    assert ImportRun.objects.count() == 1
    assert not Invoice.objects.exists()


def test_a_run_not_yet_taken_by_a_worker_is_followed_every_second(signed_in):
    upload(signed_in, "invoices", "export.csv", SAGE_EXPORT)  # no worker ran
    run = ImportRun.objects.get()
    page = signed_in.get(f"/import/{run.pk}/").content.decode()
    assert "En attente d&#x27;un worker…" in page or "En attente d'un worker…" in page
    assert f'hx-get="/import/{run.pk}/" hx-trigger="load delay:1s"' in page
    fragment = signed_in.get(f"/import/{run.pk}/", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<section id="import-run"')


def test_a_factur_x_pdf_asks_for_what_its_xml_lacks(signed_in):
    content = facturx_pdf(
        without(XML, r"<ram:DueDateDateTime>.*?</ram:DueDateDateTime>")
    )
    page = upload(signed_in, "facturx", "fa.pdf", content).content.decode()
    assert "Facture Factur-X FA-2026-0042" in page
    assert 'name="due_date"' in page
    key = page.split('name="key" value="')[1].split('"')[0]
    form = {"action": "confirm", "kind": "facturx", "key": key, "filename": "fa.pdf"}
    refused = signed_in.post("/import/", form)
    assert refused.status_code == 400
    assert "« due_date » : valeur obligatoire" in refused.content.decode()
    done = signed_in.post("/import/", {**form, "due_date": "2026-04-30"})
    invoice = Invoice.objects.get()
    assert done["Location"] == f"/factures/{invoice.pk}/"
    assert str(invoice.due_date) == "2026-04-30"
    assert invoice.pdf


def test_an_administrator_creates_and_revokes_a_token(signed_in):
    page = signed_in.post("/configuration/jetons/", {"name": "Sage"}).content.decode()
    raw = page.split('data-testid="new-token"')[1].split(">")[1].split("<")[0]
    assert raw.startswith("rl_")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/invoices").status_code == 200
    token = ApiToken.objects.get()
    signed_in.post("/configuration/jetons/", {"revoke": token.pk})
    assert api.get("/api/v1/invoices").status_code == 401
    assert raw not in signed_in.get("/configuration/jetons/").content.decode()
