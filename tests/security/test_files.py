"""Item 13 of issue 13: the data folder and what it holds are private, and an
invoice's PDF is served to the users of its company only."""

import os
import stat

import pytest
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.test import Client

from relance.web.uploads import upload_keep
from tests.factories import make_company, make_customer, make_invoice, make_user
from tests.security.process import run_django

PDF = b"%PDF-1.4\n% a tiny invoice\n%%EOF\n"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask():
    """Files as a default umask (022) would leave them: readable by all."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_data_folder_is_private_and_so_are_its_key_database_and_queue(
    tmp_path,
):
    data = tmp_path / "var" / "relance"
    # Modes are read while the connection is open: SQLite removes its
    # write-ahead log when the last connection closes.
    modes = run_django(
        """
        import json, os, stat
        from django.conf import settings
        from django.db import connection
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x integer)")
        print(json.dumps({
            name: stat.S_IMODE(os.stat(settings.DATA_DIR / name).st_mode)
            for name in sorted(os.listdir(settings.DATA_DIR))
        }))
        """,
        data,
    )
    assert mode(data) == 0o700
    assert {
        name: modes[name]
        for name in [
            "secret_key",
            "relance.sqlite3",
            "relance.sqlite3-wal",
            "relance.sqlite3-shm",
            "queue.sqlite3",
        ]
    } == {
        "secret_key": 0o600,
        "relance.sqlite3": 0o600,
        "relance.sqlite3-wal": 0o600,
        "relance.sqlite3-shm": 0o600,
        "queue.sqlite3": 0o600,
    }


@pytest.mark.django_db
def test_an_invoice_pdf_is_written_private_in_private_folders(settings, usual_umask):
    invoice = make_invoice(make_customer(make_company()))
    invoice.pdf.save("facture.pdf", ContentFile(PDF), save=True)
    path = invoice.pdf.path
    assert mode(path) == 0o600
    assert mode(os.path.dirname(path)) == 0o700
    assert mode(settings.MEDIA_ROOT) == 0o700


def test_a_file_kept_for_an_import_preview_is_private(settings, usual_umask):
    key = upload_keep(7, "factures.csv", b"numero;montant\n")
    assert mode(settings.DATA_DIR / "uploads") == 0o700
    assert mode(settings.DATA_DIR / "uploads" / key) == 0o600


def test_a_message_written_to_the_outbox_is_private(settings, usual_umask):
    EmailMessage("Relance", "Bonjour", "a@durand.example", ["b@client.example"]).send()
    outbox = settings.EMAIL_FILE_PATH
    [name] = os.listdir(outbox)
    assert mode(outbox) == 0o700
    assert mode(os.path.join(outbox, name)) == 0o600


@pytest.fixture
def invoice_with_pdf(db):
    company = make_company()
    invoice = make_invoice(make_customer(company), number="FA-2026-0042")
    invoice.pdf.save("facture.pdf", ContentFile(PDF), save=True)
    return invoice


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_invoice_page_links_to_the_pdf_view(invoice_with_pdf):
    client = signed_in(make_user(invoice_with_pdf.company))
    html = client.get(f"/factures/{invoice_with_pdf.pk}/").content.decode()
    assert f'href="/factures/{invoice_with_pdf.pk}/pdf/"' in html
    assert "/files/" not in html


def test_a_user_of_the_company_downloads_the_pdf(invoice_with_pdf):
    client = signed_in(make_user(invoice_with_pdf.company))
    response = client.get(f"/factures/{invoice_with_pdf.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="FA-2026-0042.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_a_user_of_another_company_gets_not_found(invoice_with_pdf):
    client = signed_in(make_user(make_company(name="Concurrent SARL")))
    response = client.get(f"/factures/{invoice_with_pdf.pk}/pdf/")
    assert response.status_code == 404


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_login_page(invoice_with_pdf):
    response = Client().get(f"/factures/{invoice_with_pdf.pk}/pdf/")
    assert response.status_code == 302
    assert response["Location"] == (
        f"/connexion/?next=/factures/{invoice_with_pdf.pk}/pdf/"
    )


def test_an_invoice_without_a_pdf_or_whose_file_is_gone_gets_not_found(
    invoice_with_pdf,
):
    client = signed_in(make_user(invoice_with_pdf.company))
    os.remove(invoice_with_pdf.pdf.path)
    assert client.get(f"/factures/{invoice_with_pdf.pk}/pdf/").status_code == 404
    bare = make_invoice(invoice_with_pdf.customer)
    assert client.get(f"/factures/{bare.pk}/pdf/").status_code == 404


def test_uploads_are_not_served_under_their_storage_address(invoice_with_pdf):
    client = signed_in(make_user(invoice_with_pdf.company))
    assert client.get("/files/" + invoice_with_pdf.pdf.name).status_code == 404


def test_the_deployment_check_warns_of_a_data_folder_open_to_others(settings, tmp_path):
    from django.core.checks import run_checks

    settings.DATA_DIR = tmp_path
    tmp_path.chmod(0o755)
    [warning] = [
        message
        for message in run_checks(include_deployment_checks=True)
        if message.id == "relance.W001"
    ]
    assert warning.msg == (
        f"Le dossier de données {tmp_path} est ouvert aux autres utilisateurs "
        "de la machine (mode 755)."
    )
    assert warning.hint == f"chmod 700 {tmp_path}"
    tmp_path.chmod(0o700)
    assert [
        message
        for message in run_checks(include_deployment_checks=True)
        if message.id == "relance.W001"
    ] == []
