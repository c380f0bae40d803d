"""Issue 14 §4, security of the letters: WeasyPrint never fetches a URL
from a document (only data: URLs and the package's own assets), a company's
letter text is sandboxed, bounded and escaped, a document is bounded in
pages and letters; a company reaches only its own letters (web, API)."""

import http.server
import threading
from pathlib import Path

import pytest

from relance.core.models import Company
from relance.core.pdfs import MAX_PAGES, PdfTooLong, asset_allowed, pdf_from_html
from relance.core.services import company_update
from relance.dunning.letters import BATCH_MAX, STYLESHEET, letters_pdf
from relance.dunning.models import Letter
from relance.web.forms import CompanyForm
from tests.factories import (
    LETTER_ON,
    company_with_letter_step,
    customer_of,
    late_invoice,
    remind,
)
from tests.invoices.test_pdf import text_of

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "relance"


class _Spy(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        _Spy.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def spy():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Spy)
    _Spy.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_document_never_fetches_a_url_nor_a_file_of_the_machine(spy, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = (
        f'<link rel="stylesheet" href="{spy}/style.css">'
        f'<img src="{spy}/pixel.png"><p style="background: url({spy}/bg.png)">x</p>'
        f'<link rel="stylesheet" href="file://{secret}">'
        '<img src="file:///etc/hostname"><p>Bonjour</p>'
    )

    pdf = pdf_from_html(html, stylesheet=str(STYLESHEET))

    assert _Spy.hits == []
    assert "Bonjour" in text_of(pdf)


def test_only_data_urls_and_the_packages_assets_are_allowed():
    css = PACKAGE / "dunning" / "templates" / "dunning" / "letter_pdf.css"
    assert asset_allowed("data:image/png;base64,iVBORw0KGgo=")
    assert asset_allowed(css.as_uri())
    for refused in [
        "http://127.0.0.1/x.png",
        "https://example.com/x.css",
        "ftp://example.com/x",
        "file:///etc/passwd",
        (PACKAGE / "config" / "settings.py").as_uri(),
        (PACKAGE / "dunning" / ".." / ".." / ".." / "pyproject.toml").as_uri(),
        css.as_uri().replace("letter_pdf.css", "missing.css"),
    ]:
        assert not asset_allowed(refused), refused


def test_a_document_past_200_pages_is_refused_with_a_clear_message():
    html = '<p style="break-after: page">x</p>' * (MAX_PAGES + 1)
    with pytest.raises(PdfTooLong) as refused:
        pdf_from_html(html, stylesheet=str(STYLESHEET))
    assert refused.value.message == (
        "Document trop long : 200 pages au plus. Choisissez moins de courriers "
        "ou de factures à la fois."
    )


def test_a_batch_of_more_than_100_letters_is_refused_before_any_layout():
    with pytest.raises(PdfTooLong):
        letters_pdf([Letter()] * (BATCH_MAX + 1))


@pytest.mark.django_db
def test_a_letter_text_that_reaches_out_of_the_sandbox_is_refused_when_saved():
    company = Company.objects.create(name="Durand")
    form = CompanyForm(
        {
            "name": "Durand",
            "time_zone": "Europe/Paris",
            "language": "fr",
            "min_gap_days": 5,
            "grouping": "step",
            "penalty_day_basis": 365,
            "daily_run_at": "06:00",
            "letter_body": "{{ customer.__class__.__mro__ }}",
        },
        instance=company,
    )
    assert not form.is_valid()
    assert "letter_body" in form.errors


@pytest.mark.django_db
def test_a_letter_text_is_bounded_in_size():
    company = Company.objects.create(name="Durand")
    with pytest.raises(Exception) as refused:
        company_update(company=company, letter_body="x" * 5001)
    assert str(refused.value) == (
        "letter_body : 5\u202f000 caractères au plus (il y en a 5001)."
    )


@pytest.mark.django_db
def test_html_in_a_letter_text_is_printed_as_text_never_loaded(spy):
    company = company_with_letter_step(
        letter_body=f'Payez <img src="{spy}/x.png"> {{{{ customer.name }}}}'
    )
    late_invoice(customer_of(company, name='Garage <b>"Dupuis"</b>'))
    remind(company, LETTER_ON)

    text = text_of(letters_pdf([Letter.objects.get()]))

    assert f'Payez <img src="{spy}/x.png"> Garage <b>"Dupuis"</b>' in text
    assert _Spy.hits == []
