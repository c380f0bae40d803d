"""Reading a Factur-X (or ZUGFeRD 2) PDF: the invoice its embedded XML describes.

What the XML does not say is reported as missing, to be asked of the user:
nothing is made up.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.invoices.parsing import ValueRefused, parse_amount

INVOICE_TYPES = {"380", "384", "389", "751", "386"}
CREDIT_NOTE_TYPES = {"381"}  # UNTDID 1001: credit note (« avoir »)
# BT-25, the invoice a credit note credits (BG-3), in CII and in UBL.
PRECEDING_INVOICE = (
    "//*[local-name()='InvoiceReferencedDocument']"
    "/*[local-name()='IssuerAssignedID']"
    " | //*[local-name()='BillingReference']"
    "/*[local-name()='InvoiceDocumentReference']/*[local-name()='ID']"
)


@dataclass
class FacturxInvoice:
    number: str = ""
    issue_date: date | None = None
    due_date: date | None = None
    currency: str = "EUR"
    total: Decimal | None = None
    amount_due: Decimal | None = None
    payment_terms: str = ""
    buyer_name: str = ""
    buyer_id: str = ""
    buyer_siren: str = ""
    buyer_email: str = ""
    level: str = ""
    kind: str = "invoice"  # or "credit_note" (TypeCode 381)
    credited_invoice: str = ""  # BT-25: the invoice a credit note credits
    missing: list[str] = field(default_factory=list)


def facturx_read(content: bytes) -> FacturxInvoice:
    """The invoice of a Factur-X PDF; ApplicationError when it is none."""
    from facturx import get_level, get_xml_from_pdf
    from facturx.parse_xml import parse_ubl_cii_xml
    from lxml import etree

    if not content.startswith(b"%PDF"):
        raise ApplicationError(_("Ce fichier n'est pas un PDF."), field="file")
    try:
        _name, xml = get_xml_from_pdf(content, check_xsd=False)
    except Exception:  # the library raises many kinds of errors on a broken PDF
        raise ApplicationError(_("PDF illisible."), field="file") from None
    if not xml:
        raise ApplicationError(
            _("Ce PDF ne contient pas de facture Factur-X (aucun XML joint)."),
            field="file",
        )
    try:
        data = parse_ubl_cii_xml(xml, check_xsd=False)
        level = get_level(etree.fromstring(xml))
    except Exception:
        raise ApplicationError(
            _("Le XML joint au PDF n'est pas une facture Factur-X lisible."),
            field="file",
        ) from None
    type_code = str(data.get("BT-3", "380"))
    if type_code not in INVOICE_TYPES | CREDIT_NOTE_TYPES:
        raise ApplicationError(
            _(
                "Ce document (type %(type)s) n'est ni une facture ni un avoir : "
                "il ne peut pas être importé."
            )
            % {"type": type_code},
            field="file",
        )
    credit = type_code in CREDIT_NOTE_TYPES
    buyer = data.get("BG-7") or {}
    identifiers = buyer.get("identifiers") or {}
    invoice = FacturxInvoice(
        number=str(data.get("BT-1") or "").strip(),
        issue_date=data.get("BT-2"),
        due_date=data.get("BT-9"),
        currency=str(data.get("BT-5") or "EUR"),
        payment_terms=str(data.get("BT-20") or "")[:200],
        buyer_name=str(buyer.get("name") or "").strip(),
        buyer_id=str(next(iter(identifiers.values()), "") or "").strip(),
        buyer_siren=str(buyer.get("legal_identifier") or "").strip(),
        buyer_email=str(buyer.get("einvoicing_addr") or "").strip()
        if buyer.get("einvoicing_addr_schemeid") == "EM"
        else "",
        level=str(level),
        kind="credit_note" if credit else "invoice",
    )
    if credit:
        tree = etree.fromstring(xml)
        found = tree.xpath(PRECEDING_INVOICE)
        invoice.credited_invoice = (found[0].text or "").strip()[:60] if found else ""
    for name, key in (("total", "BT-112"), ("amount_due", "BT-115")):
        try:
            if data.get(key) not in (None, ""):
                setattr(invoice, name, parse_amount(data[key]))
        except ValueRefused:
            pass
    if credit:
        # Nothing is due on a credit note: it is allocated, from its own date.
        invoice.total = abs(invoice.total) if invoice.total is not None else None
        invoice.amount_due = None
        invoice.due_date = invoice.due_date or invoice.issue_date
    if invoice.total is None and invoice.amount_due is not None:
        invoice.missing.append("total")
    for name in (
        "number",
        "issue_date",
        "due_date",
        "total",
        *(() if credit else ("amount_due",)),
        "buyer_name",
    ):
        if getattr(invoice, name) in (None, "") and name not in invoice.missing:
            invoice.missing.append(name)
    return invoice
