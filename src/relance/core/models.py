import secrets
from datetime import time

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relance.core import validators
from relance.core.languages import SHIPPED


class Language(models.TextChoices):
    FRENCH = "fr", _("Français")
    ENGLISH = "en", _("Anglais")


class Grouping(models.TextChoices):
    """How a run puts a customer's due invoices into messages."""

    INVOICE = "invoice", _("Un courriel par facture")
    STEP = "step", _("Un courriel par client et par étape (recommandé)")
    CUSTOMER = "customer", _("Un seul courriel par client")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address; may work for several companies."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=150, blank=True)
    language = models.CharField(
        _("langue"), max_length=5, choices=Language.choices, default=Language.FRENCH
    )
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")
        ]

    def __str__(self) -> str:
        return self.full_name or self.email


def default_languages() -> list[str]:
    return list(SHIPPED)


def logo_path(company: "Company", filename: str) -> str:
    """A random name, with the extension of the type its bytes showed."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"company-{company.pk}/logo/{secrets.token_hex(16)}.{extension}"


class Company(models.Model):
    """The tenant: every other row belongs to one company."""

    name = models.CharField(_("raison sociale"), max_length=200)
    siren = models.CharField(
        _("SIREN"), max_length=11, blank=True, validators=[validators.validate_siren]
    )
    siret = models.CharField(
        _("SIRET"), max_length=17, blank=True, validators=[validators.validate_siret]
    )
    address_line1 = models.CharField(_("adresse"), max_length=200, blank=True)
    address_line2 = models.CharField(
        _("complément d'adresse"), max_length=200, blank=True
    )
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=2, default="FR")
    sender_email = models.EmailField(_("adresse d'expédition"), blank=True)
    reply_to_email = models.EmailField(_("adresse de réponse"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    iban = models.CharField(
        _("IBAN"), max_length=42, blank=True, validators=[validators.validate_iban]
    )
    bic = models.CharField(
        _("BIC"), max_length=11, blank=True, validators=[validators.validate_bic]
    )
    time_zone = models.CharField(
        _("fuseau horaire"),
        max_length=64,
        default="Europe/Paris",
        validators=[validators.validate_time_zone],
    )
    language = models.CharField(
        _("langue"), max_length=5, choices=Language.choices, default=Language.FRENCH
    )
    # The languages it writes its reminders in (core/languages.py): French
    # and English, then the ones it added; its customers choose among them.
    languages = models.JSONField(
        _("langues des relances"), default=default_languages, blank=True
    )
    # Dunning settings.
    min_gap_days = models.PositiveSmallIntegerField(
        _("écart minimal entre deux relances (jours)"), default=5
    )
    grouping = models.CharField(
        _("regroupement des factures"),
        max_length=10,
        choices=Grouping.choices,
        default=Grouping.STEP,
    )
    # Late-payment law (law/penalties.py).
    penalty_rate = models.DecimalField(
        _("taux des pénalités de retard (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_(
            "Celui de vos conditions générales de vente. Vide : taux de la BCE "
            "majoré de 10 points, le taux de la loi."
        ),
    )
    penalty_day_basis = models.PositiveSmallIntegerField(
        _("base de calcul des pénalités (jours par an)"),
        choices=[(365, "365"), (360, "360")],
        default=365,
    )
    # Formal notices sent as letters (dunning/letters.py).
    letter_deadline_days = models.PositiveSmallIntegerField(
        _("délai de paiement d'une mise en demeure (jours)"),
        default=8,
        validators=[validators.validate_letter_deadline],
        help_text=_("Le courrier demande le paiement dans ce délai (8 jours d'usage)."),
    )
    letter_body = models.TextField(
        _("texte de la mise en demeure"),
        blank=True,
        help_text=_(
            "Le paragraphe principal du courrier, avec les variables des modèles "
            "({{ customer.name }}, {{ total_due }}…). Vide : le texte par défaut."
        ),
    )
    letter_signatory = models.CharField(
        _("signataire des courriers"),
        max_length=150,
        blank=True,
        help_text=_("Nom et qualité, par exemple « Marie Martin, gérante »."),
    )
    auto_send = models.BooleanField(_("envoi automatique des relances"), default=False)
    # Bank statements (bank/): the summary warns when the last one is older
    # than this; `bank_statement_on` is written only by the bank services.
    bank_max_age_days = models.PositiveSmallIntegerField(
        _("relevé bancaire : ancienneté maximale (jours)"),
        default=3,
        help_text=_(
            "Avant d'envoyer, un avertissement si le dernier relevé importé est "
            "plus ancien."
        ),
    )
    bank_statement_on = models.DateField(
        _("dernier relevé bancaire du"), null=True, blank=True
    )
    # What comes back (dunning/services/inbound.py): a customer's answer to a
    # reminder pauses their dunning this many days, while it waits for a person.
    reply_pause_days = models.PositiveSmallIntegerField(
        _("pause après une réponse du client (jours)"), default=5
    )
    # The customer's private page (portal/): its links stop working this
    # many days after the customer's last reminder.
    portal_link_days = models.PositiveSmallIntegerField(
        _("validité du lien de l'espace client (jours après la dernière relance)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    # The customer's answers on that page (dunning/services/portal_answers.py):
    # « J'ai déjà payé » pauses the invoices this many days, « Je paierai
    # le … » accepts a date at most this far, and each answer may be emailed.
    declared_payment_pause_days = models.PositiveSmallIntegerField(
        _("pause après un paiement déclaré par le client (jours)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    promise_max_days = models.PositiveSmallIntegerField(
        _("promesse de paiement : délai maximal (jours)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    # The logo on the customer's page (core/logos.py): under the media
    # folder, which no URL serves; written only by core.services.
    logo = models.FileField(_("logo"), upload_to=logo_path, blank=True)
    # The online payment link shown on that page (core/payment_links.py).
    payment_url_template = models.CharField(
        _("lien de paiement en ligne"), max_length=500, blank=True
    )
    portal_answers_by_email = models.BooleanField(
        _("recevoir chaque réponse des clients par courriel"), default=False
    )
    daily_run_at = models.TimeField(
        _("heure de la tâche quotidienne"), default=time(6, 0)
    )
    # The sending calendar (core/calendar.py) and the mail server's quota
    # (core/quota.py): when messages may leave, how many at most.
    send_calendar = models.BooleanField(
        _("envoyer seulement les jours ouvrés, aux heures d'envoi"),
        default=True,
        help_text=_(
            "Ni le samedi, ni le dimanche, ni les jours fériés (ceux d'Alsace-Moselle "
            "aussi quand le code postal de la société commence par 57, 67 ou 68)."
        ),
    )
    send_from = models.TimeField(_("envoi à partir de"), default=time(8, 0))
    send_until = models.TimeField(_("envoi jusqu'à"), default=time(18, 0))
    pause_august = models.BooleanField(_("pas d'envoi en août"), default=False)
    pause_christmas = models.BooleanField(
        _("pas d'envoi du 24 décembre au 1er janvier"), default=False
    )
    quota_per_minute = models.PositiveIntegerField(
        _("courriels par minute au plus"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Ce qu'accepte votre serveur d'envoi. Vide : pas de limite."),
    )
    quota_per_day = models.PositiveIntegerField(
        _("courriels par jour au plus"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Ce qu'accepte votre serveur d'envoi. Vide : pas de limite."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("société")
        verbose_name_plural = _("sociétés")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def address_lines(self) -> list[str]:
        city = " ".join(p for p in [self.postal_code, self.city] if p)
        return [line for line in [self.address_line1, self.address_line2, city] if line]


class Membership(models.Model):
    """A user's access to a company."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrateur")
        MEMBER = "member", _("Membre")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("rôle"), max_length=10, choices=Role.choices, default=Role.MEMBER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("accès à une société")
        verbose_name_plural = _("accès aux sociétés")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "company"], name="membership_user_company_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.company}"


class ApiToken(models.Model):
    """A company's key to the REST API. Only a digest of it is stored."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("nom"), max_length=100)
    prefix = models.CharField(_("début du jeton"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernier usage"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Invitation(models.Model):
    """A company's invitation to a person, by email: nobody gets access to a
    company until the owner of the address accepts. Only a digest of its
    token is stored; the token itself travels in the email's link."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(
        _("rôle"),
        max_length=10,
        choices=Membership.Role.choices,
        default=Membership.Role.MEMBER,
    )
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("envoyée le"))
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "email"], name="invitation_company_email")
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"


class MailQuotaUse(models.Model):
    """How many messages a company's workers have handed to its mail server
    in one minute (« m:2026-07-16T08:00 ») or one day of its own (« d:2026-07-16 »),
    counted together by every worker (core/quota.py)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=20)
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period"], name="mail_quota_company_period_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.used}"


class ChangeKind(models.TextChoices):
    """What a `ChangeRecord` is about."""

    STEP = "step", _("Étape de relance")
    CUSTOMER = "customer", _("Client")
    PLAN = "plan", _("Plan de relance")
    COMPANY = "company", _("Paramètres de la société")


class ChangeOrigin(models.TextChoices):
    """Through what a change came: a person's page, the API, the system."""

    USER = "user", _("utilisateur")
    API = "api", _("API")
    SYSTEM = "system", _("système")


class ChangeRecord(models.Model):
    """Who changed what, when: the fields changed, before and after, as JSON
    (`core.changes.change_record`, the one way to write one). The object is
    kept by its id and a label, as text, so the record outlives it; the
    customer likewise (a plain id: `core` sits below `invoices`, ADR 2).
    `user` is the person (or the API token's creator); `by_name` the name
    kept as it was (the user's name, the token's name; empty for the system)."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="change_records"
    )
    at = models.DateTimeField(_("le"))
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_name = models.CharField(_("par"), max_length=200, blank=True)
    origin = models.CharField(_("origine"), max_length=10, choices=ChangeOrigin.choices)
    kind = models.CharField(_("type"), max_length=20, choices=ChangeKind.choices)
    subject_id = models.BigIntegerField(_("objet (id)"), null=True, blank=True)
    subject_label = models.CharField(_("objet"), max_length=255)
    customer_id = models.BigIntegerField(_("client (id)"), null=True, blank=True)
    before = models.JSONField(_("avant"), default=dict)
    after = models.JSONField(_("après"), default=dict)

    class Meta:
        verbose_name = _("modification")
        verbose_name_plural = _("modifications")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["company", "-at", "-id"], name="change_company_at"),
            models.Index(
                fields=["company", "kind", "-at", "-id"], name="change_company_kind"
            ),
            models.Index(
                fields=["customer_id", "-at", "-id"], name="change_customer_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_label}"
