"""How dunning states read on screen: words and tones, from stored fields."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from relance.core.money import format_date
from relance.invoices.models import Invoice, PauseKind


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
