import re
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from relance.core.languages import CHOICES as CUSTOMER_LANGUAGES
from relance.core.models import Company, Language
from relance.core.validators import validate_date_range

MONEY = {"max_digits": 14, "decimal_places": 2}


class PauseKind(models.TextChoices):
    DISPUTE = "dispute", _("Litige")
    PROMISE = "promise", _("Promesse de paiement")
    OTHER = "other", _("Autre")


class Customer(models.Model):
    class Kind(models.TextChoices):
        BUSINESS = "business", _("Professionnel")
        CONSUMER = "consumer", _("Particulier")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code client"), max_length=40)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(
        _("type de client"), max_length=10, choices=Kind.choices, default=Kind.BUSINESS
    )
    email = models.EmailField(_("courriel"), blank=True)
    dunning_email = models.EmailField(_("courriel de relance"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    # One of its company's languages (Company.languages; core/languages.py).
    language = models.CharField(
        _("langue"),
        max_length=5,
        choices=CUSTOMER_LANGUAGES,
        default=Language.FRENCH,
    )
    address_line1 = models.CharField(_("adresse"), max_length=200, blank=True)
    address_line2 = models.CharField(
        _("complément d'adresse"), max_length=200, blank=True
    )
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=2, default="FR")
    siren = models.CharField(_("SIREN"), max_length=11, blank=True)
    paused_until = models.DateField(
        _("relances en pause jusqu'au"),
        null=True,
        blank=True,
        validators=[validate_date_range],
    )
    pause_reason = models.CharField(_("motif de la pause"), max_length=255, blank=True)
    agreed_penalty_rate = models.DecimalField(
        _("taux de pénalités convenu (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Vide : le taux de la société."),
    )
    # The reminder address a mail server refused for good (a bounce): never
    # used again while the customer's reminder address is still this one.
    email_refused = models.CharField(
        _("adresse refusée par le serveur"), max_length=254, blank=True
    )
    email_refused_reason = models.CharField(
        _("motif du refus"), max_length=500, blank=True
    )
    # Who follows this customer: the calls and tasks of its steps go to them.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
        help_text=_("Les appels et tâches de relance de ce client lui reviennent."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"], name="customer_code_unique_per_company"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def reminder_email(self) -> str:
        """Where reminders go: the dedicated dunning address, else the main one."""
        return self.dunning_email or self.email

    @property
    def reminder_email_refused(self) -> bool:
        """The reminder address is the one a server refused: fix it first.
        Changing the address is enough to clear this."""
        return email_refused_is(self.reminder_email, self.email_refused)

    @property
    def address_lines(self) -> list[str]:
        return address_lines_of(
            self.address_line1, self.address_line2, self.postal_code, self.city
        )


def email_refused_is(address: str, refused: str) -> bool:
    """`Customer.reminder_email_refused` of an address and the refused one
    (also for a customer read as a row: dunning/planning.py)."""
    address = address.strip().casefold()
    return bool(address) and address == refused.strip().casefold()


def address_lines_of(line1: str, line2: str, postal_code: str, city: str) -> list[str]:
    """`Customer.address_lines` of these columns."""
    city = " ".join(p for p in [postal_code, city] if p)
    return [line for line in [line1, line2, city] if line]


def invoice_pdf_path(invoice: "Invoice", filename: str) -> str:
    """Where an invoice's PDF is stored: named after its number, whatever
    that holds (« FC/2026/12 » makes no folder, « .. » climbs none)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", invoice.number).strip("_") or "facture"
    return f"company-{invoice.company_id}/invoices/{name}.pdf"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Facture")
        CREDIT_NOTE = "credit_note", _("Avoir")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        OPEN = "open", _("Ouverte")
        PAID = "paid", _("Payée")
        CANCELLED = "cancelled", _("Annulée")

    class EInvoiceStatus(models.TextChoices):
        """Lifecycle statuses of the French e-invoicing reform (CDAR codes)."""

        DEPOSITED = "200", _("Déposée")
        ISSUED = "201", _("Émise par la plateforme")
        RECEIVED = "202", _("Reçue par la plateforme")
        MADE_AVAILABLE = "203", _("Mise à disposition")
        TAKEN_OVER = "204", _("Prise en charge")
        APPROVED = "205", _("Approuvée")
        PARTLY_APPROVED = "206", _("Approuvée partiellement")
        DISPUTED = "207", _("En litige")
        SUSPENDED = "208", _("Suspendue")
        COMPLETED = "209", _("Complétée")
        REFUSED = "210", _("Refusée")
        PAYMENT_SENT = "211", _("Paiement transmis")
        CASHED = "212", _("Encaissée")
        REJECTED = "213", _("Rejetée")

    # No index of its own: the indexes below start with the company.
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("numéro"), max_length=60)
    kind = models.CharField(
        _("type"), max_length=11, choices=Kind.choices, default=Kind.INVOICE
    )
    # A credit note (« avoir ») is never dunned: its amount due stays 0, and
    # what it still has to give is `credit_left`, allocated to its customer's
    # invoices as payments of method « avoir » (ADR 10).
    credited_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("facture d'origine"),
    )
    credit_left = models.DecimalField(
        _("reste à imputer"), default=Decimal("0.00"), **MONEY
    )
    issue_date = models.DateField(
        _("date de facture"), validators=[validate_date_range]
    )
    due_date = models.DateField(_("date d'échéance"), validators=[validate_date_range])
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    total = models.DecimalField(_("montant TTC"), **MONEY)
    amount_due = models.DecimalField(_("reste dû"), **MONEY)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    payment_terms = models.CharField(
        _("conditions de règlement"), max_length=200, blank=True
    )
    pdf = models.FileField(
        _("PDF de la facture"), upload_to=invoice_pdf_path, blank=True
    )
    # Its own online payment link (issue 17 §4), shown on the customer's
    # page before the company's template: https only (core.payment_links).
    payment_url = models.CharField(
        _("lien de paiement"), max_length=500, blank=True, default=""
    )
    einvoice_status = models.CharField(
        _("statut de facturation électronique"),
        max_length=3,
        choices=EInvoiceStatus.choices,
        blank=True,
    )
    # Dunning state, kept here so that lists and filters need no join. Written
    # only by the dunning services (level, last reminder) and the daily job.
    dunning_level = models.PositiveSmallIntegerField(_("niveau de relance"), default=0)
    last_reminder_on = models.DateField(_("dernière relance le"), null=True, blank=True)
    # The day the customer received a formal notice (the AR of its letter):
    # a consumer's legal interest runs from it (C. civ. 1231-6). Written by
    # dunning's letter services only.
    formal_notice_received_on = models.DateField(
        _("mise en demeure reçue le"), null=True, blank=True
    )
    to_remind = models.BooleanField(_("à relancer"), default=False)
    next_level = models.PositiveSmallIntegerField(
        _("prochaine étape"), null=True, blank=True
    )
    next_reminder_on = models.DateField(
        _("prochaine relance le"), null=True, blank=True
    )
    paused_until = models.DateField(
        _("relances en pause jusqu'au"),
        null=True,
        blank=True,
        validators=[validate_date_range],
    )
    pause_kind = models.CharField(
        _("type de pause"), max_length=10, choices=PauseKind.choices, blank=True
    )
    pause_reason = models.CharField(_("motif de la pause"), max_length=255, blank=True)
    # A bank credit that may have paid it, waiting for a user's confirmation:
    # the summary holds the invoice back. Written only by the bank services
    # (ADR 11); `invoices` and `dunning` know it as a plain column.
    payment_suggested_on = models.DateField(
        _("paiement probable reçu le"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("facture client")
        verbose_name_plural = _("factures clients")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], name="invoice_number_unique_per_company"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0), name="invoice_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_due__gte=0) & Q(amount_due__lte=F("total")),
                name="invoice_amount_due_within_total",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")),
                name="invoice_due_not_before_issue",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="invoice", credit_left=0, credited_invoice__isnull=True)
                    | Q(
                        kind="credit_note",
                        amount_due=0,
                        credit_left__gte=0,
                        credit_left__lte=F("total"),
                    )
                ),
                name="invoice_credit_note_amounts",
            ),
        ]
        # No index holds the dunning state (`to_remind`, `next_reminder_on`):
        # DunningIndex does, so that writing it can be a HOT update on
        # PostgreSQL (ADR 19, amended 2026-12-05). The list's default order
        # (newest first) read straight from an index, over all invoices (over
        # those « à relancer »: DunningIndex's): a page costs the same with
        # 500 or 500,000 of them.
        indexes = [
            models.Index(
                fields=["company", "status", "due_date"], name="invoice_status_idx"
            ),
            models.Index(
                fields=["company", "issue_date", "id"], name="invoice_issue_idx"
            ),
            # The cockpit's indicators (reports/indicator_queries.py) read what
            # is owed and the credit left from these alone (covering, partial:
            # only rows with something owed or left), never the table.
            models.Index(
                fields=[
                    "company",
                    "due_date",
                    "issue_date",
                    "customer",
                    "amount_due",
                    "status",
                    "currency",
                ],
                condition=Q(amount_due__gt=0),
                name="invoice_owed_idx",
            ),
            # The aged balance (reports/selectors.py) groups what is owed by
            # customer: read in the customer's order, no sort, no table.
            models.Index(
                fields=[
                    "company",
                    "customer",
                    "due_date",
                    "issue_date",
                    "amount_due",
                    "status",
                    "currency",
                ],
                condition=Q(amount_due__gt=0),
                name="invoice_aged_idx",
            ),
            models.Index(
                fields=[
                    "company",
                    "issue_date",
                    "customer",
                    "credit_left",
                    "status",
                    "currency",
                ],
                condition=Q(credit_left__gt=0),
                name="invoice_credit_left_idx",
            ),
            # DSO's sales of the last 12 months, by day.
            models.Index(
                fields=["company", "issue_date", "kind", "total", "status", "currency"],
                name="invoice_sales_idx",
            ),
            # Payment promises (a few in a hundred invoices).
            models.Index(
                fields=["company", "paused_until"],
                condition=Q(pause_kind="promise"),
                name="invoice_promise_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class DunningIndex(models.Model):
    """The dunning state of each invoice dated or « à relancer », indexed
    outside the invoices' table (ADR 19, amended 2026-12-05): the daily
    job's ranges (planned date come and not tagged, tagged too early) and
    the list « À relancer » in its date orders read these narrow rows.

    Written by triggers only (migration invoices 0018), from whatever writes
    an invoice; `Invoice.to_remind` and `next_reminder_on` stay the truth.
    An index on the invoices' table naming them would make every change of
    the tag write the invoice into its 11 other indexes (no HOT update on
    PostgreSQL): 0.8 s for the 7,000 tags of a day at a million invoices."""

    invoice = models.OneToOneField(
        Invoice,
        on_delete=models.DO_NOTHING,  # the triggers delete the row
        primary_key=True,
        db_constraint=False,
        related_name="dunning_index",
    )
    company_id = models.BigIntegerField()
    to_remind = models.BooleanField()
    next_reminder_on = models.DateField(null=True)
    issue_date = models.DateField()
    due_date = models.DateField()

    class Meta:
        indexes = [
            models.Index(
                fields=["company_id", "to_remind", "next_reminder_on"],
                name="dunning_index_dated_idx",
            ),
            models.Index(
                fields=["company_id", "issue_date", "invoice"],
                condition=Q(to_remind=True),
                name="dunning_index_issue_idx",
            ),
            models.Index(
                fields=["company_id", "due_date", "invoice"],
                condition=Q(to_remind=True),
                name="dunning_index_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.to_remind}, {self.next_reminder_on}"


class Payment(models.Model):
    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Virement")
        DIRECT_DEBIT = "direct_debit", _("Prélèvement")
        CARD = "card", _("Carte bancaire")
        CHEQUE = "cheque", _("Chèque")
        CASH = "cash", _("Espèces")
        OTHER = "other", _("Autre")
        CREDIT_NOTE = "credit_note", _("Avoir")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments"
    )
    date = models.DateField(_("date du règlement"), validators=[validate_date_range])
    amount = models.DecimalField(_("montant"), **MONEY)
    method = models.CharField(
        _("mode de règlement"),
        max_length=15,
        choices=Method.choices,
        default=Method.TRANSFER,
    )
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    # An allocation of a credit note is a payment of method « avoir » naming it.
    credit_note = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("avoir"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A payment recorded by mistake is cancelled, never deleted: who, when, why.
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.CharField(
        _("motif de l'annulation"), max_length=255, blank=True
    )

    class Meta:
        verbose_name = _("règlement")
        verbose_name_plural = _("règlements")
        ordering = ["-date", "-id"]
        # The indicators read a year of payments by date.
        indexes = [models.Index(fields=["company", "date"], name="payment_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(method="credit_note", credit_note__isnull=False)
                | (~Q(method="credit_note") & Q(credit_note__isnull=True)),
                name="payment_credit_note_allocation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice.number} {self.amount} {self.date}"


class EInvoiceStatusEvent(models.Model):
    """One lifecycle status of an invoice, as its e-invoicing platform sent
    it (a CDAR message) or as the ERP or a user gave it: the dated history.
    `Invoice.einvoice_status` is the code of the latest by status date.
    Written only by `dunning.services.einvoice.einvoice_status_record`."""

    class Source(models.TextChoices):
        API = "api", _("API")
        IMPORT = "import", _("Fichier de factures")
        CDAR = "cdar", _("Message CDAR")
        WEB = "web", _("Saisie")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        related_name="einvoice_events",
        db_index=False,  # the unique constraint below starts with it
    )
    code = models.CharField(
        _("statut"), max_length=3, choices=Invoice.EInvoiceStatus.choices
    )
    status_on = models.DateField(_("date du statut"), validators=[validate_date_range])
    received_at = models.DateTimeField(_("reçu le"))
    source = models.CharField(_("origine"), max_length=6, choices=Source.choices)
    amount_paid = models.DecimalField(
        _("montant encaissé"), null=True, blank=True, **MONEY
    )
    paid_on = models.DateField(
        _("date d'encaissement"),
        null=True,
        blank=True,
        validators=[validate_date_range],
    )
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    # The platform's message id (CDAR ExchangedDocument/ID): the same message
    # received twice is recognised by it, with the code and the status date.
    message_id = models.CharField(
        _("identifiant du message"), max_length=100, blank=True
    )

    class Meta:
        verbose_name = _("statut de facture électronique")
        verbose_name_plural = _("statuts de facture électronique")
        ordering = ["invoice", "status_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "code", "status_on", "message_id"],
                name="einvoice_status_event_once",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__isnull=True) | Q(amount_paid__gt=0),
                name="einvoice_status_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.code} {self.status_on}"
