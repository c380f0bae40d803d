"""The import page: check first, save on confirmation, every error listed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.core.models import ApiToken, Membership
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


def test_a_file_is_checked_then_imported_on_confirmation(signed_in):
    page = upload(signed_in, "invoices", "export.csv", SAGE_EXPORT).content.decode()
    assert "<strong>3</strong> à créer" in page
    assert not Invoice.objects.exists()
    key = page.split('name="key" value="')[1].split('"')[0]
    done = signed_in.post(
        "/import/",
        {"action": "confirm", "kind": "invoices", "key": key, "filename": "export.csv"},
    )
    assert done.status_code == 302
    assert Invoice.objects.count() == 3


def test_a_bad_file_lists_every_error_and_saves_nothing(signed_in):
    content = (
        b"numero;code_client;client;date_facture;date_echeance;montant_ttc\n"
        b"X;C;N;1/1/2026;;5\nY;C;N;32/1/2026;1/2/2026;5\n"
    )
    page = upload(signed_in, "invoices", "bad.csv", content).content.decode()
    assert (
        "2 erreurs : rien n&#x27;a été importé." in page
        or "2 erreurs : rien n'a été importé." in page
    )
    assert "<td>2</td><td>date_echeance</td><td>valeur obligatoire</td>" in page
    assert (
        "<td>3</td><td>date_facture</td><td>date impossible « 32/1/2026 »</td>" in page
    )
    assert 'name="action" value="confirm"' not in page
    assert not Invoice.objects.exists()


def test_a_confirmation_cannot_use_another_companys_upload(signed_in):
    page = upload(signed_in, "invoices", "export.csv", SAGE_EXPORT).content.decode()
    key = page.split('name="key" value="')[1].split('"')[0]
    other = make_company()
    intruder = make_user(other)
    client = Client()
    client.force_login(intruder)
    client.post("/import/", {"action": "confirm", "kind": "invoices", "key": key})
    assert not Invoice.objects.exists()


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
