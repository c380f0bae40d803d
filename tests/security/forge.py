"""Hostile XLSX files, zipped by hand: a real workbook says what it holds;
these say anything, which openpyxl's writer would never let us write."""

import io
import zipfile
from collections.abc import Iterable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
    '.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{TYPES}.worksheet+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{OFFICE}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    f'xmlns:r="{OFFICE}"><sheets><sheet name="Factures" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>"
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)

HEADER = ("numero", "code_client", "client", "date_facture", "date_echeance")
HEADER += ("montant_ttc",)


def text(reference: str, value: str) -> str:
    """A cell holding text, as Excel writes it when it does not share it."""
    return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'


def row(line: int, *values: str) -> str:
    """A row of text cells from column A."""
    cells = "".join(
        text(f"{chr(ord('A') + index)}{line}", value)
        for index, value in enumerate(values)
    )
    return f'<row r="{line}">{cells}</row>'


def invoice(line: int, number: str) -> str:
    return row(line, number, "411A", "Client A", "02/01/2026", "31/01/2026", "10")


def sheet(rows: str, dimension: str | None = None) -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
        f"{declared}<sheetData>{rows}</sheetData></worksheet>"
    )


def xlsx(
    worksheet: str | Iterable[bytes], parts: dict[str, str | bytes] | None = None
) -> bytes:
    """A workbook of one sheet. `worksheet` may come in chunks, so that a
    sheet of hundreds of megabytes is never whole in memory; `parts` adds
    or replaces parts."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        given = parts or {}
        for name, content in {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": PACKAGE_RELS,
            "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
            **given,
        }.items():
            archive.writestr(name, content)
        if "xl/worksheets/sheet1.xml" not in given:
            with archive.open("xl/worksheets/sheet1.xml", "w") as part:
                chunks = [worksheet] if isinstance(worksheet, str) else worksheet
                for chunk in chunks:
                    part.write(chunk.encode() if isinstance(chunk, str) else chunk)
    return output.getvalue()


def excel_like() -> bytes:
    """A workbook as Excel writes it: text in the shared strings (one with
    formatted runs and a phonetic reading), a date as a number with a date
    style, a dimension that tells the truth."""
    strings = [
        "numero",
        "code_client",
        "client",
        "date_facture",
        "date_echeance",
        "montant_ttc",
        "FC-1",
        "411A",
        '<r><rPr><b/></rPr><t xml:space="preserve">Société </t></r>'
        '<r><t>Générale</t></r><rPh sb="0" eb="1"><t>ソ</t></rPh>',
    ]
    shared = (
        f'<sst xmlns="{MAIN}" count="9" uniqueCount="9">'
        + "".join(
            f"<si>{s}</si>" if s.startswith("<r>") else f"<si><t>{s}</t></si>"
            for s in strings
        )
        + "</sst>"
    )
    styles = (
        f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" '
        'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle '
        'name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    )
    header = "".join(
        f'<c r="{letter}1" t="s"><v>{index}</v></c>'
        for index, letter in enumerate("ABCDEF")
    )
    invoice = (
        '<c r="A2" t="s"><v>6</v></c><c r="B2" t="s"><v>7</v></c>'
        '<c r="C2" t="s"><v>8</v></c><c r="D2" s="1"><v>46024</v></c>'
        '<c r="E2" s="1"><v>46053</v></c><c r="F2"><v>1234.5</v></c>'
    )
    worksheet = sheet(f'<row r="1">{header}</row><row r="2">{invoice}</row>', "A1:F2")
    types = CONTENT_TYPES.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" '
        f'ContentType="{TYPES}.sharedStrings+xml"/></Types>',
    )
    return xlsx(
        worksheet,
        {
            "[Content_Types].xml": types,
            "xl/sharedStrings.xml": shared,
            "xl/styles.xml": styles,
        },
    )


def last_row_bomb(dimension: str) -> bytes:
    """1.5 KB: a header, an invoice, and a cell in Excel's last row."""
    rows = row(1, *HEADER) + invoice(2, "F1") + row(1_048_576, "x")
    return xlsx(sheet(rows, dimension))


def rows_bomb() -> bytes:
    """Under 1 MB: a header and three million rows (165 MB uncompressed)."""
    top, bottom = sheet("").split("<sheetData>")
    cells = "<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>"
    chunks = (cells * 10_000 for _chunk in range(300))
    return xlsx([top, "<sheetData>", row(1, *HEADER), *chunks, bottom])
