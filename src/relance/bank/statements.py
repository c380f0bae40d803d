"""Reading a bank statement, whatever its format, into credit lines.

The format is told by the content, never by the file's name: ISO 20022
camt.053/052/054 (any version of their namespaces, read with defusedxml: a
DTD, hence any entity, is refused), OFX (ofxtools), SWIFT MT940 (mt-940) and
the CSV exports of French banks (semicolons, 31/01/2026, 1 234,56, debit and
credit columns or one signed amount; read by invoices/tables.py).

A statement is read whole before anything is written: a bad file raises an
ApplicationError naming what is wrong, and nothing is imported. Debits are
left out here.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from relance.bank.models import Format
from relance.core.errors import ApplicationError
from relance.invoices.parsing import ValueRefused, parse_amount, parse_date
from relance.invoices.tables import read_table

MAX_BYTES = 20 * 2**20  # a statement file
MAX_BYTES_TEXT = "20 Mo"
MAX_LINES = 50_000  # entries of a statement, debits included


@dataclass(frozen=True)
class Line:
    """A credit read from a statement."""

    booked_on: date
    amount: Decimal
    label: str = ""
    bank_id: str = ""
    reference: str = ""  # a structured creditor reference (RF…) or end-to-end id
    payer_name: str = ""
    payer_iban: str = ""
    currency: str = "EUR"


@dataclass
class Statement:
    format: str
    lines: list[Line] = field(default_factory=list)  # credits only
    debits: int = 0
    # The statement's own dates: its closing (balance or period end) date
    # when it gives one, and the latest booking date of its debits.
    closing_on: date | None = None
    debits_on: date | None = None

    @property
    def statement_on(self) -> date | None:
        """The date the statement is up to: its closing date, or its latest
        booking date, debits included; None when it says no date at all."""
        dates = [line.booked_on for line in self.lines]
        dates += [day for day in (self.closing_on, self.debits_on) if day]
        return max(dates, default=None)

    def debit_seen(self, on) -> None:
        """A debit booked `on` (a date, or text; unreadable ones are ignored:
        a debit is never refused, it is not imported)."""
        self.debits += 1
        self.debits_on = _latest(self.debits_on, on)


def _latest(known: date | None, on) -> date | None:
    if on is None or on == "":
        return known
    if isinstance(on, datetime):
        on = on.date()
    if not isinstance(on, date):
        try:
            on = parse_date(str(on)[:10])
        except ValueRefused:
            return known
    return on if known is None or on > known else known


def statement_read(content: bytes) -> Statement:
    """The credits of a statement, its format found from its content."""
    if len(content) > MAX_BYTES:
        raise ApplicationError(
            _("Relevé trop volumineux : %(size)s au plus.") % {"size": MAX_BYTES_TEXT},
            field="file",
        )
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise ApplicationError(_("Le relevé est vide."), field="file")
    upper = head.upper()
    if b"OFXHEADER" in upper or b"<OFX>" in upper or b"<?OFX" in upper:
        return _ofx(content)
    if head.startswith(b"<"):
        return _camt(content)
    if head.startswith(b"{1:") or (b":20:" in head and b":25:" in head):
        return _mt940(content)
    return _csv(content)


def _refused(kind: str, where: str, what: str) -> ApplicationError:
    return ApplicationError(
        _("Relevé %(format)s illisible, %(where)s : %(what)s.")
        % {"format": kind, "where": where, "what": what},
        field="file",
    )


def _too_many() -> ApplicationError:
    return ApplicationError(
        _("Relevé trop long : %(n)s opérations au plus.") % {"n": MAX_LINES},
        field="file",
    )


def _clean(text) -> str:
    """One line of text: runs of spaces and line breaks made one space."""
    return re.sub(r"\s+", " ", str(text or "")).strip()


# ISO 20022 camt.05x

CAMT_ROOTS = {
    "BkToCstmrStmt": (Format.CAMT053, "Stmt"),
    "BkToCstmrAcctRpt": (Format.CAMT052, "Rpt"),
    "BkToCstmrDbtCdtNtfctn": (Format.CAMT054, "Ntfctn"),
}


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element, *path):
    """The first descendant along `path` (namespaces were taken off)."""
    return element.find("/".join(path)) if element is not None else None


def _children(element, name):
    return element.findall(name) if element is not None else []


def _text(element, *path) -> str:
    found = element.find("/".join(path)) if element is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _camt(content: bytes) -> Statement:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(content, forbid_dtd=True)
    except DefusedXmlException:
        raise ApplicationError(
            _(
                "Relevé XML refusé : il déclare une DTD ou des entités, ce qu'un "
                "relevé camt ne fait jamais."
            ),
            field="file",
        ) from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise ApplicationError(
            _("Relevé XML illisible, ligne %(line)s, colonne %(column)s.")
            % {"line": line, "column": column + 1},
            field="file",
        ) from None
    for element in root.iter():  # any version's namespace: local names only
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.rsplit("}", 1)[1]
    body = root[0] if _local(root.tag) == "Document" and len(root) else root
    kind, section = CAMT_ROOTS.get(_local(body.tag), (None, None))
    if kind is None:
        raise ApplicationError(
            _(
                "Document XML non reconnu (« %(tag)s ») : un relevé camt.053, "
                "camt.052 ou camt.054 est attendu."
            )
            % {"tag": _local(body.tag)},
            field="file",
        )
    statement = Statement(format=kind)
    number = 0
    for account in _children(body, section):
        statement.closing_on = _latest(statement.closing_on, _camt_closing(account))
        for entry in _children(account, "Ntry"):
            number += 1
            if number > MAX_LINES:
                raise _too_many()
            _camt_entry(statement, entry, number, kind)
    return statement


class _Where:
    """« écriture 12 », translated only when an error needs it."""

    def __init__(self, text: str, number: int):
        self.text, self.number = text, number

    def __str__(self) -> str:
        return _(self.text) % {"n": self.number}


def _camt_entry(statement: Statement, entry, number: int, kind: str) -> None:
    where = _Where(gettext_noop("écriture %(n)s"), number)
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise _refused(kind, where, _("sens (CdtDbtInd) absent ou inconnu"))
    status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
    if _text(entry, "RvslInd").lower() == "true" or status in ("PDNG", "RJCT"):
        return  # a reversal, or not booked (yet): no payment
    booked = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10]
    booked = booked or _text(entry, "ValDt", "Dt") or _text(entry, "ValDt", "DtTm")[:10]
    if indicator == "DBIT":
        statement.debit_seen(booked)
        return
    try:
        booked_on = parse_date(booked)
    except ValueRefused as refused:
        raise _refused(
            kind, where, _("date (BookgDt) : %(e)s") % {"e": refused}
        ) from None
    entry_amount = _camt_amount(_child(entry, "Amt"), kind, where)
    entry_id = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    details = [
        tx
        for block in _children(entry, "NtryDtls")
        for tx in _children(block, "TxDtls")
    ]
    extra = _clean(_text(entry, "AddtlNtryInf"))
    if not details:
        statement.lines.append(
            Line(
                booked_on=booked_on,
                amount=entry_amount[0],
                currency=entry_amount[1],
                label=extra,
                bank_id=entry_id,
            )
        )
        return
    for index, tx in enumerate(details, start=1):
        amount = _child(tx, "AmtDtls", "TxAmt", "Amt")
        if amount is None:
            amount = _child(tx, "Amt")
        value = _camt_amount(amount, kind, where) if amount is not None else None
        if value is None:
            if len(details) > 1:
                raise _refused(
                    kind, where, _("montant absent du détail %(n)s") % {"n": index}
                )
            value = entry_amount
        parties = _child(tx, "RltdPties")
        debtor = _child(parties, "Dbtr")
        name = _text(debtor, "Nm") or _text(debtor, "Pty", "Nm")
        iban = _text(parties, "DbtrAcct", "Id", "IBAN")
        remittance = _child(tx, "RmtInf")
        unstructured = " ".join(
            (u.text or "").strip() for u in _children(remittance, "Ustrd")
        )
        references = [
            _text(s, "CdtrRefInf", "Ref") for s in _children(remittance, "Strd")
        ]
        references = [r for r in references if r]
        bank_id = _text(tx, "Refs", "AcctSvcrRef") or (
            f"{entry_id}/{index}" if entry_id and len(details) > 1 else entry_id
        )
        label = (
            _clean(
                " ".join(
                    p
                    for p in [unstructured, *references[1:], _text(tx, "AddtlTxInf")]
                    if p
                )
            )
            or extra
        )
        statement.lines.append(
            Line(
                booked_on=booked_on,
                amount=value[0],
                currency=value[1],
                label=label,
                bank_id=bank_id[:120],
                reference=(references[0] if references else "")[:60],
                payer_name=_clean(name)[:200],
                payer_iban=_iban(iban),
            )
        )


CLOSING_BALANCES = ("CLBD", "CLAV")  # closing booked, closing available


def _camt_closing(account) -> str:
    """The date of a statement's (or report's) closing balance, else the end
    of the period it covers; "" when it gives neither."""
    for balance in _children(account, "Bal"):
        code = _text(balance, "Tp", "CdOrPrtry", "Cd")
        if code in CLOSING_BALANCES:
            day = _text(balance, "Dt", "Dt") or _text(balance, "Dt", "DtTm")[:10]
            if day:
                return day
    return _text(account, "FrToDt", "ToDtTm")[:10]


def _camt_amount(element, kind, where) -> tuple[Decimal, str]:
    text = (element.text or "").strip() if element is not None else ""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _refused(
            kind, where, _("montant (Amt) illisible « %(v)s »") % {"v": text}
        ) from None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e12"):
        raise _refused(
            kind, where, _("montant (Amt) impossible « %(v)s »") % {"v": text}
        )
    currency = (element.get("Ccy") or "EUR").upper()[:3]
    return amount.quantize(Decimal("0.01")), currency


def _iban(text: str) -> str:
    return re.sub(r"\s+", "", text or "").upper()[:42]


# OFX


def _ofx(content: bytes) -> Statement:
    if re.search(rb"<!(DOCTYPE|ENTITY)", content, re.IGNORECASE):
        raise ApplicationError(
            _("Relevé OFX refusé : il déclare une DTD ou des entités."), field="file"
        )
    from io import BytesIO

    from ofxtools.Parser import OFXTree

    logging.getLogger("ofxtools").setLevel(logging.WARNING)
    tree = OFXTree()
    try:
        tree.parse(BytesIO(content))
        ofx = tree.convert()
    except Exception as error:  # ofxtools raises many kinds of errors
        raise ApplicationError(
            _("Relevé OFX illisible : %(error)s.") % {"error": _clean(error)[:200]},
            field="file",
        ) from None
    statement = Statement(format=Format.OFX)
    number = 0
    for stmt in ofx.statements:
        currency = (getattr(stmt, "curdef", None) or "EUR")[:3]
        listed = stmt.banktranlist
        ledger = getattr(stmt, "ledgerbal", None)
        for closing in (
            getattr(listed, "dtend", None),
            getattr(ledger, "dtasof", None),
        ):
            statement.closing_on = _latest(statement.closing_on, closing)
        for tx in listed or []:
            number += 1
            if number > MAX_LINES:
                raise _too_many()
            amount = Decimal(tx.trnamt)
            if amount <= 0:
                statement.debit_seen(tx.dtposted)
                continue
            where = _("opération %(n)s") % {"n": number}
            if amount >= Decimal("1e12") or amount != amount.quantize(Decimal("0.01")):
                raise _refused(
                    "OFX", where, _("montant impossible « %(v)s »") % {"v": amount}
                )
            posted = tx.dtposted
            booked_on = posted.date() if isinstance(posted, datetime) else posted
            try:
                booked_on = parse_date(booked_on)
            except ValueRefused as refused:
                raise _refused("OFX", where, str(refused)) from None
            name = _clean(getattr(tx, "name", "") or "")
            memo = _clean(getattr(tx, "memo", "") or "")
            payee = getattr(tx, "payee", None)
            label = _clean(f"{name} {memo}")
            statement.lines.append(
                Line(
                    booked_on=booked_on,
                    amount=amount.quantize(Decimal("0.01")),
                    currency=currency,
                    label=label,
                    bank_id=_clean(tx.fitid)[:120],
                    payer_name=_clean(getattr(payee, "name", "") or "")[:200]
                    or payer_from_label(label),
                )
            )
    return statement


# MT940

MT940_FIELDS = re.compile(
    r"/(EREF|KREF|MREF|CRED|DEBT|REMI|NAME|IBAN|BIC|ORDP|CDTRREFINF)/"
)


def _mt940(content: bytes) -> Statement:
    import mt940

    text = _decode(content)
    if text.count(":61:") > MAX_LINES:
        raise _too_many()
    transactions = mt940.models.Transactions()
    try:
        transactions.parse(text)
    except Exception as error:  # mt-940 raises many kinds of errors
        raise ApplicationError(
            _("Relevé MT940 illisible : %(error)s.") % {"error": _clean(error)[:200]},
            field="file",
        ) from None
    statement = Statement(format=Format.MT940)
    if not len(transactions) and ":61:" not in text:
        raise ApplicationError(
            _("Relevé MT940 sans opération (aucun champ :61:)."), field="file"
        )
    closing = transactions.data.get("final_closing_balance")
    statement.closing_on = _latest(None, getattr(closing, "date", None))
    for number, tx in enumerate(transactions, start=1):
        data = tx.data
        amount = data["amount"].amount
        booked = data.get("entry_date") or data.get("date")
        if data.get("status", "").endswith("D") or amount <= 0:
            # a debit, or the reversal of a credit (RC): no payment
            statement.debit_seen(_mt940_date(booked))
            continue
        if data.get("status") == "RD":
            statement.debit_seen(_mt940_date(booked))
            continue
        details = data.get("transaction_details") or ""
        fields = _mt940_details(details)
        label = fields.get("REMI") or _clean(details.replace("\n", " "))
        statement.lines.append(
            Line(
                booked_on=_mt940_date(booked),
                amount=Decimal(amount).quantize(Decimal("0.01")),
                currency=(data.get("currency") or "EUR")[:3],
                label=_clean(" ".join([label, data.get("extra_details") or ""]))
                or _clean(details),
                bank_id=_mt940_id(data)[:120],
                reference=fields.get("CDTRREFINF", "")[:60],
                payer_name=(fields.get("NAME") or payer_from_label(label))[:200],
                payer_iban=_iban(fields.get("IBAN", "")),
            )
        )
        if number > MAX_LINES:
            raise _too_many()
    return statement


def _mt940_date(day) -> date | None:
    return date(day.year, day.month, day.day) if day else None


def _mt940_id(data: dict) -> str:
    reference = (data.get("bank_reference") or "").strip()
    if reference and reference.upper() != "NONREF":
        return reference
    reference = (data.get("customer_reference") or "").strip()
    return "" if reference.upper() == "NONREF" else reference


def _mt940_details(details: str) -> dict[str, str]:
    """The SEPA sub-fields of a :86: field (/REMI/…/NAME/…), its line breaks
    undone (a line is cut at 65 characters, even inside a word)."""
    joined = details.replace("\r", "").replace("\n", "")
    parts = MT940_FIELDS.split(joined)
    if len(parts) < 3:
        return {}
    return {parts[i]: _clean(parts[i + 1]) for i in range(1, len(parts) - 1, 2)}


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


# French bank CSV


def _names(*names: str) -> set[str]:
    from relance.invoices.parsing import normalize_header

    return {normalize_header(name) for name in names}


CSV_COLUMNS = {
    "date": _names(
        "Date",
        "Date opération",
        "Date d'opération",
        "Date comptable",
        "Date de comptabilisation",
    ),
    "value_date": _names("Date de valeur", "Date valeur"),
    "label": _names(
        "Libellé", "Libelle", "Libellé opération", "Libellé simplifié", "Intitulé"
    ),
    "details": _names(
        "Détail", "Détails", "Informations complémentaires", "Libellé complet"
    ),
    "debit": _names("Débit", "Debit", "Montant débit", "Débit euros", "Débit EUR"),
    "credit": _names(
        "Crédit", "Credit", "Montant crédit", "Crédit euros", "Crédit EUR"
    ),
    "amount": _names(
        "Montant", "Montant EUR", "Montant (EUR)", "Montant(EUROS)", "Montant euros"
    ),
    "reference": _names("Référence", "Reference", "Réf.", "Référence de l'opération"),
    "payer_name": _names("Tiers", "Émetteur", "Nom du tiers", "Contrepartie"),
    "payer_iban": _names("IBAN", "IBAN tiers", "IBAN de la contrepartie"),
}


def _csv(content: bytes) -> Statement:
    skipped, content = _csv_from_header(content)
    table = read_table(content, "releve.csv", CSV_COLUMNS)
    has_amount = "amount" in table.columns or "credit" in table.columns
    if "date" not in table.columns or not has_amount:
        raise ApplicationError(
            _(
                "Format de relevé non reconnu : camt.053, camt.052, camt.054, OFX, "
                "MT940, ou CSV avec les colonnes « Date », « Libellé » et « Crédit » "
                "(ou « Montant »)."
            ),
            field="file",
        )
    if len(table.rows) > MAX_LINES:
        raise _too_many()
    statement = Statement(format=Format.CSV)
    for line, row in table.rows:
        line += skipped  # the file's own line numbers
        try:
            credit = _csv_credit(row)
        except _CellRefused as refused:
            raise _csv_refused(line, table, refused.column, refused.message) from None
        if credit is None:
            statement.debit_seen(row.get("date") or row.get("value_date"))
            continue
        try:
            booked_on = parse_date(row.get("date") or row.get("value_date") or "")
        except ValueRefused as refused:
            raise _csv_refused(line, table, "date", str(refused)) from None
        label = _clean(" ".join(str(row.get(k) or "") for k in ("label", "details")))
        statement.lines.append(
            Line(
                booked_on=booked_on,
                amount=credit,
                label=label,
                bank_id=_clean(row.get("reference"))[:120],
                payer_name=_clean(row.get("payer_name"))[:200]
                or payer_from_label(label),
                payer_iban=_iban(str(row.get("payer_iban") or "")),
            )
        )
    return statement


class _CellRefused(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def _csv_credit(row: dict) -> Decimal | None:
    """The credit of a row, None for a debit (or an empty row)."""
    for column in ("credit", "amount"):
        value = row.get(column)
        if value in (None, ""):
            continue
        try:
            amount = parse_amount(value)
        except ValueRefused as refused:
            raise _CellRefused(column, str(refused)) from None
        if column == "credit":
            amount = abs(amount)
        return amount if amount > 0 else None
    return None


def _csv_refused(line, table, column, message) -> ApplicationError:
    return ApplicationError(
        _("Relevé CSV, ligne %(line)s, colonne « %(column)s » : %(message)s.")
        % {
            "line": line,
            "column": table.columns.get(column, column),
            "message": message,
        },
        field="file",
    )


def _csv_from_header(content: bytes) -> tuple[int, bytes]:
    """French banks write a few lines (account, period, balance) before the
    table: it starts at the first line naming a date and an amount column.
    The lines skipped, and the table."""
    lines = content.split(b"\n", 30)
    for index, raw in enumerate(lines[:30]):
        text = _decode(raw).casefold()
        if "date" in text and any(
            word in text for word in ("crédit", "credit", "montant", "débit", "debit")
        ):
            return index, b"\n".join(lines[index:])
    return 0, content


PAYER_PATTERNS = [
    re.compile(r"\bDE\s*:\s*(.+?)(?:\s+(?:MOTIF|REF|REFERENCE|ID|MOTIF:)\b|$)", re.I),
    re.compile(r"/DE\s+(.+?)\s*(?:/|$)", re.I),
    re.compile(
        r"\bVIR(?:EMENT)?\s+(?:SEPA\s+)?(?:RECU\s+)?DE\s+(.+?)(?:\s+(?:MOTIF|REF)\b|/|$)",
        re.I,
    ),
]


def payer_from_label(label: str) -> str:
    """The payer's name as French banks write it in a label: « VIR SEPA
    RECU /DE DUPONT SARL /MOTIF FC… », « DE: DUPONT SARL MOTIF: … »."""
    for pattern in PAYER_PATTERNS:
        found = pattern.search(label)
        if found:
            return _clean(found.group(1))[:200]
    return ""


# A bank aggregator's push (the API)


def api_statement(objects: list[dict], *, limit: int) -> Statement:
    """Transactions pushed through the API as a statement of format « api »:
    its credits, its debits counted (their dates give the statement's)."""
    statement = Statement(format=Format.API)
    lines, _debits = api_lines(objects, limit=limit)
    statement.lines = lines
    for item in objects:
        if Decimal(item["amount"]).quantize(Decimal("0.01")) <= 0:
            statement.debit_seen(item["date"])
    return statement


def api_lines(objects: list[dict], *, limit: int) -> tuple[list[Line], int]:
    """The credits of transactions pushed through the API (already checked
    field by field by its schema), and the number of debits left out."""
    if len(objects) > limit:
        raise ApplicationError(
            _("%(n)s opérations au plus par envoi.") % {"n": limit},
            field="transactions",
        )
    lines, debits = [], 0
    for item in objects:
        amount = Decimal(item["amount"]).quantize(Decimal("0.01"))
        if amount <= 0:
            debits += 1
            continue
        lines.append(
            Line(
                booked_on=item["date"],
                amount=amount,
                currency=(item.get("currency") or "EUR").upper(),
                label=_clean(item.get("label")),
                bank_id=_clean(item.get("id"))[:120],
                reference=_clean(item.get("reference"))[:60],
                payer_name=_clean(item.get("payer_name"))[:200],
                payer_iban=_iban(item.get("payer_iban") or ""),
            )
        )
    return lines, debits
