"""Reading a CDAR message: the lifecycle statuses an e-invoicing platform
sends back about invoices (UN/CEFACT CrossDomainAcknowledgementAndResponse
D22B, as the French norm AFNOR XP Z12-012 profiles it; docs/einvoicing.md).

What is read, per referenced invoice (ReferenceReferencedDocument):
- IssuerAssignedID: the invoice number (MDT-87);
- ProcessConditionCode: the status, 200 to 213 (MDT-105);
- the status date: AcknowledgementDocument/IssueDateTime (MDT-78), else the
  message's own date (ExchangedDocument/IssueDateTime, MDT-8);
- SpecifiedDocumentStatus: ReasonCode and Reason (why a refusal, a
  dispute), IncludedNote/Content, ReferenceDateTime (the day cashed);
- SpecifiedDocumentCharacteristic of TypeCode « MEN » (montant encaissé):
  ValueAmount, summed over the VAT rates, and ValueDateTime;
- IssuerTradeParty/GlobalID of scheme 0002: the seller's SIREN.
The message's id (ExchangedDocument/ID) makes a message received twice
recognised.

The XML is parsed with defusedxml (no DTD, no entity, no external
reference), MAX_BYTES at most: a hostile file is refused, not expanded.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.invoices.models import Invoice
from relance.invoices.parsing import ValueRefused, parse_amount

MAX_BYTES = 5 * 2**20  # a platform's message is a few kilobytes
MAX_STATUSES = 10_000  # referenced invoices in one message
RSM = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
ROOT = f"{{{RSM}}}CrossDomainAcknowledgementAndResponse"
CASHED_AMOUNT = "MEN"  # « montant encaissé » (MDT-207)
SIREN_SCHEME = "0002"


@dataclass
class CdarStatus:
    position: int  # its rank among the message's referenced invoices, from 1
    invoice_number: str = ""
    code: str = ""
    on: date | None = None
    reason: str = ""
    amount_paid: Decimal | None = None
    paid_on: date | None = None
    seller_siren: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The status's label (« Encaissée »), "" for an unknown code."""
        return str(dict(Invoice.EInvoiceStatus.choices).get(self.code, ""))


@dataclass
class CdarMessage:
    message_id: str
    issued_on: date | None
    statuses: list[CdarStatus]


def _local(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child) == name]


def _child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _date(element: Element | None) -> date | None:
    """A CII date-time (DateTimeString format 102, 203 or 204, or DateTime
    in ISO form) as a date; None when absent. ValueRefused when unreadable."""
    if element is None:
        return None
    inner = _child(element, "DateTimeString")
    if inner is None:
        inner = _child(element, "DateTime")
    text = ((inner if inner is not None else element).text or "").strip()
    if not text:
        return None
    try:
        if text[:8].isdigit() and (len(text) == 8 or text.isdigit()):
            return datetime.strptime(text[:8], "%Y%m%d").date()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise ValueRefused(
            _("date illisible « %(v)s » (attendu : AAAAMMJJ)") % {"v": text[:40]}
        ) from None


def cdar_read(content: bytes) -> CdarMessage:
    """The statuses of a CDAR message; ApplicationError (field « file ») when
    the file is not one. Each status carries its own problems (an unknown
    code, an unreadable date or amount): the caller refuses the file if any."""
    if len(content) > MAX_BYTES:
        raise ApplicationError(
            _("Fichier trop grand : %(n)s Mo au plus pour un message CDAR.")
            % {"n": MAX_BYTES // 2**20},
            field="file",
        )
    try:
        root = fromstring(content, forbid_dtd=True)
    except DefusedXmlException:
        raise ApplicationError(
            _(
                "Fichier XML refusé : il déclare une DTD ou des entités, ce qu'un "
                "message CDAR ne fait jamais."
            ),
            field="file",
        ) from None
    except (ParseError, ValueError):
        raise ApplicationError(
            _("Ce fichier n'est pas un XML lisible."), field="file"
        ) from None
    if root.tag != ROOT:
        raise ApplicationError(
            _(
                "Ce XML n'est pas un message CDAR de cycle de vie "
                "(CrossDomainAcknowledgementAndResponse attendu, « %(tag)s » lu)."
            )
            % {"tag": _local(root)[:60]},
            field="file",
        )
    document = _child(root, "ExchangedDocument")
    message_id = _text(document, "ID")[:100]
    problems = []
    try:
        issued_on = _date(_child(document, "IssueDateTime"))
    except ValueRefused as error:
        issued_on = None
        problems.append(("IssueDateTime", str(error)))
    references = [
        (acknowledgement, reference)
        for acknowledgement in _children(root, "AcknowledgementDocument")
        for reference in _children(acknowledgement, "ReferenceReferencedDocument")
    ]
    if not references:
        raise ApplicationError(
            _("Ce message CDAR ne cite aucune facture (ReferenceReferencedDocument)."),
            field="file",
        )
    if len(references) > MAX_STATUSES:
        raise ApplicationError(
            _("Message trop long : %(n)s factures au plus.") % {"n": MAX_STATUSES},
            field="file",
        )
    statuses = []
    for position, (acknowledgement, reference) in enumerate(references, start=1):
        status = _status(position, acknowledgement, reference, issued_on)
        status.problems[:0] = problems
        statuses.append(status)
    return CdarMessage(message_id=message_id, issued_on=issued_on, statuses=statuses)


def _status(position, acknowledgement, reference, issued_on) -> CdarStatus:
    status = CdarStatus(position=position)
    status.invoice_number = _text(reference, "IssuerAssignedID")[:60]
    if not status.invoice_number:
        status.problems.append(("IssuerAssignedID", _("numéro de facture absent")))
    status.code = _text(reference, "ProcessConditionCode")[:10]
    if not status.code:
        status.problems.append(("ProcessConditionCode", _("code de statut absent")))
    try:
        status.on = _date(_child(acknowledgement, "IssueDateTime")) or issued_on
    except ValueRefused as error:
        status.problems.append(("IssueDateTime", str(error)))
    if status.on is None and not status.problems:
        status.problems.append(("IssueDateTime", _("date du statut absente")))
    detail = _child(reference, "SpecifiedDocumentStatus")
    reason_code = _text(detail, "ReasonCode")
    reason = _text(detail, "Reason") or _text(detail, "IncludedNote", "Content")
    status.reason = " : ".join(part for part in (reason_code, reason) if part)[:500]
    try:
        status.paid_on = _date(_child(detail, "ReferenceDateTime"))
    except ValueRefused as error:
        status.problems.append(("ReferenceDateTime", str(error)))
    _amounts(status, detail)
    for party in _children(reference, "IssuerTradeParty"):
        for identifier in _children(party, "GlobalID"):
            if identifier.get("schemeID") == SIREN_SCHEME:
                status.seller_siren = (identifier.text or "").strip()[:20]
    return status


def _amounts(status: CdarStatus, detail: Element | None) -> None:
    """The « montant encaissé » characteristics: summed, their date kept."""
    if detail is None:
        return
    total = None
    for characteristic in _children(detail, "SpecifiedDocumentCharacteristic"):
        if _text(characteristic, "TypeCode") != CASHED_AMOUNT:
            continue
        try:
            amount = parse_amount(_text(characteristic, "ValueAmount"))
            paid_on = _date(_child(characteristic, "ValueDateTime"))
        except ValueRefused as error:
            status.problems.append(("SpecifiedDocumentCharacteristic", str(error)))
            continue
        total = (total or Decimal("0.00")) + amount
        status.paid_on = status.paid_on or paid_on
    if total is not None and total <= 0:
        status.problems.append(
            (
                "ValueAmount",
                _(
                    "montant encaissé négatif ou nul (une contre-passation) : "
                    "annulez le règlement sur la facture"
                ),
            )
        )
    status.amount_paid = total
