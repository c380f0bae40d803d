"""Payments, whichever way they come in (the invoice page, the API, a file,
the demo): recorded, and the dunning state of their invoices right at once,
in the same transaction. A paid invoice is never reminded again."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.core.money import format_amount, format_date
from relance.dunning import rules
from relance.dunning.services.state import invoices_refresh, state_of
from relance.invoices.models import Invoice, Payment
from relance.invoices.services import NewPayment, payment_void, payments_add

# The state columns an invoice paid in full is written with.
STATE_COLUMNS = ("to_remind", "next_level", "next_reminder_on")
PAID_STATE = state_of(rules.Verdict(rules.Reason.NOT_OPEN))


def payments_record(
    *,
    company: Company,
    payments: list[NewPayment],
    today: date,
    user=None,
    ids: bool = False,
) -> list[Payment] | list[int]:
    """Record these payments (all or none, `invoices.services.payments_add`
    says what is refused, and a payment dated after `today`) and bring their
    invoices' dunning state up to date on `today`. The payments recorded,
    or only their ids when `ids`.

    An invoice paid in full leaves the dunning (`rules.verdict`: not open):
    its state is written with its amount, so the refresh that follows
    writes only the invoices still owing something whose state changes."""
    for payment in payments:
        if payment.on > today:
            raise ApplicationError(
                _("Un règlement ne peut pas être daté après aujourd'hui (%(date)s).")
                % {"date": format_date(today)},
                field="date",
            )
    with transaction.atomic():
        recorded = payments_add(
            company=company,
            payments=payments,
            user=user,
            ids=ids,
            paid_columns=dict(zip(STATE_COLUMNS, PAID_STATE, strict=True)),
        )
        invoices_refresh(
            company=company,
            today=today,
            invoice_ids=sorted({payment.invoice.pk for payment in payments}),
        )
    return recorded


def payment_cancel(*, payment: Payment, reason: str, today: date, user=None) -> Payment:
    """Cancel a payment recorded by mistake (who, when, why are kept): its
    invoice owes it again, and its dunning state follows at once."""
    with transaction.atomic():
        payment = payment_void(payment=payment, reason=reason, user=user)
        invoices_refresh(
            company=payment.invoice.company,
            today=today,
            invoice_ids=[payment.invoice_id],
        )
    return payment


def credit_allocate(
    *,
    company: Company,
    credit_note: Invoice,
    invoice: Invoice,
    amount: Decimal,
    today: date,
    on: date | None = None,
    user=None,
) -> Payment:
    """Allocate `amount` of a credit note (« avoir ») to an invoice of the
    same customer: recorded as a payment of method « avoir » naming the
    credit note (ADR 10), so the invoice's amount due goes down and its
    dunning state follows at once, like any payment's.

    Refused (ApplicationError): a credit note or an invoice of another
    company, one that is not a credit note, an invoice of another customer,
    a cancelled or draft one, a zero or negative amount, more than what is
    left of the credit note or due on the invoice. Two allocations at once
    never give more than the credit note holds: its row is locked, and what
    is left is taken by a conditional UPDATE.
    """
    amount = Decimal(amount)
    on = on or today
    with transaction.atomic():
        rows = Invoice.objects.select_for_update().in_bulk(
            sorted({credit_note.pk, invoice.pk})
        )
        credit, target = rows.get(credit_note.pk), rows.get(invoice.pk)
        if credit is None or credit.company_id != company.pk:
            raise ApplicationError(_("Avoir introuvable."), field="credit_note")
        if target is None or target.company_id != company.pk:
            raise ApplicationError(_("Facture introuvable."), field="invoice")
        _allocation_check(credit, target, amount)
        taken = Invoice.objects.filter(
            pk=credit.pk, company_id=company.pk, credit_left__gte=amount
        ).update(
            credit_left=F("credit_left") - amount,
            status=Case(
                When(credit_left=amount, then=Value(Invoice.Status.PAID)),
                default=F("status"),
            ),
            updated_at=utc_now(),
        )
        if not taken:  # taken meanwhile by another allocation
            credit.refresh_from_db(fields=["credit_left"])
            raise _over_credit(credit, amount)
        [payment] = payments_record(
            company=company,
            payments=[
                NewPayment(
                    invoice=target,
                    on=min(on, today),
                    amount=amount,
                    method=Payment.Method.CREDIT_NOTE,
                    reference=credit.number[:100],
                    credit_note=credit,
                )
            ],
            today=today,
            user=user,
        )
    return payment


def _allocation_check(credit: Invoice, invoice: Invoice, amount: Decimal) -> None:
    if credit.kind != Invoice.Kind.CREDIT_NOTE:
        raise ApplicationError(
            _("%(number)s n'est pas un avoir.") % {"number": credit.number},
            field="credit_note",
        )
    if invoice.kind != Invoice.Kind.INVOICE:
        raise ApplicationError(
            _("Un avoir s'impute sur une facture, pas sur un autre avoir."),
            field="invoice",
        )
    if credit.customer_id != invoice.customer_id:
        raise ApplicationError(
            _(
                "L'avoir %(credit)s et la facture %(number)s ne sont pas du même "
                "client : un avoir ne s'impute que sur les factures de son client."
            )
            % {"credit": credit.number, "number": invoice.number},
            field="invoice",
        )
    if credit.status in (Invoice.Status.CANCELLED, Invoice.Status.DRAFT):
        raise ApplicationError(
            _("L'avoir %(number)s est %(status)s : il ne s'impute pas.")
            % {"number": credit.number, "status": credit.get_status_display().lower()},
            field="credit_note",
        )
    if amount <= 0:
        raise ApplicationError(_("Le montant doit être positif."), field="amount")
    if amount > credit.credit_left:
        raise _over_credit(credit, amount)
    if amount > invoice.amount_due:
        raise ApplicationError(
            _(
                "L'imputation de %(amount)s dépasse le reste dû de la facture "
                "%(number)s (%(due)s)."
            )
            % {
                "amount": format_amount(amount, invoice.currency),
                "number": invoice.number,
                "due": format_amount(invoice.amount_due, invoice.currency),
            },
            field="amount",
        )


def _over_credit(credit: Invoice, amount: Decimal) -> ApplicationError:
    return ApplicationError(
        _(
            "L'imputation de %(amount)s dépasse ce qui reste de l'avoir "
            "%(number)s (%(left)s)."
        )
        % {
            "amount": format_amount(amount, credit.currency),
            "number": credit.number,
            "left": format_amount(credit.credit_left, credit.currency),
        },
        field="amount",
    )


def credits_allocate_named(
    *, company: Company, credit_note_ids: list[int], today: date
) -> list[Payment]:
    """Allocate the credit notes among `credit_note_ids` that name the
    invoice they credit: what is left of each, up to what that invoice
    still owes, dated the credit note's day (today at the latest). Nothing
    when the invoice is paid, cancelled or a draft: the credit stays to be
    allocated by hand (the summary warns of it)."""
    ids = sorted(set(credit_note_ids))
    credits = [
        credit
        for start in range(0, len(ids), 5000)
        for credit in Invoice.objects.filter(
            company=company,
            pk__in=ids[start : start + 5000],
            kind=Invoice.Kind.CREDIT_NOTE,
            credited_invoice__isnull=False,
            credit_left__gt=0,
            status=Invoice.Status.OPEN,
        ).select_related("credited_invoice")
    ]
    allocated = []
    for credit in credits:
        target = credit.credited_invoice
        amount = min(credit.credit_left, target.amount_due)
        if target.status != Invoice.Status.OPEN or amount <= 0:
            continue
        allocated.append(
            credit_allocate(
                company=company,
                credit_note=credit,
                invoice=target,
                amount=amount,
                today=today,
                on=credit.issue_date,
            )
        )
    return allocated
