"""HTML to PDF with WeasyPrint, its fonts and stylesheets loaded once per
process and shared by every document rendered after.

A document never reaches out: WeasyPrint's fetcher here only serves `data:`
URLs and the package's own asset files (stylesheets, images, fonts), so a
template (a company's letter text, a customer's name) can neither make the
server call a URL nor read a file of the machine. A document is bounded:
its HTML in size, its pages in number (docs/security.md)."""

from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError

PACKAGE = Path(__file__).resolve().parent.parent  # src/relance
ASSETS = frozenset(
    {".css", ".png", ".jpg", ".jpeg", ".svg", ".woff", ".woff2", ".ttf", ".otf"}
)
MAX_PAGES = 200
MAX_HTML = 5_000_000  # characters: some 400 pages of tables


class PdfUnavailable(Exception):
    """WeasyPrint cannot start: the system's Pango is missing."""


class PdfTooLong(ApplicationError):
    """A document past MAX_PAGES (or its HTML past MAX_HTML)."""

    def __init__(self):
        super().__init__(
            _(
                "Document trop long : %(max)s pages au plus. Choisissez moins de "
                "courriers ou de factures à la fois."
            )
            % {"max": MAX_PAGES},
            code="pdf_too_long",
        )


def asset_allowed(url: str) -> bool:
    """Whether a document may load `url`: a `data:` URL, or a file of the
    package with an asset's extension (never a network URL, never another
    file of the machine)."""
    if url.startswith("data:"):
        return True
    if not url.startswith("file:"):
        return False
    from urllib.request import url2pathname

    raw = url2pathname(url.split("?")[0].split("#")[0].removeprefix("file:"))
    try:
        path = Path(raw).resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return path.suffix.lower() in ASSETS and path.is_relative_to(PACKAGE)


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def __init__(self):
            super().__init__(timeout=2, allowed_protocols={"data", "file"})

        def fetch(self, url, headers=None):
            if not asset_allowed(url):
                raise ValueError(f"refused: {url[:100]}")
            return super().fetch(url, headers)

    return LocalOnly


def url_fetcher():
    """WeasyPrint's fetcher for every document (see the module's notes)."""
    return _fetcher_class()()


@cache
def _engine(stylesheet: str):
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
    except OSError as error:  # cffi could not load Pango
        raise PdfUnavailable(str(error)) from error

    fonts = FontConfiguration()
    css = CSS(filename=stylesheet, font_config=fonts, url_fetcher=url_fetcher())
    return HTML, fonts, css


def pdf_from_html(html: str, *, stylesheet: str) -> bytes:
    """`html` laid out with the stylesheet at the path `stylesheet`. About a
    tenth of a second a page: WeasyPrint's layout, in pure Python.

    Raises PdfTooLong past MAX_PAGES pages (or MAX_HTML characters)."""
    if len(html) > MAX_HTML:
        raise PdfTooLong
    HTML, fonts, css = _engine(stylesheet)
    document = HTML(string=html, url_fetcher=url_fetcher()).render(
        stylesheets=[css], font_config=fonts
    )
    if len(document.pages) > MAX_PAGES:
        raise PdfTooLong
    return document.write_pdf()
