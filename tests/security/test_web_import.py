"""The import page answers a hostile file with its French error, never a 500:
the request keeps the file, the worker refuses it, the run's page says why."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.core.models import Membership
from tests.factories import make_company, make_steps, make_user
from tests.security import forge

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in():
    company = make_company()
    make_steps(company)
    user = make_user(company)
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    def post(client, name, content):
        with django_capture_on_commit_callbacks(execute=True):  # the worker
            response = client.post(
                "/import/",
                {"kind": "invoices", "file": SimpleUploadedFile(name, content)},
            )
        assert response.status_code == 302
        return client.get(response["Location"])

    return post


def error_notice(message: str) -> str:
    return f'<div class="notice notice-danger" role="alert">{message}</div>'


def test_an_xlsx_bomb_posted_to_the_import_page_gets_its_french_error(
    signed_in, upload
):
    response = upload(signed_in, "factures.xlsx", forge.last_row_bomb("A1:XFD1048576"))
    assert response.status_code == 200
    page = response.content.decode()
    assert error_notice("Fichier trop grand : 1000000 lignes au plus.") in page
    assert "Importer</button>" not in page


def test_three_million_rows_posted_to_the_import_page_get_their_french_error(
    signed_in, upload
):
    response = upload(signed_in, "factures.xlsx", forge.rows_bomb())
    assert response.status_code == 200
    assert (
        error_notice("Classeur trop grand : 150 Mo au plus une fois décompressé.")
        in response.content.decode()
    )


def test_a_csv_neither_utf8_nor_windows_1252_gets_its_line_and_column(
    signed_in, upload
):
    content = (
        b"numero;code_client;client;date_facture;date_echeance;montant_ttc\r\n"
        b"F1;411A;Client A;02/01/2026;31/01/2026;10\r\n"
        b"F2;411B;Soci\x81t\xe9 B;02/01/2026;31/01/2026;10\r\n"
    )
    response = upload(signed_in, "factures.csv", content)
    assert response.status_code == 200
    assert (
        "<td>3</td><td>client</td>"
        "<td>caractère illisible : ni UTF-8 ni Windows-1252</td>"
    ) in response.content.decode()
