"""Writes on customers, invoices and payments."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from relance.core import languages
from relance.core.changes import change_record
from relance.core.clock import utc_now
from relance.core.errors import ApplicationError, model_validate
from relance.core.models import ChangeKind, Company, Membership
from relance.core.money import format_amount
from relance.core.sql import ids_condition, rows_insert, rows_read, rows_write
from relance.invoices.models import Customer, Invoice, Payment


@dataclass(frozen=True)
class NewPayment:
    """A payment to record on one invoice."""

    invoice: Invoice
    on: date
    amount: Decimal
    method: str = Payment.Method.TRANSFER
    reference: str = ""
    credit_note: Invoice | None = None  # an allocation (method « avoir »)


# What payments_add reads of an invoice: thousands of rows at once cost less.
PAYMENT_READS = (
    "id",
    "company_id",
    "kind",
    "status",
    "number",
    "currency",
    "amount_due",
)
CENT = Decimal("0.01")


class _InvoiceRead(NamedTuple):
    """What payments_add reads of an invoice (PAYMENT_READS, in order)."""

    id: int
    company_id: int
    kind: str
    status: str
    number: str
    currency: str
    amount_due: Decimal


def payments_add(
    *,
    company: Company,
    payments: list[NewPayment],
    user=None,
    ids: bool = False,
    paid_columns: dict | None = None,
) -> list[Payment] | list[int]:
    """Record payments, all or none: what is due goes down, an invoice paid in
    full becomes paid. Plain columns only: the dunning state is the caller's
    (`dunning.services.payments.payments_record`, the one way in).

    Refused (ApplicationError naming the field): an invoice of another
    company, a cancelled or draft invoice, a zero or negative amount, an
    unknown method, and more than what is still due (an overpayment, counting
    the payments before it in the list). A fixed number of statements
    whatever the number of payments: the invoices read and locked in one,
    the payments written by multi-row INSERTs, the invoices by one UPDATE.

    The recorded payments in order, their invoices cached; only their ids
    when `ids` (a bank statement's 10,000 payments need no model object).
    `paid_columns` (attname → value) are written with the amount on the
    invoices paid in full: the dunning gives their state there, so that a
    file paying its invoices writes each of them once.
    """
    with transaction.atomic():
        wanted = sorted({payment.invoice.pk for payment in payments})
        table = connection.ops.quote_name(Invoice._meta.db_table)
        condition, params = ids_condition("id", wanted)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        invoices = {
            row[0]: _InvoiceRead(*row[:-1], _decimal(row[-1]))
            for row in rows_read(
                f"SELECT {', '.join(PAYMENT_READS)} FROM {table} "
                f"WHERE {condition}{lock}",
                params,
            )
        }
        due = {pk: invoice.amount_due for pk, invoice in invoices.items()}
        amounts = [Decimal(payment.amount) for payment in payments]
        for payment, amount in zip(payments, amounts, strict=True):
            invoice = invoices.get(payment.invoice.pk)
            if invoice is None or invoice.company_id != company.pk:
                raise ApplicationError(_("Facture introuvable."), field="invoice")
            _payment_check(invoice, payment, due[invoice.id], amount)
            due[invoice.id] -= amount
        user_id = user.pk if user is not None else None
        now = utc_now()
        names = [
            *("company_id", "invoice_id", "date", "amount", "method", "reference"),
            *("credit_note_id", "created_by_id", "created_at"),
        ]
        rows = [
            (
                *(company.pk, payment.invoice.pk, payment.on, amount, payment.method),
                payment.reference,
                payment.credit_note.pk if payment.credit_note else None,
                user_id,
                now,
            )
            for payment, amount in zip(payments, amounts, strict=True)
        ]
        new_ids = rows_insert(Payment, names, rows, returning=True)
        paid = Invoice.Status.PAID
        columns = ["amount_due", "status", "updated_at"]
        written = [
            (pk, due[pk], paid if due[pk] == 0 else invoice.status, now)
            for pk, invoice in invoices.items()
        ]
        if paid_columns:
            more = tuple(paid_columns.values())
            rows_write(
                Invoice,
                [*columns, *paid_columns],
                [(*row, *more) for row in written if row[2] == paid],
            )
            written = [row for row in written if row[2] != paid]
        rows_write(Invoice, columns, written)
        if ids:
            return new_ids
        return _payments_built(invoices, due, now, names, rows, new_ids)


def _decimal(value) -> Decimal:
    """An amount as SQLite gives it raw (a number), or PostgreSQL (a Decimal)."""
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(CENT)


def _payments_built(invoices, due, now, names, rows, new_ids) -> list[Payment]:
    """The recorded payments as model objects, each with its invoice (the
    columns read, as written) cached as `.invoice`."""
    # from_db takes the values in the order of the model's fields
    read_fields = [f.attname for f in Invoice._meta.concrete_fields]
    read_fields = [name for name in read_fields if name in PAYMENT_READS]
    order = [PAYMENT_READS.index(name) for name in read_fields]
    built = {}
    for pk, read in invoices.items():
        invoice = Invoice.from_db(None, read_fields, [read[n] for n in order])
        invoice.amount_due = due[pk]
        if due[pk] == 0:
            invoice.status = Invoice.Status.PAID
        invoice.updated_at = now
        built[pk] = invoice
    fields = Payment._meta.concrete_fields
    attnames = [field.attname for field in fields]
    position = {name: n for n, name in enumerate(names)}
    defaults = [field.get_default() for field in fields]
    cached = Payment.invoice.field.set_cached_value
    payments = []
    for pk, row in zip(new_ids, rows, strict=True):
        values = [
            pk
            if field.primary_key
            else row[position[name]]
            if name in position
            else default
            for field, name, default in zip(fields, attnames, defaults, strict=True)
        ]
        payment = Payment.from_db(None, attnames, values)
        cached(payment, built[payment.invoice_id])
        payments.append(payment)
    return payments


def payment_void(*, payment: Payment, reason: str, user=None) -> Payment:
    """Cancel a payment recorded by mistake: what it paid is due again, and
    a paid invoice is open again. Plain columns only (see payments_add)."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Indiquez pourquoi ce règlement est annulé."), field="reason"
        )
    if len(reason) > 255:
        raise ApplicationError(_("255 caractères au plus."), field="reason")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.cancelled_at:
            raise ApplicationError(_("Ce règlement est déjà annulé."))
        invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
        now = utc_now()
        payment.cancelled_at, payment.cancelled_by = now, user
        payment.cancel_reason = reason
        payment.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        invoice.amount_due += payment.amount
        if invoice.status == Invoice.Status.PAID:
            invoice.status = Invoice.Status.OPEN
        invoice.save(update_fields=["amount_due", "status", "updated_at"])
        if payment.credit_note_id:  # an allocation: the credit note gets it back
            Invoice.objects.filter(pk=payment.credit_note_id).update(
                credit_left=F("credit_left") + payment.amount,
                status=Case(
                    When(status=Invoice.Status.PAID, then=Value(Invoice.Status.OPEN)),
                    default=F("status"),
                ),
                updated_at=now,
            )
    return payment


_METHODS = frozenset(Payment.Method.values)  # built once: a file checks many


def _payment_check(invoice, payment: NewPayment, due: Decimal, amount: Decimal) -> None:
    if amount <= 0:
        raise ApplicationError(_("Le montant doit être positif."), field="amount")
    if payment.method not in _METHODS:
        raise ApplicationError(_("Mode de règlement inconnu."), field="method")
    if (payment.method == Payment.Method.CREDIT_NOTE) != bool(payment.credit_note):
        raise ApplicationError(
            _("Un avoir s'impute avec « Imputer un avoir », pas comme un règlement."),
            field="method",
        )
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise ApplicationError(
            _(
                "%(number)s est un avoir : il ne reçoit pas de règlement, il "
                "s'impute sur une facture."
            )
            % {"number": invoice.number},
            field="invoice",
        )
    if invoice.status == Invoice.Status.CANCELLED:
        raise ApplicationError(
            _("La facture %(number)s est annulée : aucun règlement possible.")
            % {"number": invoice.number},
            field="invoice",
        )
    if invoice.status == Invoice.Status.DRAFT:
        raise ApplicationError(
            _(
                "La facture %(number)s est un brouillon : validez-la avant d'y "
                "enregistrer un règlement."
            )
            % {"number": invoice.number},
            field="invoice",
        )
    if amount > due:
        raise ApplicationError(
            _(
                "Le règlement de %(amount)s dépasse le reste dû de la facture "
                "%(number)s (%(due)s)."
            )
            % {
                "amount": format_amount(amount, invoice.currency),
                "number": invoice.number,
                "due": format_amount(due, invoice.currency),
            },
            field="amount",
        )


CUSTOMER_FIELDS = (
    "name",
    "kind",
    "email",
    "dunning_email",
    "phone",
    "language",
    "agreed_penalty_rate",
    "owner",
)
CODE_SKIPPED_WORDS = {"M.", "MME", "ET", "LE", "LA", "LES", "DE", "DU", "DES"}


def customer_code_for(name: str, taken: set[str]) -> str:
    """A new customer's code, as French ledgers number customer accounts:
    411 and the first letters of its name (« 411DUPONTJ »), numbered when
    `taken` holds it already (« 411DUPONTJ2 »)."""
    words = [
        word
        for word in name.upper().replace("'", " ").split()
        if word not in CODE_SKIPPED_WORDS
    ]
    letters = "".join(c for c in "".join(words) if c.isalpha())
    table = str.maketrans("ÀÂÄÉÈÊËÎÏÔÖÙÛÜÇ", "AAAEEEEIIOOUUUC")
    base = "411" + letters.translate(table)[:7]
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}{n}"
    return code


def customer_code_new(*, company: Company, name: str) -> str:
    """customer_code_for, against the codes the company uses already."""
    base = customer_code_for(name, set())
    taken = set(
        Customer.objects.filter(company=company, code__startswith=base).values_list(
            "code", flat=True
        )
    )
    return customer_code_for(name, taken)


def customer_update(*, customer, by=None, **values):
    """Change a customer's contact details (the dunning address above all).
    What changed is recorded, with who (`by`: `core.changes`)."""
    unknown = set(values) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("Champ inconnu."), field=sorted(unknown)[0])
    if "owner" in values:
        _owner_check(customer.company_id, values["owner"])
    if "language" in values and values["language"] != customer.language:
        _language_check(customer.company, values["language"])
    before = {field: getattr(customer, field) for field in values}
    for field, value in values.items():
        setattr(customer, field, value.strip() if isinstance(value, str) else value)
    model_validate(customer, [f for f in values if f != "owner"])
    with transaction.atomic():
        customer.save(update_fields=[*values, "updated_at"])
        change_record(
            company=customer.company_id,
            by=by,
            kind=ChangeKind.CUSTOMER,
            subject_id=customer.pk,
            subject_label=customer.name,
            customer=customer,
            before=before,
            after={field: getattr(customer, field) for field in values},
        )
    return customer


def _language_check(company: Company, language: str) -> None:
    """A customer's language is one of its company's (core/languages.py)."""
    message = languages.refusal(language, company.languages)
    if message:
        raise ApplicationError(capfirst(message) + ".", field="language")


def _owner_check(company_id: int, owner) -> None:
    """A customer's owner is one of its company's users, or nobody."""
    if owner is None:
        return
    if not Membership.objects.filter(user=owner, company_id=company_id).exists():
        raise ApplicationError(
            _("Ce responsable n'est pas un utilisateur de la société."),
            field="owner",
        )


def customer_create(*, company, code: str, **values):
    """A new customer; its code must be new in the company."""
    unknown = set(values) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ApplicationError(_("Champ inconnu."), field=sorted(unknown)[0])
    code = code.strip()  # as saved: "411A\xa0" is "411A"
    if Customer.objects.filter(company=company, code=code).exists():
        raise ApplicationError(
            _("Le code client %(code)s existe déjà.") % {"code": code}, field="code"
        )
    if "owner" in values:
        _owner_check(company.pk, values["owner"])
    if "language" in values:
        _language_check(company, values["language"])
    customer = Customer(company=company, code=code, **values)
    model_validate(customer, ["code", *[f for f in values if f != "owner"]])
    customer.save()
    return customer


PDF_MAX_SIZE = 10 * 1024 * 1024
PDF_MAX_SIZE_TEXT = "10 Mo"
# What browsers and HTTP clients send for a PDF; other declared types are
# refused. The bytes decide in any case.
PDF_CONTENT_TYPES = {
    "",
    "application/pdf",
    "application/x-pdf",
    "application/octet-stream",
}


def invoice_pdf_attach(
    *, company: Company, invoice: Invoice, content: bytes, content_type: str = ""
) -> Invoice:
    """Attach `content` as the invoice's PDF, or replace the one it had (the
    reminders of steps that attach PDFs then carry this one).

    Refused (ApplicationError on the field `pdf`): an invoice of another
    company, an empty file, over 10 Mo (a caller reads at most one byte more),
    a declared type that is not a PDF's, bytes that do not start as a PDF's,
    a PDF that cannot be read or needs a password to open.
    """
    if invoice.company_id != company.pk:
        raise ApplicationError(_("Facture introuvable."), field="invoice")
    pdf_check(content, content_type)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        old = invoice.pdf.name
        invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(content), save=False)
        invoice.save(update_fields=["pdf", "updated_at"])
        new, storage = invoice.pdf.name, invoice.pdf.storage
        if old and old != new:
            transaction.on_commit(lambda: storage.delete(old))
    return invoice


def pdf_check(content: bytes, content_type: str = "") -> None:
    """Refuse what is not a PDF a customer can open (see invoice_pdf_attach)."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if not content:
        raise ApplicationError(_("Le fichier PDF est vide."), field="pdf")
    if len(content) > PDF_MAX_SIZE:
        raise ApplicationError(
            _("PDF trop volumineux : %(size)s au plus.") % {"size": PDF_MAX_SIZE_TEXT},
            field="pdf",
        )
    if declared not in PDF_CONTENT_TYPES:
        raise ApplicationError(
            _("Le fichier doit être un PDF (type reçu : %(type)s).")
            % {"type": declared},
            field="pdf",
        )
    if not content.startswith(b"%PDF-"):
        raise ApplicationError(
            _("Ce fichier n'est pas un PDF, quel que soit son nom."),
            field="pdf",
        )
    from pypdf import PdfReader

    try:
        reader = PdfReader(BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ApplicationError(
                _(
                    "Ce PDF est protégé par un mot de passe : vos clients ne "
                    "pourraient pas l'ouvrir."
                ),
                field="pdf",
            )
        pages = len(reader.pages)
    except ApplicationError:
        raise
    except Exception:  # pypdf raises many kinds of errors on a broken file
        pages = 0
    if not pages:
        raise ApplicationError(
            _("PDF illisible : le fichier est peut-être endommagé."), field="pdf"
        )
