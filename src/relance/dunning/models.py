import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relance.core.models import Company
from relance.dunning.rules import Trigger
from relance.invoices.models import MONEY, Customer, Invoice, PauseKind


class DunningPlan(models.Model):
    """« Plan de relance »: a company's ordered steps, followed by the
    customers that use it (ADR 21). One is the company's default; a plan
    without steps reminds nobody automatically. An archived plan
    (`active=False`) is offered to no customer and followed by none."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    is_default = models.BooleanField(_("plan par défaut"), default=False)
    order = models.PositiveSmallIntegerField(_("ordre"), default=1)
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan de relance")
        verbose_name_plural = _("plans de relance")
        ordering = ["company", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"], name="dunning_plan_name_unique"
            ),
            models.UniqueConstraint(
                fields=["company"],
                condition=models.Q(is_default=True),
                name="dunning_plan_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerDunning(models.Model):
    """A customer's own dunning settings, kept by `dunning` beside the customer
    (`invoices` never knows of plans): the plan it follows (none: the
    company's default) and its own minimum gap between two reminders (none:
    the company's). A customer without a row follows the company's."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="dunning"
    )
    plan = models.ForeignKey(
        DunningPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("plan de relance"),
    )
    min_gap_days = models.PositiveSmallIntegerField(
        _("écart minimal entre deux relances (jours)"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("relance du client")
        verbose_name_plural = _("relances des clients")
        indexes = [
            models.Index(fields=["company", "plan"], name="customer_dunning_plan_idx")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.plan_id}"


class DunningStep(models.Model):
    """« Étape de relance »: when to remind, and with which message. It
    belongs to one plan; its level is its place among the plan's active
    steps."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Courriel")
        LETTER = "letter", _("Courrier")
        BOTH = "both", _("Courriel et courrier")
        CALL = "call", _("Appel téléphonique")
        TASK = "task", _("Tâche")

    class TriggerChoice(models.TextChoices):
        AFTER_DUE_DATE = Trigger.AFTER_DUE_DATE, _("Après l'échéance de la facture")
        AFTER_ISSUE_DATE = Trigger.AFTER_ISSUE_DATE, _("Après la date de facturation")
        AFTER_PREVIOUS = Trigger.AFTER_PREVIOUS, _("Après la relance précédente")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        DunningPlan, on_delete=models.PROTECT, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("ordre"))
    name = models.CharField(_("nom"), max_length=100)
    trigger = models.CharField(
        _("date de déclenchement"),
        max_length=30,
        choices=TriggerChoice.choices,
        default=TriggerChoice.AFTER_DUE_DATE,
    )
    days = models.SmallIntegerField(
        _("nombre de jours"),
        help_text=_("Après la date de déclenchement ; négatif pour « avant »."),
    )
    subject = models.CharField(_("objet du courriel"), max_length=255, blank=True)
    body = models.TextField(_("corps du courriel"), blank=True)
    attach_pdf = models.BooleanField(_("joindre le PDF des factures"), default=True)
    attach_statement = models.BooleanField(
        _("joindre le relevé de compte (PDF)"),
        default=False,
        help_text=_(
            "Toutes les factures dues du client, avec pénalités et indemnités "
            "à ce jour."
        ),
    )
    formal_notice = models.BooleanField(
        _("mise en demeure"),
        default=False,
        help_text=_(
            "Une mise en demeure ne couvre que les factures qui ont atteint "
            "cette étape, jamais regroupées avec d'autres."
        ),
    )
    channel = models.CharField(
        _("envoi par"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.EMAIL,
        help_text=_(
            "Un courrier attend dans « Courriers à envoyer » : imprimé, envoyé en "
            "recommandé, puis son avis de réception noté. Un appel ou une tâche "
            "ne part pas par courriel : il attend dans « Mes tâches du jour » "
            "du responsable du client."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("étape de relance")
        verbose_name_plural = _("étapes de relance")
        ordering = ["company", "order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_template(self) -> bool:
        return bool(self.subject.strip() and self.body.strip())

    @property
    def sends_email(self) -> bool:
        return self.channel in (self.Channel.EMAIL, self.Channel.BOTH)

    @property
    def sends_letter(self) -> bool:
        return self.channel in (self.Channel.LETTER, self.Channel.BOTH)

    @property
    def makes_task(self) -> bool:
        """A phone call or a task for a person: no message at all (ADR 16)."""
        return self.channel in (self.Channel.CALL, self.Channel.TASK)


class DunningStepText(models.Model):
    """A step's subject and body in one more language (ADR « templates per
    language »). The step's own `subject` and `body` are its French text; a
    customer whose language has no text here gets the company's language's,
    else the French (dunning/languages.py)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    step = models.ForeignKey(
        DunningStep, on_delete=models.CASCADE, related_name="texts"
    )
    language = models.CharField(_("langue"), max_length=5)
    subject = models.CharField(_("objet du courriel"), max_length=255)
    body = models.TextField(_("corps du courriel"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("texte d'une étape")
        verbose_name_plural = _("textes des étapes")
        constraints = [
            models.UniqueConstraint(
                fields=["step", "language"], name="dunning_step_text_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step_id}/{self.language}"


class Origin(models.TextChoices):
    USER = "user", _("Utilisateur")
    SCHEDULE = "schedule", _("Tâche planifiée")


class SendRun(models.Model):
    """One click on « Envoyer les relances » (or one automatic send): the
    reminders it created, whose statuses give its progress."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(
        _("déclenché par"), max_length=10, choices=Origin.choices, default=Origin.USER
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("envoi de relances")
        verbose_name_plural = _("envois de relances")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Envoi {self.pk}"


class DailyRun(models.Model):
    """The daily job for one company on one date, as it ran."""

    class Origin(models.TextChoices):
        SCHEDULE = "schedule", _("Planifiée")
        MANUAL = "manual", _("Manuelle")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    origin = models.CharField(
        _("origine"), max_length=10, choices=Origin.choices, default=Origin.SCHEDULE
    )
    started_at = models.DateTimeField(_("commencée le"))
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    tagged = models.PositiveIntegerField(_("marquées"), default=0)
    untagged = models.PositiveIntegerField(_("retirées"), default=0)
    to_remind = models.PositiveIntegerField(_("à relancer"), default=0)
    send_run = models.ForeignKey(
        SendRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent = models.PositiveIntegerField(_("envoyées"), default=0)
    failed = models.PositiveIntegerField(_("non envoyées"), default=0)
    digest_sent_at = models.DateTimeField(_("résumé envoyé le"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    # Every invoice recomputed (the first run, steps or minimum gap changed
    # since the last run, `relance daily --full`), or only those whose date
    # has come (ADR 19). `state_key`: the steps and gap it computed with.
    full = models.BooleanField(_("recalcul complet"), default=True)
    state_key = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("tâche quotidienne")
        verbose_name_plural = _("tâches quotidiennes")
        ordering = ["-date", "-id"]
        constraints = [
            # The schedule runs once a day per company, whatever happens.
            models.UniqueConstraint(
                fields=["company", "date"],
                condition=Q(origin="schedule"),
                name="one_scheduled_daily_run_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.date}"


class ImportRun(models.Model):
    """A file of invoices or payments taken in by a worker: first checked (a
    dry run, nothing saved), then imported once the user confirms."""

    class Kind(models.TextChoices):
        INVOICES = "invoices", _("Factures")
        PAYMENTS = "payments", _("Règlements")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        REFUSED = "refused", _("Refusé")
        FAILED = "failed", _("Échec")

    FINISHED = (Status.DONE, Status.REFUSED, Status.FAILED)

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("contenu"), max_length=10, choices=Kind.choices)
    dry_run = models.BooleanField(_("vérification seulement"), default=True)
    file = models.FileField(_("fichier"), upload_to="imports/%Y/%m/", blank=True)
    filename = models.CharField(_("nom du fichier"), max_length=255)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created = models.PositiveIntegerField(_("créées"), default=0)
    updated = models.PositiveIntegerField(_("mises à jour"), default=0)
    unchanged = models.PositiveIntegerField(_("inchangées"), default=0)
    # Progress: the file's rows (estimated when it starts; None when unknown,
    # an Excel sheet), and those done once finished. While it runs, the rows
    # done are in the cache (import_runs.import_run_progress), since the
    # import's own transaction holds the database.
    rows_total = models.PositiveIntegerField(_("lignes"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("lignes traitées"), default=0)
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    # What the file does, bounded whatever its size (importing.Report.
    # preview_dict): its first rows to create or update, and its warnings.
    preview = models.JSONField(_("aperçu"), default=dict, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class Reminder(models.Model):
    """The record of one message: what was sent, to whom, and what happened."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        SENDING = "sending", _("En cours d'envoi")
        SENT = "sent", _("Envoyée")
        FAILED = "failed", _("Échec")
        UNCERTAIN = "uncertain", _("Incertaine")
        CANCELLED = "cancelled", _("Annulée")
        # Accepted by the server, then a bounce came back (InboundMessage).
        BOUNCED = "bounced", _("Non remise")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Courriel")
        LETTER = "letter", _("Courrier")
        CALL = "call", _("Appel téléphonique")
        TASK = "task", _("Tâche")

    Origin = Origin

    # Statuses under which a reminder holds its (invoice, level) slots: it went
    # out, is going out, or may have gone out.
    HOLDING = (Status.PENDING, Status.SENDING, Status.SENT, Status.UNCERTAIN)

    # Few indexes: each status change rewrites them all (reminder_status_idx
    # starts with the company; users are rarely deleted).
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="reminders"
    )
    step = models.ForeignKey(
        DunningStep, on_delete=models.PROTECT, related_name="reminders"
    )
    channel = models.CharField(
        _("canal"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    recipients = models.JSONField(_("destinataires"), default=list)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    body_text = models.TextField(_("texte"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    error = models.TextField(_("erreur"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    run = models.ForeignKey(
        SendRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )
    claimed_by = models.CharField(_("pris en charge par"), max_length=100, blank=True)
    next_attempt_at = models.DateTimeField(
        _("prochaine tentative"), null=True, blank=True
    )
    # « Envoyer maintenant »: this reminder ignores the company's sending
    # calendar (not its mail server's quota).
    send_anytime = models.BooleanField(_("envoi hors calendrier"), default=False)
    origin = models.CharField(
        _("déclenchée par"), max_length=10, choices=Origin.choices, default=Origin.USER
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utilisateur"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("prise en charge le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "status"], name="reminder_status_idx"),
            # Answers and bounces name the reminder by its Message-ID.
            models.Index(fields=["message_id"], name="reminder_message_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.step} → {self.customer} ({self.get_status_display()})"


class ReminderInvoice(models.Model):
    """One invoice covered by a reminder, and the level it reaches with it."""

    # Lines are reached through their reminder or their invoice.
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reminder = models.ForeignKey(
        Reminder, on_delete=models.CASCADE, related_name="lines"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="reminder_lines"
    )
    level = models.PositiveSmallIntegerField(_("niveau"))
    amount_due = models.DecimalField(_("reste dû"), **MONEY)
    # Mirrors the reminder's status (True under Reminder.HOLDING) so that the
    # database itself refuses a second live reminder for the same level.
    holds_level = models.BooleanField(default=True)
    # Set when the invoice was taken out just before sending (paid meanwhile…).
    dropped = models.CharField(_("retirée"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("facture relancée")
        verbose_name_plural = _("factures relancées")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "level"],
                condition=Q(holds_level=True),
                name="one_live_reminder_per_invoice_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice} niveau {self.level}"


class Letter(models.Model):
    """A formal notice (« mise en demeure ») as a letter: made when a reminder
    of a letter step goes, with its parties and amounts frozen at its date;
    then printed, sent by registered post, and its receipt acknowledged."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("À envoyer")
        SENT = "sent", _("Envoyé en recommandé")
        RECEIVED = "received", _("Avis de réception reçu")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="letters"
    )
    reminder = models.OneToOneField(
        Reminder, on_delete=models.PROTECT, related_name="letter"
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    dated_on = models.DateField(_("date du courrier"))
    pay_by = models.DateField(_("à payer avant le"))
    consumer = models.BooleanField(_("client consommateur"), default=False)
    # Both parties as they were on the letter's date.
    sender_name = models.CharField(_("expéditeur"), max_length=200)
    sender_address = models.TextField(_("adresse de l'expéditeur"), blank=True)
    sender_place = models.CharField(_("lieu"), max_length=100, blank=True)
    recipient_name = models.CharField(_("destinataire"), max_length=200)
    recipient_address = models.TextField(_("adresse du destinataire"), blank=True)
    signatory = models.CharField(_("signataire"), max_length=150, blank=True)
    body = models.TextField(_("texte"), blank=True)  # the company's, rendered
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    # The customer's language on the letter's date: its PDF is written in it.
    language = models.CharField(_("langue"), max_length=5, default="fr")
    tracking_number = models.CharField(_("n° de recommandé"), max_length=20, blank=True)
    sent_on = models.DateField(_("envoyé le"), null=True, blank=True)
    received_on = models.DateField(_("avis de réception du"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("courrier")
        verbose_name_plural = _("courriers")
        ordering = ["-dated_on", "-id"]
        indexes = [
            models.Index(fields=["company", "status"], name="letter_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_name} {self.dated_on}"

    @property
    def claimed(self) -> Decimal:
        """What the letter asks for: principal and what the law adds (lines
        prefetched, or one query)."""
        return sum((line.amount for line in self.lines.all()), Decimal(0))


class LetterInvoice(models.Model):
    """One invoice a letter claims, with what the law gave on it that day."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="lines")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="letter_lines"
    )
    number = models.CharField(_("numéro"), max_length=60)
    issue_date = models.DateField(_("date"))
    due_date = models.DateField(_("échéance"))
    total = models.DecimalField(_("montant TTC"), **MONEY)
    principal = models.DecimalField(_("reste dû"), **MONEY)
    days_late = models.IntegerField(_("jours de retard"), default=0)
    penalties = models.DecimalField(_("pénalités"), **MONEY)
    indemnity = models.DecimalField(_("indemnité forfaitaire"), **MONEY)
    legal_interest = models.DecimalField(_("intérêts au taux légal"), **MONEY)

    class Meta:
        verbose_name = _("facture mise en demeure")
        verbose_name_plural = _("factures mises en demeure")
        ordering = ["due_date", "number", "id"]

    def __str__(self) -> str:
        return self.number

    @property
    def amount(self) -> Decimal:
        return self.principal + self.penalties + self.indemnity + self.legal_interest


class InboundMessage(models.Model):
    """A message that came back to the company's mailbox: a bounce, an
    automatic reply, a customer's answer, or something else (kept, never
    acted upon). Known by its Message-ID (or a hash of its bytes)."""

    class Kind(models.TextChoices):
        BOUNCE = "bounce", _("Non remis")
        AUTO_REPLY = "auto_reply", _("Réponse automatique")
        REPLY = "reply", _("Réponse")
        UNKNOWN = "unknown", _("Inconnu")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(_("Message-ID"), max_length=255)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    reminder = models.ForeignKey(
        Reminder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("relance"),
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("client"),
    )
    sender = models.CharField(_("expéditeur"), max_length=255, blank=True)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    # A bounce: the address refused, for good or not, and the server's words.
    recipient = models.CharField(_("destinataire refusé"), max_length=254, blank=True)
    permanent = models.BooleanField(_("échec définitif"), default=False)
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    # A reply: its text, for the list (bounded).
    excerpt = models.TextField(_("extrait"), blank=True)
    raw = models.BinaryField(_("message"), blank=True)  # bounded: RAW_KEPT
    raw_truncated = models.BooleanField(default=False)
    received_at = models.DateTimeField(_("reçu le"), null=True, blank=True)
    handled = models.BooleanField(_("traité"), default=False)
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    handled_note = models.CharField(_("suite donnée"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("courriel reçu")
        verbose_name_plural = _("courriels reçus")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "message_id"],
                name="inbound_message_once_per_company",
            )
        ]
        indexes = [
            models.Index(
                fields=["company", "kind", "handled"], name="inbound_kind_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.message_id}"


class PauseOrigin(models.TextChoices):
    USER = "user", _("Utilisateur")
    API = "api", _("API")
    REPLY = "reply", _("Réponse reçue")
    EINVOICE = "einvoice", _("Statut de facture électronique")
    IMPORT = "import", _("Import")
    PORTAL = "portal", _("Espace client")


class PauseRecord(models.Model):
    """One pause set on an invoice (or, with no invoice, on a customer):
    who set it, when, its kind, its end and reason, and when it was lifted
    or replaced. The current pause stays in the invoice's and customer's
    columns; this is its history, written only by
    `dunning.services.pauses`. A pause that ends by itself on its date has
    no `lifted_at`."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="pause_records",
        db_index=False,  # the index below starts with it
    )
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pause_records",
    )
    kind = models.CharField(
        _("motif"), max_length=10, choices=PauseKind.choices, blank=True
    )
    until = models.DateField(_("jusqu'au"))
    reason = models.CharField(_("motif de la pause"), max_length=255, blank=True)
    origin = models.CharField(
        _("origine"),
        max_length=10,
        choices=PauseOrigin.choices,
        default="user",
        blank=True,  # unknown: a pause found in place when the history began
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    set_at = models.DateTimeField(_("mise le"))
    # A pause found in place when the history began: when it was set is unknown.
    set_at_known = models.BooleanField(default=True)
    lifted_at = models.DateTimeField(_("levée le"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    lifted_origin = models.CharField(
        _("levée par"), max_length=10, choices=PauseOrigin.choices, blank=True
    )

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["-set_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "set_at", "id"], name="pause_record_customer_idx"
            ),
            models.Index(
                fields=["customer", "lifted_at", "id"],
                condition=Q(lifted_at__isnull=False),
                name="pause_record_lifted_idx",
            ),
            # The open record of an invoice (or of a customer) to close.
            models.Index(
                fields=["invoice"],
                condition=Q(lifted_at__isnull=True),
                name="pause_record_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind or 'customer'} {self.until}"


class NoteOrigin(models.TextChoices):
    WEB = "web", _("Utilisateur")
    API = "api", _("API")


class CustomerNote(models.Model):
    """A note a user (or the API) wrote about a customer, for its history."""

    MAX_LENGTH = 5000

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    text = models.TextField(_("note"), max_length=MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    origin = models.CharField(
        _("origine"), max_length=5, choices=NoteOrigin.choices, default="web"
    )
    created_at = models.DateTimeField(_("écrite le"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "created_at", "id"], name="customer_note_idx"
            )
        ]

    def __str__(self) -> str:
        return self.text[:50]


class Task(models.Model):
    """A phone call to make or a task to do for a customer: made when a
    reminder of a « Appel téléphonique » or « Tâche » step goes (ADR 16),
    assigned to the customer's owner, closed by its outcome."""

    class Kind(models.TextChoices):
        CALL = "call", _("Appel")
        TASK = "task", _("Tâche")

    class Status(models.TextChoices):
        OPEN = "open", _("À faire")
        DONE = "done", _("Faite")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Joint")
        PROMISE = "promise", _("Promesse de paiement")
        DISPUTE = "dispute", _("Litige")
        UNREACHABLE = "unreachable", _("Injoignable")
        CALLBACK = "callback", _("Rappeler")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="tasks"
    )
    reminder = models.OneToOneField(
        Reminder, on_delete=models.PROTECT, related_name="task"
    )
    step = models.ForeignKey(DunningStep, on_delete=models.PROTECT, related_name="+")
    invoices = models.ManyToManyField(Invoice, related_name="tasks", blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    due_on = models.DateField(_("à faire le"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.CharField(
        _("résultat"), max_length=12, choices=Outcome.choices, blank=True
    )
    outcome_on = models.DateField(_("date du résultat"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("faite par"),
    )
    done_at = models.DateTimeField(_("faite le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tâche")
        verbose_name_plural = _("tâches")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["company", "status", "due_on"], name="task_status_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer} {self.due_on}"


class PortalLink(models.Model):
    """A private link to the customer's page (portal/), made when a reminder
    that quotes it is written. Only the SHA-256 digest of its token is kept:
    the token itself exists in the sent message alone (ADR 18). A customer's
    links expire together, `Company.portal_link_days` after their last
    reminder, and are revoked together."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="portal_links"
    )
    reminder = models.ForeignKey(
        Reminder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    token_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"))
    expires_at = models.DateTimeField(_("expire le"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière visite"), null=True, blank=True)

    class Meta:
        verbose_name = _("lien de l'espace client")
        verbose_name_plural = _("liens de l'espace client")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer} ({self.created_at:%Y-%m-%d})"


def proof_path(answer: "PortalAnswer", filename: str) -> str:
    """Where a proof of payment is kept: under the media folder, which no
    URL serves (only `web:portal_answer_proof`, to the company's users), with
    a random name and the extension of the type its bytes showed."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"company-{answer.company_id}/proofs/{secrets.token_hex(16)}.{extension}"


class PortalAnswer(models.Model):
    """One answer of a customer on their private page (issue 17 §3): « J'ai
    déjà payé », « Je paierai le … » or « Je conteste cette facture », for
    one or more of their open invoices. Written only by
    `dunning.services.portal_answers`, which pauses the invoices."""

    TEXT_MAX = 2000

    class Kind(models.TextChoices):
        PAID = "paid", _("Paiement déclaré")
        PROMISE = "promise", _("Promesse de paiement")
        DISPUTE = "dispute", _("Contestation")

    class Reason(models.TextChoices):
        NOT_RECEIVED = "not_received", _("Marchandise ou prestation non reçue")
        NOT_CONFORM = "not_conform", _("Prestation non conforme ou défectueuse")
        WRONG_AMOUNT = "wrong_amount", _("Montant ou prix erroné")
        NOT_ORDERED = "not_ordered", _("Je n'ai pas passé cette commande")
        CREDIT_EXPECTED = "credit", _("Un avoir était prévu")
        OTHER = "other", _("Autre motif")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="portal_answers"
    )
    link = models.ForeignKey(
        PortalLink,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
        db_index=False,
    )
    invoices = models.ManyToManyField(Invoice, related_name="portal_answers")
    kind = models.CharField(_("réponse"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("reçue le"))
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    paid_on = models.DateField(_("payé le"), null=True, blank=True)
    amount = models.DecimalField(_("montant"), null=True, blank=True, **MONEY)
    promised_on = models.DateField(_("paiement promis le"), null=True, blank=True)
    reason = models.CharField(
        _("motif"), max_length=20, choices=Reason.choices, blank=True
    )
    text = models.TextField(_("message du client"), max_length=TEXT_MAX, blank=True)
    proof = models.FileField(_("justificatif"), upload_to=proof_path, blank=True)
    proof_type = models.CharField(max_length=20, blank=True)
    # The company checked a declared payment against its bank (« Vérifiée »).
    checked_at = models.DateTimeField(_("vérifiée le"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("réponse du client")
        verbose_name_plural = _("réponses des clients")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["company", "created_at", "id"], name="portal_answer_company_idx"
            ),
            models.Index(
                fields=["customer", "created_at", "id"],
                name="portal_answer_customer_idx",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.customer_id} {self.created_at:%Y-%m-%d}"
        )


class TaggedCount(models.Model):
    """A part of the number of a company's invoices « à relancer » (ADR 31).

    The database's triggers on invoices_invoice write one row a write that
    tags or untags (± the number), whatever wrote it; the daily job folds a
    company's rows into one (`tagged_count.tagged_counts`). The number is the
    sum of the company's rows. A plain id, no foreign key: an invoice deleted
    with its company writes its row after the company's are gone."""

    company_id = models.BigIntegerField(db_index=True)
    n = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.company_id} {self.n:+d}"
