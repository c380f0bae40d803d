"""How dunning states, and a checked file's rows, read on screen: words and
tones, from stored fields."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from relance.core.money import format_amount, format_date
from relance.invoices.models import Invoice, PauseKind, Payment


@dataclass(frozen=True)
class Label:
    text: str
    tone: str  # neutral, accent, danger, warning, success


STATUS_TONES = {
    Invoice.Status.DRAFT: "neutral",
    Invoice.Status.OPEN: "accent",
    Invoice.Status.PAID: "success",
    Invoice.Status.CANCELLED: "neutral",
}


def dunning_label(invoice: Invoice, step_names: dict[int, str], today: date) -> Label:
    """« Relance 2 · À faire », « Relance 1 · le 12/03/2026 », « En litige »…"""
    if invoice.status != Invoice.Status.OPEN:
        return Label("", "neutral")
    if invoice.paused_until and invoice.paused_until >= today:
        words = {
            PauseKind.DISPUTE: _("En litige"),
            PauseKind.PROMISE: _("Promesse de paiement"),
        }.get(invoice.pause_kind, _("En pause"))
        return Label(f"{words} · {format_date(invoice.paused_until)}", "warning")
    customer_pause = invoice.customer.paused_until
    if customer_pause and customer_pause >= today:
        return Label(
            _("Client en pause · %(date)s") % {"date": format_date(customer_pause)},
            "warning",
        )
    name = step_names.get(invoice.next_level or 0, "")
    if invoice.to_remind:
        return Label(_("%(step)s · À faire") % {"step": name}, "danger")
    if invoice.next_level and invoice.next_reminder_on:
        return Label(
            _("%(step)s · le %(date)s")
            % {"step": name, "date": format_date(invoice.next_reminder_on)},
            "neutral",
        )
    if invoice.dunning_level and invoice.dunning_level >= len(step_names):
        last = step_names.get(invoice.dunning_level, "")
        return Label(_("%(step)s · dernière étape") % {"step": last}, "accent")
    return Label("", "neutral")


def late_class(days: int) -> str:
    """None · amber · red past 30 days."""
    if days <= 0:
        return "late-0"
    return "late-1" if days <= 30 else "late-2"


@dataclass(frozen=True)
class PreviewRow:
    """One row of a checked file, as the import page shows it."""

    line: int | None
    action: Label
    reference: str  # the invoice number
    customer: str
    new_customer: bool
    dates: tuple[str, ...]  # invoice and due dates; a payment's date
    amount: str
    changes: list[str]
    details: str  # a payment's method and bank reference


def _change_fields() -> dict[str, str]:
    return {
        "customer": _("client"),
        "issue_date": _("date de facture"),
        "due_date": _("échéance"),
        "total": _("montant"),
        "amount_due": _("reste dû"),
        "currency": _("devise"),
        "status": _("statut"),
        "payment_terms": _("conditions"),
    }


def _change_value(name: str, value, currency: str) -> str:
    if value in (None, ""):
        return "—"
    if name in ("issue_date", "due_date"):
        return format_date(date.fromisoformat(value))
    if name in ("total", "amount_due"):
        return format_amount(Decimal(value), currency)
    if name == "status" and value in Invoice.Status.values:
        return str(Invoice.Status(value).label)
    return str(value)


def import_preview_rows(kind: str, rows: list[dict]) -> list[PreviewRow]:
    """A checked file's previewed rows (ImportRun.preview), written in the
    reader's language: « montant 1 200,00 € → 1 250,00 € »."""
    fields = _change_fields()
    shown = []
    for row in rows:
        currency = row.get("currency") or "EUR"
        changes = [
            _("%(field)s %(old)s → %(new)s")
            % {
                "field": fields.get(change["field"], change["field"]),
                "old": _change_value(change["field"], change["old"], currency),
                "new": _change_value(change["field"], change["new"], currency),
            }
            for change in row.get("changes", ())
        ]
        customer = f"{row['customer_code']} — {row['customer_name']}"
        if kind == "payments":
            paid = format_date(date.fromisoformat(row["date"]))
            method = row.get("method", "")
            if method in Payment.Method.values:
                method = str(Payment.Method(method).label)
            action = (
                Label(_("déjà enregistré"), "neutral")
                if row["action"] == "unchanged"
                else Label(_("à enregistrer"), "accent")
            )
            if row.get("settles"):
                changes.append(_("solde la facture"))
            shown.append(
                PreviewRow(
                    line=row["line"],
                    action=action,
                    reference=row["invoice_number"],
                    customer=customer,
                    new_customer=False,
                    dates=(paid,),
                    amount=format_amount(Decimal(row["amount"]), currency),
                    changes=changes,
                    details=" · ".join(filter(None, [method, row.get("reference")])),
                )
            )
            continue
        action = {
            "create": Label(_("à créer"), "success"),
            "update": Label(_("à mettre à jour"), "warning"),
        }.get(row["action"], Label(_("inchangée"), "neutral"))
        shown.append(
            PreviewRow(
                line=row["line"],
                action=action,
                reference=row["number"],
                customer=customer,
                new_customer=bool(row.get("new_customer")),
                dates=(
                    format_date(date.fromisoformat(row["issue_date"])),
                    format_date(date.fromisoformat(row["due_date"])),
                ),
                amount=format_amount(Decimal(row["total"]), currency),
                changes=changes,
                details="",
            )
        )
    return shown
