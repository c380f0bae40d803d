"""Bank statements taken in: their credits stored once, matched to the
company's open invoices (bank/matching.py), the matches' payments recorded
through `dunning.services.payments` (the one way a payment is recorded), the
suggestions marked on their invoices (`Invoice.payment_suggested_on`: the
summary holds them back, ADR 11). Set-based: a fixed number of statements
whatever the number of transactions, up to CHUNK of them."""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from relance.bank import matching
from relance.bank.models import IbanLink, Match, StatementImport, Transaction
from relance.bank.statements import Line, Statement, statement_read
from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.garbage import collection_paused
from relance.core.models import Company
from relance.core.sql import rows_insert, rows_set
from relance.dunning.services.payments import payments_record
from relance.invoices.models import Customer, Invoice, Payment
from relance.invoices.services import NewPayment

CHUNK = 5000  # keys or ids looked up together


@dataclass
class ImportResult:
    """What an import did, as `relance import bank --json` shows it."""

    format: str
    transactions: int = 0
    new: int = 0
    matched: list[dict] = field(default_factory=list)
    suggested: list[dict] = field(default_factory=list)
    unmatched: int = 0
    statement: StatementImport | None = None

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "transactions": self.transactions,
            "new": self.new,
            "matched": self.matched,
            "suggested": self.suggested,
            "unmatched": self.unmatched,
        }


def transaction_key(line: Line) -> str:
    """How a transaction is known: its bank's id, else its date, amount and
    label (a hash, so that the key has a fixed length)."""
    if line.bank_id:
        text = f"id|{line.bank_id}"
    else:
        text = f"dal|{line.booked_on.isoformat()}|{line.amount}|{line.label.upper()}"
    return hashlib.sha256(text.encode()).hexdigest()


def statement_take_in(
    *,
    company: Company,
    content: bytes,
    filename: str,
    today: date,
    user=None,
) -> ImportResult:
    """A statement file: read whole (a bad one refused, nothing written),
    then its new credits matched and stored, all or nothing."""
    with collection_paused():
        statement = statement_read(content)
        return statement_record(
            company=company,
            statement=statement,
            filename=filename,
            today=today,
            user=user,
        )


def statement_record(
    *,
    company: Company,
    statement: Statement,
    filename: str,
    today: date,
    user=None,
) -> ImportResult:
    try:
        with collection_paused():
            return _statement_record(company, statement, filename, today, user)
    except IntegrityError:  # the same credits taken in at the same moment
        raise ApplicationError(
            _(
                "Ces opérations sont importées en même temps par ailleurs : "
                "réessayez dans un instant (rien n'a été importé deux fois)."
            )
        ) from None


def _statement_record(company, statement, filename, today, user) -> ImportResult:
    result = ImportResult(format=str(statement.format))
    result.transactions = len(statement.lines)
    lines = _unique(statement.lines)
    with transaction.atomic():
        # One import of a company's statements at a time: a second one (the
        # same file sent twice at once) waits here, then finds the first's
        # transactions known and records nothing twice. (SQLite: its write
        # lock serialises the imports anyway.)
        list(Company.objects.select_for_update().filter(pk=company.pk).values("pk"))
        known = _known_keys(company, list(lines))
        new = {key: line for key, line in lines.items() if key not in known}
        result.new = len(new)
        # The statement's own date (a file of debits only too); none given,
        # the company's last statement date stays as it was.
        statement_on = statement.statement_on
        if statement_on is not None:
            statement_on = min(statement_on, today)
        record = StatementImport.objects.create(
            company=company,
            format=statement.format,
            filename=filename[:255],
            statement_on=statement_on,
            transactions=result.transactions,
            new=result.new,
            created_by=user,
        )
        result.statement = record
        if new:
            _match_and_store(company, record, new, today, user, result)
        record.matched = len({row["transaction"] for row in result.matched})
        record.suggested = len({row["transaction"] for row in result.suggested})
        record.unmatched = result.unmatched
        record.save(update_fields=["matched", "suggested", "unmatched"])
        if statement_on is not None:
            Company.objects.filter(pk=company.pk).filter(
                Q(bank_statement_on__isnull=True)
                | Q(bank_statement_on__lt=statement_on)
            ).update(bank_statement_on=statement_on)
    return result


def _unique(lines: list[Line]) -> dict[str, Line]:
    """The lines by key; the same key twice in one statement (two identical
    lines without a bank id) counted apart, numbered."""
    unique: dict[str, Line] = {}
    for line in lines:
        key = transaction_key(line)
        n = 1
        while key in unique:
            n += 1
            key = hashlib.sha256(f"{transaction_key(line)}|{n}".encode()).hexdigest()
        unique[key] = line
    return unique


def _known_keys(company: Company, keys: list[str]) -> set[str]:
    known = set()
    for start in range(0, len(keys), CHUNK):
        known.update(
            Transaction.objects.filter(
                company=company, key__in=keys[start : start + CHUNK]
            ).values_list("key", flat=True)
        )
    return known


def book_read(company: Company) -> matching.Book:
    """The company's open invoices, customers and learned IBANs: three reads,
    whatever their number (the invoices read raw: 100,000 of them through
    the ORM's converters take seconds)."""
    table = Invoice._meta.db_table
    # SQLite gives an amount as a float: formatted with its two decimals by
    # the database, it becomes a Decimal without str() and quantize().
    due = "amount_due"
    if connection.vendor != "postgresql":
        due = "printf('%%.2f', amount_due)"  # %%: the statement has parameters
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, number, customer_id, {due} FROM {table} "
            "WHERE company_id = %s AND kind = %s AND status = %s AND amount_due > 0",
            [company.pk, Invoice.Kind.INVOICE, Invoice.Status.OPEN],
        )
        rows = cursor.fetchall()
    make = matching.OpenInvoice
    if connection.vendor == "postgresql":
        invoices = list(map(make._make, rows))
    else:
        invoices = [make(pk, number, c, Decimal(d)) for pk, number, c, d in rows]
    customers = dict(
        Customer.objects.filter(company=company).order_by().values_list("pk", "name")
    )
    ibans = dict(
        IbanLink.objects.filter(company=company)
        .order_by()
        .values_list("iban", "customer_id")
    )
    return matching.book_make(invoices, customers, ibans)


@dataclass(frozen=True)
class _InvoiceRef:
    """An invoice known by its id only: payments_add reads the rows itself."""

    pk: int


def _match_and_store(company, record, new: dict[str, Line], today, user, result):
    book = book_read(company)
    known_ibans = set(book.ibans)
    credits = [
        matching.Credit(
            key=key,
            amount=line.amount,
            label=line.label,
            reference=line.reference,
            payer_name=line.payer_name,
            payer_iban=line.payer_iban,
        )
        for key, line in new.items()
    ]
    outcomes = matching.credits_match(credits, book)
    ids = _transactions_insert(company, record, new, outcomes)
    numbers = {i: invoice.number for i, invoice in book.invoices.items()}
    payments, matches, suggested_on = [], [], {}
    for outcome in outcomes:
        line = new[outcome.key]
        if outcome.reason == matching.Reason.NOTHING:
            result.unmatched += 1
            continue
        for invoice_id, amount in outcome.allocations:
            entry = {
                "invoice": numbers[invoice_id],
                "amount": str(amount),
                "transaction": ids[outcome.key],
            }
            status = Match.Status.MATCHED if outcome.matched else Match.Status.SUGGESTED
            matches.append(
                [ids[outcome.key], invoice_id, amount, status, outcome.reason, None]
            )
            if outcome.matched:
                result.matched.append(entry)
                payments.append(_payment(line, invoice_id, amount, today))
            else:
                result.suggested.append(entry)
                day = min(line.booked_on, today)
                suggested_on[invoice_id] = max(suggested_on.get(invoice_id, day), day)
    recorded = iter(
        payments_record(
            company=company, payments=payments, today=today, user=user, ids=True
        )
    )
    for match in matches:
        if match[3] == Match.Status.MATCHED:
            match[5] = next(recorded)
    rows_insert(
        Match,
        [
            *("company_id", "transaction_id", "invoice_id", "amount", "status"),
            *("reason", "payment_id"),
        ],
        [[company.pk, *match] for match in matches],
    )
    _links_learn(company, outcomes, new, ids, known_ibans)
    _suggestions_mark(suggested_on)


def _transactions_insert(company, record, new, outcomes) -> dict[str, int]:
    """The new credits written (multi-row INSERTs), their ids by key."""
    state = {True: Transaction.Status.MATCHED, False: Transaction.Status.SUGGESTED}
    now = utc_now()
    rows, keys = [], []
    for outcome in outcomes:
        line = new[outcome.key]
        status = (
            Transaction.Status.UNMATCHED
            if outcome.reason == matching.Reason.NOTHING
            else state[outcome.matched]
        )
        keys.append(outcome.key)
        rows.append(
            [
                *(company.pk, record.pk, outcome.key, line.bank_id, line.booked_on),
                *(line.amount, line.currency, line.label, line.reference),
                *(line.payer_name, line.payer_iban, status, now),
            ]
        )
    ids = rows_insert(
        Transaction,
        [
            *("company_id", "statement_id", "key", "bank_id", "booked_on", "amount"),
            *("currency", "label", "reference", "payer_name", "payer_iban", "status"),
            "created_at",
        ],
        rows,
        returning=True,
    )
    return dict(zip(keys, ids, strict=True))


def _payment(line: Line, invoice_id: int, amount: Decimal, today) -> NewPayment:
    return NewPayment(
        invoice=_InvoiceRef(invoice_id),
        on=min(line.booked_on, today),
        amount=amount,
        method=Payment.Method.TRANSFER,
        reference=(line.bank_id or line.label)[:100],
    )


def _links_learn(company, outcomes, new, ids, known_ibans: set[str]) -> None:
    """The IBAN of each matched credit whose invoices are one customer's,
    when no customer has it yet."""
    links = {}
    for outcome in outcomes:
        iban = new[outcome.key].payer_iban
        if outcome.matched and outcome.customer_id and iban and iban not in known_ibans:
            links.setdefault(iban, (outcome.customer_id, ids[outcome.key]))
    IbanLink.objects.bulk_create(
        [
            IbanLink(
                company_id=company.pk,
                iban=iban,
                customer_id=customer_id,
                learned_from_id=transaction_id,
            )
            for iban, (customer_id, transaction_id) in links.items()
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def _suggestions_mark(suggested_on: dict[int, date]) -> None:
    if not suggested_on:
        return
    invoices = Invoice.objects.filter(pk__in=list(suggested_on)).only(
        "pk", "payment_suggested_on"
    )
    now = utc_now()
    changed = []
    for invoice in invoices:
        invoice.payment_suggested_on = max(
            invoice.payment_suggested_on or suggested_on[invoice.pk],
            suggested_on[invoice.pk],
        )
        invoice.updated_at = now
        changed.append(invoice)
    rows_set(Invoice, changed, ["payment_suggested_on", "updated_at"])


def _suggestions_unmark(invoice_ids: list[int]) -> None:
    """Invoices with no suggestion left lose their mark."""
    still = set(
        Match.objects.filter(
            invoice_id__in=invoice_ids, status=Match.Status.SUGGESTED
        ).values_list("invoice_id", flat=True)
    )
    Invoice.objects.filter(pk__in=[i for i in invoice_ids if i not in still]).update(
        payment_suggested_on=None, updated_at=utc_now()
    )


def suggestion_confirm(
    *, company: Company, transaction_id: int, today: date, user=None
) -> list[Payment]:
    """A user confirms what a credit was suggested to pay: its payments are
    recorded (at most what each invoice still owes), its payer's IBAN is
    learned for the next time."""
    with transaction.atomic():
        row = _suggested(company, transaction_id)
        matches = list(
            Match.objects.select_related("invoice").filter(
                transaction=row, status=Match.Status.SUGGESTED
            )
        )
        payments, kept = [], []
        for match in matches:
            amount = min(match.amount, match.invoice.amount_due)
            if match.invoice.status != Invoice.Status.OPEN or amount <= 0:
                raise ApplicationError(
                    _(
                        "La facture %(number)s n'est plus ouverte : rejetez la "
                        "suggestion."
                    )
                    % {"number": match.invoice.number}
                )
            payments.append(_payment(row, match.invoice_id, amount, today))
            kept.append(match)
        recorded = payments_record(
            company=company, payments=payments, today=today, user=user
        )
        now = utc_now()
        for match, payment in zip(kept, recorded, strict=True):
            match.status, match.payment = Match.Status.CONFIRMED, payment
            match.amount = payment.amount
            match.decided_by, match.decided_at = user, now
        Match.objects.bulk_update(
            kept, ["status", "payment", "amount", "decided_by", "decided_at"]
        )
        row.status = Transaction.Status.MATCHED
        row.save(update_fields=["status"])
        customers = {match.invoice.customer_id for match in kept}
        if row.payer_iban and len(customers) == 1:
            IbanLink.objects.get_or_create(
                company=company,
                iban=row.payer_iban,
                defaults={"customer_id": customers.pop(), "learned_from": row},
            )
        _suggestions_unmark([match.invoice_id for match in kept])
    return recorded


def suggestion_reject(
    *, company: Company, transaction_id: int, user=None
) -> Transaction:
    """The credit did not pay what was suggested: it stays unmatched."""
    with transaction.atomic():
        row = _suggested(company, transaction_id)
        matches = list(
            Match.objects.filter(transaction=row, status=Match.Status.SUGGESTED)
        )
        Match.objects.filter(pk__in=[m.pk for m in matches]).update(
            status=Match.Status.REJECTED, decided_by=user, decided_at=utc_now()
        )
        row.status = Transaction.Status.UNMATCHED
        row.save(update_fields=["status"])
        _suggestions_unmark([match.invoice_id for match in matches])
    return row


def invoice_suggestion_confirm(
    *, company: Company, invoice: Invoice, today: date, user=None
) -> list[Payment]:
    """The summary's one click: confirm the suggestion that holds this
    invoice back (the most recent credit's)."""
    match = (
        Match.objects.filter(
            company=company, invoice_id=invoice.pk, status=Match.Status.SUGGESTED
        )
        .order_by("-transaction__booked_on", "-id")
        .first()
    )
    if match is None:
        raise ApplicationError(_("Aucun paiement probable pour cette facture."))
    return suggestion_confirm(
        company=company, transaction_id=match.transaction_id, today=today, user=user
    )


def _suggested(company: Company, transaction_id: int) -> Transaction:
    row = (
        Transaction.objects.select_for_update()
        .filter(company=company, pk=transaction_id)
        .first()
    )
    if row is None:
        raise ApplicationError(_("Opération bancaire introuvable."))
    if row.status != Transaction.Status.SUGGESTED:
        raise ApplicationError(
            _("Cette opération n'attend plus de confirmation (%(status)s).")
            % {"status": row.get_status_display().lower()}
        )
    return row


def iban_link_delete(*, company: Company, link_id: int) -> None:
    """Forget a learned IBAN: its next payments are matched by their labels
    and names only, until a match teaches it again."""
    deleted, _rows = IbanLink.objects.filter(company=company, pk=link_id).delete()
    if not deleted:
        raise ApplicationError(_("IBAN introuvable."))


API_MAX = 1000  # transactions in one push


def transactions_push(
    *, company: Company, objects: list[dict], today: date, user=None
) -> ImportResult:
    """Transactions pushed by a bank aggregator (the API): each checked
    (refused, every problem named by its index: nothing recorded), then
    taken in as a statement of format « api ». Debits are ignored."""
    from relance.bank.statements import api_statement

    statement = api_statement(objects, limit=API_MAX)
    return statement_record(
        company=company, statement=statement, filename="", today=today, user=user
    )
