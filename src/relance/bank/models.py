"""Bank statements, their credit lines, and what each line paid.

A transaction is known by its bank's id, else by its date, amount and label
(`key`): importing the same statement twice creates nothing. A match (or a
suggestion a user confirms) records its payments through
`dunning.services.payments`, the one way a payment is recorded.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relance.core.models import Company
from relance.invoices.models import MONEY, Customer, Invoice, Payment


class Format(models.TextChoices):
    CAMT053 = "camt.053", "camt.053"
    CAMT052 = "camt.052", "camt.052"
    CAMT054 = "camt.054", "camt.054"
    OFX = "ofx", "OFX"
    MT940 = "mt940", "MT940"
    CSV = "csv", "CSV"
    API = "api", "API"


class StatementImport(models.Model):
    """One statement read (a file, or an aggregator's push): what it held."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    filename = models.CharField(_("fichier"), max_length=255, blank=True)
    # The statement's own date (closing or latest booking); None when the
    # file gives none.
    statement_on = models.DateField(_("relevé du"), null=True, blank=True)
    transactions = models.PositiveIntegerField(_("crédits lus"), default=0)
    new = models.PositiveIntegerField(_("nouveaux"), default=0)
    matched = models.PositiveIntegerField(_("rapprochés"), default=0)
    suggested = models.PositiveIntegerField(_("suggérés"), default=0)
    unmatched = models.PositiveIntegerField(_("non rapprochés"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("importé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("relevé bancaire importé")
        verbose_name_plural = _("relevés bancaires importés")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="bank_import_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.statement_on}"


class Transaction(models.Model):
    """A credit line of a statement (debits are not kept)."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Rapprochée")
        SUGGESTED = "suggested", _("À confirmer")
        UNMATCHED = "unmatched", _("Non rapprochée")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    statement = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, related_name="lines"
    )
    key = models.CharField(max_length=64)  # the bank's id, else date+amount+label
    bank_id = models.CharField(_("identifiant bancaire"), max_length=120, blank=True)
    booked_on = models.DateField(_("date"))
    amount = models.DecimalField(_("montant"), **MONEY)
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    label = models.TextField(_("libellé"), blank=True)
    reference = models.CharField(_("référence structurée"), max_length=60, blank=True)
    payer_name = models.CharField(_("payeur"), max_length=200, blank=True)
    payer_iban = models.CharField(_("IBAN du payeur"), max_length=42, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.UNMATCHED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("opération bancaire")
        verbose_name_plural = _("opérations bancaires")
        ordering = ["-booked_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "key"], name="bank_transaction_unique_per_company"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="bank_transaction_credit"
            ),
        ]
        indexes = [
            models.Index(
                fields=["company", "status", "booked_on"], name="bank_transaction_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount} {self.label[:40]}"


class IbanLink(models.Model):
    """An IBAN seen on a matched payment, and the customer who paid from it:
    the next payment from that IBAN is this customer's (rule 2)."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    iban = models.CharField(_("IBAN"), max_length=42)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("client")
    )
    learned_from = models.ForeignKey(
        Transaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("appris le"), auto_now_add=True)

    class Meta:
        verbose_name = _("IBAN connu")
        verbose_name_plural = _("IBAN connus")
        ordering = ["iban"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "iban"], name="bank_iban_unique_per_company"
            )
        ]

    def __str__(self) -> str:
        return self.iban


# Why a credit was matched or suggested (matching.Reason), as users read it.
REASONS = {
    "number": _("Le libellé ou la référence donne le numéro de la facture."),
    "number_partial": _(
        "Le libellé donne le numéro de la facture ; montant inférieur au reste dû : "
        "règlement partiel."
    ),
    "numbers": _(
        "Le libellé donne les numéros de plusieurs factures dont les restes dus "
        "font le montant."
    ),
    "customer_amount": _(
        "Payeur connu (IBAN ou nom) et montant égal au reste dû d'une seule de "
        "ses factures."
    ),
    "customer_total": _(
        "Payeur connu (IBAN ou nom) et montant égal au total de ses factures ouvertes."
    ),
    "overpaid": _(
        "Le libellé donne le numéro de la facture, mais le montant dépasse son "
        "reste dû."
    ),
    "numbers_partial": _(
        "Le libellé donne plusieurs numéros, mais le montant ne fait pas leurs "
        "restes dus."
    ),
    "same_amounts": _(
        "Payeur connu, mais plusieurs de ses factures ont ce montant : la plus "
        "ancienne est proposée."
    ),
    "some_invoices": _(
        "Payeur connu ; le montant fait la somme de certaines de ses factures."
    ),
    "close_name": _(
        "Nom du payeur proche de celui du client, et montant d'une facture."
    ),
    "amount_only": _(
        "Montant égal au reste dû d'une seule facture ouverte, d'un payeur inconnu."
    ),
}


class Match(models.Model):
    """What a transaction paid (or may have paid) on one invoice, and why."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Rapproché")
        SUGGESTED = "suggested", _("Suggéré")
        CONFIRMED = "confirmed", _("Confirmé")
        REJECTED = "rejected", _("Rejeté")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, related_name="matches"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("montant"), **MONEY)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("motif"), max_length=30)  # matching.Reason
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rapprochement")
        verbose_name_plural = _("rapprochements")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["company", "status"], name="bank_match_status_idx"),
            models.Index(fields=["invoice", "status"], name="bank_match_invoice_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.amount} {self.reason}"

    @property
    def reason_text(self) -> str:
        return str(REASONS.get(self.reason, self.reason))
