"""Forms: they read and check what a user typed; services decide the rest."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.text import capfirst, normalize_newlines
from django.utils.translation import gettext_lazy as _

from relance.core import languages as company_languages
from relance.core.errors import ApplicationError
from relance.core.languages import name as language_name
from relance.core.models import Company, Language, Membership
from relance.core.money import format_amount, format_date
from relance.core.selectors import company_users
from relance.core.services import COMPANY_FIELDS, payment_url_refusal
from relance.core.validators import validate_date_range, validate_french_postal_code
from relance.dunning.letters import letter_body_check
from relance.dunning.models import DunningStep, Task
from relance.invoices.models import Customer, Invoice, PauseKind, Payment
from relance.invoices.selectors import credit_notes_to_allocate, customer_open_invoices
from relance.law.models import Rate
from relance.mailing.templating import TemplateRefused


class AmountField(forms.CharField):
    """An amount typed the French way (« 1 234,56 ») or the English way."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text)
        if "," in cleaned:
            cleaned = cleaned.replace(".", "").replace(",", ".")
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise forms.ValidationError(
                _("Montant invalide : « %(value)s ».") % {"value": text}
            ) from None
        if amount.as_tuple().exponent < -2:
            raise forms.ValidationError(_("Deux décimales au plus."))
        return amount


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def apply_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal next to its field (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class PaymentForm(forms.Form):
    date = forms.DateField(
        label=_("Date du règlement"),
        widget=DateInput(),
        validators=[validate_date_range],
    )
    amount = AmountField(label=_("Montant"))
    # A credit note is allocated with « Imputer un avoir », not typed here.
    method = forms.ChoiceField(
        label=_("Mode de règlement"),
        choices=[
            choice
            for choice in Payment.Method.choices
            if choice[0] != Payment.Method.CREDIT_NOTE
        ],
    )
    reference = forms.CharField(label=_("Référence"), required=False, max_length=100)


class CreditNoteChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(number)s du %(date)s — reste %(left)s") % {
            "number": obj.number,
            "date": format_date(obj.issue_date),
            "left": format_amount(obj.credit_left, obj.currency),
        }


class InvoiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(number)s, échéance %(date)s — reste dû %(due)s") % {
            "number": obj.number,
            "date": format_date(obj.due_date),
            "due": format_amount(obj.amount_due, obj.currency),
        }


class AllocationForm(forms.Form):
    """« Imputer un avoir »: which credit note of the customer, on which of
    its invoices (unless the page is the invoice's), and how much."""

    # The oldest credit note comes chosen: most customers have one.
    credit_note = CreditNoteChoice(
        label=_("Avoir"), queryset=Invoice.objects.none(), empty_label=None
    )
    invoice = InvoiceChoice(label=_("Facture"), queryset=Invoice.objects.none())
    amount = AmountField(
        label=_("Montant imputé"),
        help_text=_("Au plus ce qui reste de l'avoir et ce qui reste dû."),
    )

    def __init__(self, *args, customer: Customer, invoice=None, **kwargs):
        super().__init__(*args, **kwargs)
        credits = credit_notes_to_allocate(customer=customer)
        self.fields["credit_note"].queryset = credits
        if invoice is not None:
            del self.fields["invoice"]
            first = credits.first()
            if first is not None and not self.is_bound:
                amount = min(first.credit_left, invoice.amount_due)
                self.initial["amount"] = f"{amount:.2f}".replace(".", ",")
        else:
            self.fields["invoice"].queryset = customer_open_invoices(customer=customer)


class NewInvoiceForm(forms.Form):
    """« Nouvelle facture »: what the user typed, as text; the intake service
    checks it as it checks a file's rows (dates, amounts, numbers)."""

    customer = forms.ModelChoiceField(
        label=_("Client"),
        queryset=Customer.objects.none(),
        required=False,
        empty_label=_("— Nouveau client —"),
    )
    customer_name = forms.CharField(
        label=_("Nom du nouveau client"), required=False, max_length=200
    )
    customer_email = forms.CharField(
        label=_("Courriel du nouveau client"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(),
        help_text=_("Les relances partent à cette adresse."),
    )
    customer_kind = forms.ChoiceField(
        label=_("Type de client"),
        choices=Customer.Kind.choices,
        initial=Customer.Kind.BUSINESS,
        help_text=_(
            "Pénalités de retard et indemnité de 40 € pour un professionnel seulement."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=Invoice.Kind.choices,
        initial=Invoice.Kind.INVOICE,
        required=False,  # a facture when left out
        help_text=_("Un avoir n'est jamais relancé : il s'impute sur des factures."),
    )
    credited_invoice = forms.CharField(
        label=_("Facture d'origine (avoir)"),
        required=False,
        max_length=60,
        help_text=_(
            "Le numéro de la facture que l'avoir corrige : il lui est imputé aussitôt."
        ),
    )
    number = forms.CharField(label=_("Numéro de facture"), required=False)
    issue_date = forms.CharField(
        label=_("Date de facture"), required=False, widget=DateInput()
    )
    due_date = forms.CharField(
        label=_("Date d'échéance"), required=False, widget=DateInput()
    )
    total = forms.CharField(
        label=_("Montant TTC"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Par exemple 1 234,56"),
    )
    payment_terms = forms.CharField(
        label=_("Conditions de règlement"), required=False, max_length=200
    )
    pdf = forms.FileField(
        label=_("PDF de la facture"),
        required=False,
        help_text=_("Facultatif : un fichier PDF de 10 Mo au plus."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(
            company=company
        ).order_by("name", "id")

    def clean(self):
        data = super().clean()
        if data.get("customer") and (
            data.get("customer_name") or data.get("customer_email")
        ):
            self.add_error(
                "customer_name",
                _(
                    "Choisissez un client existant ou saisissez un nouveau client, "
                    "pas les deux."
                ),
            )
        return data


class InvoicePdfForm(forms.Form):
    pdf = forms.FileField(
        label=_("PDF de la facture"),
        help_text=_("Un fichier PDF de 10 Mo au plus."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"required": _("Choisissez le PDF de la facture.")},
    )


class PauseForm(forms.Form):
    pause_kind = forms.ChoiceField(label=_("Motif"), choices=PauseKind.choices)
    paused_until = forms.DateField(
        label=_("Jusqu'au (inclus)"),
        widget=DateInput(),
        validators=[validate_date_range],
    )
    pause_reason = forms.CharField(
        label=_("Précisions"), required=False, max_length=255
    )


class EInvoiceStatusForm(forms.Form):
    """An e-invoicing lifecycle status typed by hand (read on the platform's
    portal): what it does is the service's (docs/einvoicing.md)."""

    code = forms.ChoiceField(label=_("Statut"), choices=Invoice.EInvoiceStatus.choices)
    date = forms.DateField(
        label=_("Date du statut"),
        widget=DateInput(),
        validators=[validate_date_range],
    )
    reason = forms.CharField(label=_("Motif"), required=False, max_length=500)


class CustomerNoteForm(forms.Form):
    # Its length is the service's to check (customer_note_add), in French.
    text = forms.CharField(
        label=_("Nouvelle note"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CustomerPauseForm(forms.Form):
    paused_until = forms.DateField(
        label=_("Jusqu'au (inclus)"),
        widget=DateInput(),
        validators=[validate_date_range],
    )
    pause_reason = forms.CharField(label=_("Motif"), required=False, max_length=255)


class CustomerForm(forms.ModelForm):
    """A customer's details; `company` offers its languages (else the
    customer's company's)."""

    class Meta:
        model = Customer
        fields = [
            "name",
            "kind",
            "email",
            "dunning_email",
            "phone",
            "language",
            "agreed_penalty_rate",
            "owner",
        ]
        localized_fields = ["agreed_penalty_rate"]
        help_texts = {
            "dunning_email": _(
                "Les relances partent ici ; à défaut, au courriel principal."
            ),
        }

    def __init__(self, *args, company=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the company's users may follow its customers.
        owner = self.fields["owner"]
        owner.queryset = company_users(company_id=self.instance.company_id)
        owner.empty_label = _("(personne)")
        # The company's languages, and the customer's own if since removed.
        company = company or self.instance.company
        offered = company_languages.company_languages(company.languages)
        current = self.instance.language
        self.fields["language"].choices = [
            (code, label)
            for code, label in company_languages.CHOICES
            if code in offered or code == current
        ]


class StepForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=100)
    trigger = forms.ChoiceField(
        label=_("Date de déclenchement"), choices=DunningStep.TriggerChoice.choices
    )
    days = forms.IntegerField(
        label=_("Nombre de jours"),
        min_value=-365,
        max_value=3650,
        help_text=_("Après la date de déclenchement ; négatif pour « avant »."),
    )
    subject = forms.CharField(
        label=_("Objet du courriel"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"data-template-field": ""}),
    )
    body = forms.CharField(
        label=_("Corps du courriel"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "data-template-field": ""}),
    )
    attach_pdf = forms.BooleanField(
        label=_("Joindre le PDF des factures"), required=False
    )
    attach_statement = forms.BooleanField(
        label=_("Joindre le relevé de compte (PDF)"),
        required=False,
        help_text=_(
            "Toutes les factures dues du client, avec pénalités et indemnités "
            "à ce jour."
        ),
    )
    formal_notice = forms.BooleanField(
        label=_("Mise en demeure"),
        required=False,
        help_text=_(
            "Ne couvre que les factures qui ont atteint cette étape, même avec "
            "« Un seul courriel par client »."
        ),
    )
    channel = forms.ChoiceField(
        label=_("Envoi par"),
        choices=DunningStep.Channel.choices,
        initial=DunningStep.Channel.EMAIL,
        required=False,
        help_text=_(
            "Un courrier attend dans « Courriers à envoyer » : à imprimer, envoyer "
            "en recommandé, puis noter son avis de réception. Un appel "
            "téléphonique ou une tâche n'envoie rien : il attend dans « Mes "
            "tâches du jour » du responsable du client, avec ses factures ; "
            "l'objet et le corps sont alors facultatifs."
        ),
    )
    active = forms.BooleanField(label=_("Active"), required=False)

    # Templates per language: a text per company language other than French
    # (subject_en, body_en, subject_de…); empty, the fallback applies.
    def __init__(self, *args, languages=("fr", "en"), **kwargs):
        super().__init__(*args, **kwargs)
        self.language_fields = {"fr": ("subject", "body")}
        for code in languages:
            if code == "fr":
                continue
            name = language_name(code)
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Objet en %(language)s") % {"language": name},
                max_length=255,
                required=False,
                widget=forms.TextInput(attrs={"data-template-field": ""}),
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Corps en %(language)s") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 18, "data-template-field": ""}),
                help_text=_(
                    "Pour les clients de langue %(language)s. Laissés vides, ils "
                    "reçoivent le texte dans la langue de la société."
                )
                % {"language": name},
            )
            self.language_fields[code] = (f"subject_{code}", f"body_{code}")

    def texts(self) -> dict:
        """The texts other than the French, as step_save_with_texts takes them."""
        return {
            code: {
                "subject": self.cleaned_data[subject],
                "body": self.cleaned_data[body],
            }
            for code, (subject, body) in self.language_fields.items()
            if code != "fr"
        }

    def languages(self) -> list[dict]:
        return [
            {
                "code": code,
                "name": capfirst(language_name(code)),
                "fields": [self[name] for name in fields],
            }
            for code, fields in self.language_fields.items()
        ]

    def other_fields(self) -> list:
        texts = {name for fields in self.language_fields.values() for name in fields}
        return [field for field in self if field.name not in texts]

    def clean_channel(self):
        # Left out (an older page, a script): by email, as before.
        return self.cleaned_data["channel"] or DunningStep.Channel.EMAIL

    def clean(self):
        data = super().clean()
        channel = data.get("channel") or DunningStep.Channel.EMAIL
        if channel in (DunningStep.Channel.CALL, DunningStep.Channel.TASK):
            return data  # nothing is sent: no email to write
        for name in ("subject", "body"):
            if name in data and not data[name].strip():
                self.add_error(name, _("Ce champ est obligatoire."))
        return data


class CompanyForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Langues des relances"),
        choices=company_languages.ADDABLE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Le français et l'anglais sont toujours proposés ; cochez les autres "
            "langues dans lesquelles vous écrivez à vos clients. Chaque étape a "
            "alors un onglet par langue."
        ),
    )

    def clean_languages(self):
        return company_languages.company_languages(self.cleaned_data["languages"])

    bank_max_age_days = forms.IntegerField(
        label=_("Relevé bancaire : ancienneté maximale (jours)"),
        required=False,
        min_value=0,
        max_value=365,
        help_text=_(
            "Avant d'envoyer, un avertissement si le dernier relevé importé est "
            "plus ancien (3 jours si vide)."
        ),
    )

    def clean_bank_max_age_days(self):
        value = self.cleaned_data.get("bank_max_age_days")
        return 3 if value is None else value

    class Meta:
        model = Company
        fields = COMPANY_FIELDS
        localized_fields = ["penalty_rate"]
        widgets = {
            "daily_run_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "send_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "send_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

        help_texts = {
            "sender_email": _("L'adresse « De » des relances."),
            "reply_to_email": _(
                "Les réponses des clients (litiges, preuves de paiement) arrivent "
                "ici ; le résumé quotidien des échecs aussi."
            ),
            "min_gap_days": _(
                "Jamais deux relances d'une même facture à moins de ce délai."
            ),
            "auto_send": _(
                "La tâche quotidienne envoie elle-même les relances dues, sans clic. "
                "Sinon, elle les marque « À relancer » seulement."
            ),
            "daily_run_at": _("Dans le fuseau horaire de la société."),
            "send_from": _(
                "Les jours ouvrés, les relances partent entre ces deux heures (fuseau "
                "horaire de la société) ; en dehors, elles attendent l'ouverture "
                "suivante."
            ),
            "send_until": _("Après cette heure, les relances attendent le lendemain."),
            "pause_august": _("Les relances dues en août partent début septembre."),
            "pause_christmas": _(
                "Les relances dues pendant les fêtes partent le 2 janvier (ou le jour "
                "ouvré suivant)."
            ),
            "reply_pause_days": _(
                "Quand un client répond à une relance, plus de relance pendant ces "
                "jours, le temps de traiter sa réponse. 0 : pas de pause."
            ),
            "portal_link_days": _(
                "Le lien de l'espace client cité par les relances ({{ portal_url }}) "
                "cesse de fonctionner ce nombre de jours après la dernière relance "
                "du client (1 à 366)."
            ),
            "declared_payment_pause_days": _(
                "Quand un client déclare sur son espace avoir payé, ses factures "
                "sont en pause ce nombre de jours, le temps de vérifier (1 à 90)."
            ),
            "promise_max_days": _(
                "« Je paierai le … » : la date promise ne peut pas dépasser "
                "aujourd'hui plus ce délai (1 à 366)."
            ),
            "payment_url_template": _(
                "Facultatif. Un bouton « Payer par carte » sur l'espace client, "
                "vers votre prestataire de paiement : https://… avec {number} "
                "(numéro de facture), {amount} (reste dû, 1234.56), {customer} "
                "(code client). Rien n'est payé par Relance."
            ),
            "portal_answers_by_email": _(
                "Chaque réponse d'un client sur son espace arrive aussi par "
                "courriel à l'adresse de réponse ; sinon, dans le résumé quotidien."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out by an older page or a script: kept as it is.
        self.fields["letter_deadline_days"].required = False
        self.fields["reply_pause_days"].required = False
        self.fields["reply_pause_days"].max_value = 90
        self.fields["reply_pause_days"].widget.attrs["max"] = 90
        self.fields["portal_link_days"].required = False
        # Left out by an older page or a script: kept as they are.
        for name in ("send_from", "send_until"):
            self.fields[name].required = False
        self.fields["declared_payment_pause_days"].required = False
        self.fields["promise_max_days"].required = False

    def clean_reply_pause_days(self):
        value = self.cleaned_data.get("reply_pause_days")
        if value is None:
            return self.instance.reply_pause_days
        if value > 90:
            raise forms.ValidationError(_("90 jours au plus."))
        return value

    def clean_send_from(self):
        value = self.cleaned_data.get("send_from")
        return self.instance.send_from if value is None else value

    def clean_send_until(self):
        value = self.cleaned_data.get("send_until")
        return self.instance.send_until if value is None else value

    def clean_declared_payment_pause_days(self):
        value = self.cleaned_data.get("declared_payment_pause_days")
        return self.instance.declared_payment_pause_days if value is None else value

    def clean_promise_max_days(self):
        value = self.cleaned_data.get("promise_max_days")
        return self.instance.promise_max_days if value is None else value

    def clean_payment_url_template(self):
        value = (self.cleaned_data.get("payment_url_template") or "").strip()
        message = payment_url_refusal(value) if value else ""
        if message:
            raise forms.ValidationError(message)
        return value

    def clean_portal_link_days(self):
        value = self.cleaned_data.get("portal_link_days")
        return self.instance.portal_link_days if value is None else value

    def clean_letter_deadline_days(self):
        value = self.cleaned_data["letter_deadline_days"]
        return self.instance.letter_deadline_days if value is None else value

    def clean_letter_body(self):
        value = normalize_newlines(self.cleaned_data["letter_body"]).strip()
        try:
            letter_body_check(value)
        except TemplateRefused as error:
            raise forms.ValidationError(str(error)) from None
        return value

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        if (self.instance.country or "FR") == "FR":
            validate_french_postal_code(value)
        return value


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Membership.Role.choices)


class NewAccountForm(forms.Form):
    """Someone invited who has no account yet chooses a name and a password."""

    full_name = forms.CharField(label=_("Nom complet"), required=False, max_length=150)
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("8 caractères au moins, pas un mot de passe courant."),
    )
    password_again = forms.CharField(
        label=_("Encore une fois"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("password")
            and data.get("password_again") is not None
            and data["password"] != data["password_again"]
        ):
            self.add_error("password_again", _("Les deux saisies diffèrent."))
        return data


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Nom complet"), required=False, max_length=150)
    language = forms.ChoiceField(label=_("Langue"), choices=Language.choices)


class RateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Taux"), choices=Rate.Kind.choices)
    start = forms.DateField(
        label=_("En vigueur à partir du"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Le 1er janvier ou le 1er juillet pour l'intérêt légal."),
    )
    value = forms.DecimalField(
        label=_("Valeur (%)"), max_digits=6, decimal_places=3, localize=True
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        help_text=_("Publication officielle : arrêté au Journal officiel, lien."),
    )


class TaskOutcomeForm(forms.Form):
    """What came of a call or a task (« Mes tâches du jour »)."""

    outcome = forms.ChoiceField(
        label=_("Résultat"),
        choices=[
            (Task.Outcome.REACHED, _("Joint")),
            (Task.Outcome.PROMISE, _("Promesse au …")),
            (Task.Outcome.DISPUTE, _("Litige")),
            (Task.Outcome.UNREACHABLE, _("Injoignable")),
            (Task.Outcome.CALLBACK, _("Rappeler le …")),
        ],
        widget=forms.RadioSelect,
    )
    on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput(),
        validators=[validate_date_range],
        help_text=_("Promesse au, rappeler le, ou fin du litige."),
    )
    note = forms.CharField(
        label=_("Note ou motif du litige"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
