"""HTML to PDF with WeasyPrint, its fonts and stylesheets loaded once per
process and shared by every document rendered after."""

from functools import cache


class PdfUnavailable(Exception):
    """WeasyPrint cannot start: the system's Pango is missing."""


@cache
def _engine(stylesheet: str):
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
    except OSError as error:  # cffi could not load Pango
        raise PdfUnavailable(str(error)) from error

    fonts = FontConfiguration()
    return HTML, fonts, CSS(filename=stylesheet, font_config=fonts)


def pdf_from_html(html: str, *, stylesheet: str) -> bytes:
    """`html` laid out with the stylesheet at the path `stylesheet`. About a
    tenth of a second a page: WeasyPrint's layout, in pure Python."""
    HTML, fonts, css = _engine(stylesheet)
    return HTML(string=html).write_pdf(stylesheets=[css], font_config=fonts)
