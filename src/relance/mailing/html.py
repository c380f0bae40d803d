"""The HTML part of a message, built from its text: users never write HTML."""

from html import escape

_STYLE = (
    "font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;"
    "font-size: 15px; line-height: 1.5; color: #1f2933; max-width: 640px;"
)


def text_to_html(text: str, *, title: str = "", language: str = "fr") -> str:
    """Paragraphs at blank lines, lists for lines starting with « - », line breaks."""
    blocks = []
    for paragraph in text.strip().split("\n\n"):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.lstrip().startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line.lstrip()[2:])}</li>" for line in lines)
            blocks.append(f'<ul style="padding-left: 20px;">{items}</ul>')
        else:
            blocks.append(
                "<p>" + "<br>\n".join(escape(line) for line in lines) + "</p>"
            )
    body = "\n".join(blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        f'<body style="{_STYLE}">\n{body}\n</body></html>\n'
    )
