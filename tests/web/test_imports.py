"""The import page: check first, save on confirmation, every error listed."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.core.models import ApiToken, Membership
from relance.dunning.models import ImportRun
from relance.invoices.importing import PREVIEW_ROWS
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


def preview_table(page: str) -> list[list[str]]:
    """The rows of the check's table, as text: one list of cells a row."""
    table = page.split('data-testid="import-preview"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def imported(client, content, capture) -> None:
    """A file of invoices checked, then imported."""
    run, _page = checked(client, "invoices", "a.csv", content, capture)
    with capture(execute=True):
        client.post(f"/import/{run.pk}/")
    assert ImportRun.objects.latest("pk").status == "done"


# The export again: an amount changed, and a new invoice due in 2099.
NEW_ROW = "FC23010004;411NEUF;Nouveau client;;11/01/2023;31/12/2099;99,90;;;\r\n"
CHANGED = SAGE_EXPORT.replace(
    b"12 000,00;4 000,00", b"12 500,00;4 000,00"
) + NEW_ROW.encode("cp1252")


def test_the_check_shows_each_row_to_create_or_update_with_its_changes(
    signed_in, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    imported(signed_in, SAGE_EXPORT, capture)
    _run, page = checked(signed_in, "invoices", "b.csv", CHANGED, capture)
    # What changes first, then the rest, in the file's order.
    assert preview_table(page) == [
        [
            "3",
            "FC23010002",
            "411RIOU — Menuiserie Riou",
            "05/01/2023",
            "04/02/2023",
            "12 500,00 €",
            "à mettre à jour montant 12 000,00 € → 12 500,00 €",
        ],
        [
            "5",
            "FC23010004",
            "411NEUF — Nouveau client nouveau client",
            "11/01/2023",
            "31/12/2099",
            "99,90 €",
            "à créer",
        ],
        [
            "2",
            "FC23010001",
            "411HERBLYF — HERBLY Francis",
            "02/01/2023",
            "31/01/2023",
            "1 234,56 €",
            "inchangée",
        ],
        [
            "4",
            "FC23010003",
            "411HERBLYF — HERBLY Francis",
            "10/01/2023",
            "09/02/2023",
            "480,00 €",
            "inchangée",
        ],
    ]
    # The far due date is a warning, in the file's own column name; the
    # file may be imported all the same.
    warnings = page.split('data-testid="import-warnings"')[1].split("</table>")[0]
    assert (
        "<td>5</td><td>Date échéance</td>"
        "<td>Échéance lointaine : 31/12/2099, vérifiez la date</td>"
    ) in warnings
    assert "1 avertissement : la ligne sera importée telle quelle." in page
    assert "Importer</button>" in page
    assert "autres lignes" not in page


def test_an_english_reader_gets_the_check_in_english(
    signed_in, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    imported(signed_in, SAGE_EXPORT, capture)
    user = Membership.objects.get(company=signed_in.company).user
    user.language = "en"
    user.save()
    _run, page = checked(signed_in, "invoices", "b.csv", CHANGED, capture)
    assert preview_table(page)[:3] == [
        [
            "3",
            "FC23010002",
            "411RIOU — Menuiserie Riou",
            "5 Jan 2023",
            "4 Feb 2023",
            "€12,500.00",
            "to update amount €12,000.00 → €12,500.00",
        ],
        [
            "5",
            "FC23010004",
            "411NEUF — Nouveau client new customer",
            "11 Jan 2023",
            "31 Dec 2099",
            "€99.90",
            "to create",
        ],
        [
            "2",
            "FC23010001",
            "411HERBLYF — HERBLY Francis",
            "2 Jan 2023",
            "31 Jan 2023",
            "€1,234.56",
            "unchanged",
        ],
    ]
    assert (
        "<td>5</td><td>Date échéance</td>"
        "<td>Due date far ahead: 31 Dec 2099, check the date</td>"
    ) in page


def test_a_big_file_shows_its_first_rows_and_how_many_more(
    signed_in, django_capture_on_commit_callbacks
):
    lines = ["numero;code_client;client;date_facture;date_echeance;montant_ttc"]
    lines += [f"F{n:05};C1;Client;01/01/2026;31/01/2026;10,00" for n in range(1000)]
    content = ("\n".join(lines) + "\n").encode()
    run, page = checked(
        signed_in, "invoices", "big.csv", content, django_capture_on_commit_callbacks
    )
    assert len(preview_table(page)) == PREVIEW_ROWS
    assert f"et {1000 - PREVIEW_ROWS} autres lignes" in page
    assert len(run.preview["rows"]) == PREVIEW_ROWS
    assert run.preview["more_rows"] == 1000 - PREVIEW_ROWS
    assert run.created == 1000


def test_a_payments_check_shows_each_payment(
    signed_in, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    imported(signed_in, SAGE_EXPORT, capture)
    bank = (
        b"numero_facture;date_paiement;montant;reference;mode\n"
        b"FC23010001;15/02/2023;1 234,56;VIR HERBLY;virement\n"
        b"FC23010002;16/02/2023;1 500,00;CHQ 12;cheque\n"
    )
    _run, page = checked(signed_in, "payments", "banque.csv", bank, capture)
    assert preview_table(page) == [
        [
            "2",
            "FC23010001",
            "411HERBLYF — HERBLY Francis",
            "15/02/2023",
            "1 234,56 €",
            "Virement · VIR HERBLY",
            "à enregistrer solde la facture",
        ],
        [
            "3",
            "FC23010002",
            "411RIOU — Menuiserie Riou",
            "16/02/2023",
            "1 500,00 €",
            "Chèque · CHQ 12",
            "à enregistrer",
        ],
    ]


def test_a_payment_file_reports_its_progress_after_each_chunk(
    signed_in, django_capture_on_commit_callbacks, monkeypatch
):
    """Streamed (ADR 17 amended 2026-12-04), a payment file tells the
    page's bar its rows done after each chunk, as an invoice file does."""
    from relance.dunning.services import import_runs
    from relance.invoices import importing

    capture = django_capture_on_commit_callbacks
    imported(signed_in, SAGE_EXPORT, capture)
    monkeypatch.setattr(importing, "PAYMENT_CHUNK_ROWS", 1)
    done = []
    monkeypatch.setattr(import_runs, "_progress_write", lambda _pk, n: done.append(n))
    bank = (
        b"numero_facture;date_paiement;montant\n"
        b"FC23010001;15/02/2023;100,00\n"
        b"FC23010001;16/02/2023;100,00\n"
        b"FC23010002;16/02/2023;1 500,00\n"
    )
    run, _page = checked(signed_in, "payments", "banque.csv", bank, capture)
    assert (run.status, run.created, run.rows_total, done) == (
        "done",
        3,
        3,
        [1, 2, 3],
    )


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


def test_a_running_import_shows_its_progress_bar_to_the_polling_page(
    signed_in, django_capture_on_commit_callbacks
):
    """The rows done come from the cache, written by the worker after each
    chunk outside the import's transaction (ADR 17)."""
    from relance.dunning.services import import_runs

    run = ImportRun.objects.create(
        company=signed_in.company,
        kind="invoices",
        filename="historique.csv",
        status="running",
        rows_total=100_000,
    )
    import_runs._progress_write(run.pk, 42_000)
    page = signed_in.get(f"/import/{run.pk}/", HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert 'data-testid="import-progress" data-done="42000" data-total="100000"' in (
        html
    )
    assert '<progress class="progress" max="100000" value="42000"' in html
    assert "42000 lignes sur 100000 (42 %)" in html
    assert 'hx-trigger="load delay:1s"' in html  # polled again
    # Once done, no bar: the counts of the run.
    run.status, run.rows_done = "done", 100_000
    run.save()
    html = signed_in.get(f"/import/{run.pk}/", HTTP_HX_REQUEST="true").content
    assert b"import-progress" not in html


def test_an_excel_import_counts_its_rows_without_a_total(signed_in):
    from relance.dunning.services import import_runs

    run = ImportRun.objects.create(
        company=signed_in.company,
        kind="invoices",
        filename="historique.xlsx",
        status="running",
    )
    import_runs._progress_write(run.pk, 6000)
    html = signed_in.get(f"/import/{run.pk}/", HTTP_HX_REQUEST="true").content
    assert "6000 lignes traitées" in html.decode()


def test_an_import_run_records_its_rows(signed_in, django_capture_on_commit_callbacks):
    run, _page = checked(
        signed_in,
        "invoices",
        "export.csv",
        SAGE_EXPORT,
        django_capture_on_commit_callbacks,
    )
    assert (run.rows_total, run.rows_done) == (3, 3)
