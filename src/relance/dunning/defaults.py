"""The steps `relance init` gives a new company: three reminders, then a formal notice.

Wording follows French practice (see docs/templates.md): courteous first,
firmer next, then a « mise en demeure » that names the debt, sets a final
deadline and, for business customers only, states the late-payment penalties
and the 40 € recovery indemnity (Code de commerce L441-10 and D441-5). Neither
applies to consumers, who owe legal interest from the formal notice instead
(Code civil 1231-6) and may not be charged recovery costs.

Every sentence must be true of every invoice the message lists. By default a
message holds invoices at one step only. Under « Un seul courriel par client »
it may merge invoices at different steps (`mixed_steps`) and takes the highest
step's template: the templates then say where each invoice stands on its own
line and keep step claims (« nos deux précédentes relances… ») to the invoices
they are true of. A formal notice never merges (see planning._message_key).
"""

_INVOICE_LINES = (
    "{% for invoice in invoices %}\n"
    "- facture {{ invoice.number }} du {{ invoice.issue_date }}, "
    "{% if invoice.is_overdue %}échue le{% else %}à échéance du{% endif %} "
    "{{ invoice.due_date }} : {{ invoice.amount_due }}"
    "{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}premier rappel"
    "{% elif invoice.reminders_before == 1 %}déjà relancée une fois"
    "{% else %}déjà relancée {{ invoice.reminders_before }} fois{% endif %}"
    "{% endif %}\n"
    "{% endfor %}\n"
)

# The opening of a merged message: no claim about earlier reminders, which
# each line states for its own invoice.
_MIXED_OPENING = (
    "Sauf erreur de notre part, les factures suivantes restent impayées à ce "
    "jour ; nous indiquons pour chacune où en sont nos relances"
)

_PAYMENT = """\
{% if company.iban %}
Vous pouvez régler par virement sur notre compte :
IBAN : {{ company.iban }}{% if company.bic %} — BIC : {{ company.bic }}{% endif %}

{% endif %}
"""

# The customer's private page (portal/, docs/portal.md): a new link per message.
_PORTAL = (
    "{% if portal_url %}Retrouvez vos factures, leurs PDF et un QR code de "
    "virement sur votre espace personnel :\n{{ portal_url }}\n\n{% endif %}"
)

_SIGNATURE = """\
{{ company.name }}
{% if company.phone %}
{{ company.phone }}
{% endif %}
"""

FIRST = {
    "name": "Relance 1",
    "trigger": "after_due_date",
    "days": 3,
    "subject": (
        "{% if invoice_count == 1 %}Facture {{ invoice.number }} en attente de "
        "règlement{% else %}{{ invoice_count }} factures en attente de "
        "règlement{% endif %} — {{ company.name }}"
    ),
    "body": (
        "Bonjour,\n\n"
        "{% if overdue_count %}Sauf erreur de notre part, "
        "{% if invoice_count == 1 %}la facture suivante n'a pas encore été réglée"
        "{% else %}les factures suivantes n'ont pas encore été réglées{% endif %}"
        "{% else %}Nous nous permettons de vous rappeler "
        "{% if invoice_count == 1 %}l'échéance prochaine de la facture suivante"
        "{% else %}l'échéance prochaine des factures suivantes{% endif %}"
        "{% endif %} :\n\n"
        + _INVOICE_LINES
        + "\nTotal restant dû : {{ total_due }}\n\n"
        "{% if overdue_count %}Il s'agit sans doute d'un simple oubli. Nous vous "
        "remercions de bien vouloir procéder au règlement dans les meilleurs "
        "délais.{% else %}Nous vous remercions de bien vouloir procéder au "
        "règlement à l'échéance.{% endif %}\n\n"
        + _PAYMENT
        + _PORTAL
        + "Si votre paiement a été effectué entre-temps, merci de ne pas tenir "
        "compte de ce message. Pour toute question, il vous suffit de répondre "
        "à ce courriel.\n\n"
        "Cordialement,\n\n" + _SIGNATURE
    ),
}

SECOND = {
    "name": "Relance 2",
    "trigger": "after_previous_reminder",
    "days": 15,
    "subject": (
        "{% if mixed_steps %}Factures impayées"
        "{% else %}Deuxième relance : {% if invoice_count == 1 %}facture "
        "{{ invoice.number }}{% else %}{{ invoice_count }} factures{% endif %} "
        "impayée{% if invoice_count > 1 %}s{% endif %}{% endif %} — "
        "{{ company.name }}"
    ),
    "body": (
        "Bonjour,\n\n"
        "{% if mixed_steps %}" + _MIXED_OPENING + "{% else %}"
        "Malgré notre précédent rappel, nous constatons que "
        "{% if invoice_count == 1 %}la facture suivante reste impayée"
        "{% else %}les factures suivantes restent impayées{% endif %}"
        "{% endif %} :\n\n"
        + _INVOICE_LINES
        + "\nTotal restant dû : {{ total_due }}\n\n"
        "Nous vous demandons de bien vouloir régulariser cette situation sous "
        "huit jours. Si une difficulté empêche ce règlement (contestation, "
        "problème de facturation, demande d'échéancier), répondez-nous dès "
        "maintenant afin que nous puissions en discuter.\n\n"
        + _PAYMENT
        + _PORTAL
        + "Si votre paiement a été effectué entre-temps, merci de ne pas tenir "
        "compte de ce message.\n\n"
        "Cordialement,\n\n" + _SIGNATURE
    ),
}

THIRD = {
    "name": "Relance 3",
    "trigger": "after_previous_reminder",
    "days": 15,
    "subject": (
        "{% if mixed_steps %}Factures impayées, dont un dernier rappel"
        "{% else %}Dernier rappel avant mise en demeure — "
        "{% if invoice_count == 1 %}facture {{ invoice.number }}"
        "{% else %}{{ invoice_count }} factures{% endif %}{% endif %} — "
        "{{ company.name }}"
    ),
    "body": (
        "Bonjour,\n\n"
        "{% if mixed_steps %}" + _MIXED_OPENING + " :\n\n{% else %}"
        "Nos deux précédentes relances sont restées sans effet : "
        "{% if invoice_count == 1 %}la facture suivante reste impayée"
        "{% else %}les factures suivantes restent impayées{% endif %} à ce jour."
        "\n\n{% endif %}" + _INVOICE_LINES + "\nTotal restant dû : {{ total_due }}\n\n"
        "{% if mixed_steps %}Pour les factures déjà relancées "
        "{{ step.level - 1 }} fois, sans règlement de votre part sous dix jours, "
        "nous vous adresserons une mise en demeure de payer, préalable à une "
        "procédure de recouvrement.{% else %}"
        "Sans règlement de votre part sous dix jours, nous vous adresserons une "
        "mise en demeure de payer, préalable à une procédure de recouvrement."
        "{% endif %}\n\n"
        "{% if customer.is_business %}"
        "Nous vous rappelons que tout retard de paiement entraîne de plein droit "
        "des pénalités de retard ainsi qu'une indemnité forfaitaire pour frais de "
        "recouvrement de 40 € par facture (articles L441-10 et D441-5 du Code de "
        "commerce).\n\n"
        "{% endif %}" + _PAYMENT + _PORTAL + "Cordialement,\n\n" + _SIGNATURE
    ),
}

FORMAL_NOTICE = {
    "name": "Mise en demeure",
    "trigger": "after_previous_reminder",
    "days": 10,
    "formal_notice": True,
    "subject": (
        "Mise en demeure de payer — {% if invoice_count == 1 %}facture "
        "{{ invoice.number }}{% else %}{{ invoice_count }} factures{% endif %} — "
        "{{ company.name }}"
    ),
    "body": (
        "{{ customer.name }}\n"
        "Le {{ today }}\n\n"
        "Objet : mise en demeure de payer\n\n"
        "Madame, Monsieur,\n\n"
        "{% if mixed_steps %}Sauf erreur de notre part{% else %}Malgré nos "
        "relances successives{% endif %}, vous restez redevable envers "
        "{{ company.name }} des sommes suivantes :\n\n"
        + _INVOICE_LINES
        + "\nSoit un principal restant dû de {{ total_due }}.\n\n"
        "{% if customer.is_business %}"
        "Conformément à l'article L441-10 du Code de commerce, ces sommes sont "
        "majorées de plein droit de pénalités de retard au taux d'intérêt "
        "appliqué par la Banque centrale européenne à son opération de "
        "refinancement la plus récente, majoré de 10 points, à compter du "
        "lendemain de la date d'échéance, soit {{ penalties_total }} à ce jour, "
        "ainsi que de l'indemnité forfaitaire pour frais de recouvrement de 40 € "
        "par facture prévue à l'article D441-5, soit {{ recovery_indemnity }}. "
        "Le total dû s'élève ainsi à {{ total_with_penalties }} au {{ today }}."
        "\n\n"
        "{% else %}"
        "Conformément à l'article 1231-6 du Code civil, ces sommes porteront "
        "intérêt au taux légal à compter de la présente mise en demeure.\n\n"
        "{% endif %}"
        "Par la présente, nous vous mettons en demeure de nous régler "
        "l'intégralité de ces sommes dans un délai de huit jours à compter de la "
        "réception de ce courriel.\n\n"
        + _PAYMENT
        + _PORTAL
        + "À défaut de règlement dans ce délai, nous engagerons sans autre avis "
        "une procédure de recouvrement judiciaire (injonction de payer), dont les "
        "frais resteront à votre charge dans les conditions prévues par la loi.\n\n"
        "Si vous contestez tout ou partie de ces sommes, faites-le-nous savoir "
        "par écrit avant cette échéance en répondant à ce courriel.\n\n"
        "Nous vous prions d'agréer, Madame, Monsieur, nos salutations "
        "distinguées.\n\n" + _SIGNATURE
    ),
}

DEFAULT_STEPS = [FIRST, SECOND, THIRD, FORMAL_NOTICE]


# English texts of the four default steps (templates per language, see
# docs/templates.md): the same variables, the same legal statements, in the
# words an accounts clerk in London or Boston would use. Kept apart from the
# French steps above: `ENGLISH[step name]` is the step's `subject` and `body`.

_EN_INVOICE_LINES = (
    "{% for invoice in invoices %}\n"
    "- invoice {{ invoice.number }} dated {{ invoice.issue_date }}, "
    "{% if invoice.is_overdue %}due on{% else %}falling due on{% endif %} "
    "{{ invoice.due_date }}: {{ invoice.amount_due }}"
    "{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}first reminder"
    "{% elif invoice.reminders_before == 1 %}already reminded once"
    "{% else %}already reminded {{ invoice.reminders_before }} times{% endif %}"
    "{% endif %}\n"
    "{% endfor %}\n"
)

_EN_MIXED_OPENING = (
    "According to our records, the following invoices remain unpaid; for "
    "each one we state where our reminders stand"
)

_EN_PAYMENT = """\
{% if company.iban %}
You can pay by bank transfer to our account:
IBAN: {{ company.iban }}{% if company.bic %} — BIC: {{ company.bic }}{% endif %}

{% endif %}
"""

_EN_PORTAL = (
    "{% if portal_url %}Your invoices, their PDFs and a QR code for the "
    "transfer are on your personal page:\n{{ portal_url }}\n\n{% endif %}"
)

_EN_SIGNATURE = _SIGNATURE

ENGLISH = {
    FIRST["name"]: {
        "subject": (
            "{% if invoice_count == 1 %}Invoice {{ invoice.number }} awaiting "
            "payment{% else %}{{ invoice_count }} invoices awaiting "
            "payment{% endif %} — {{ company.name }}"
        ),
        "body": (
            "Hello,\n\n"
            "{% if overdue_count %}According to our records, "
            "{% if invoice_count == 1 %}the following invoice has not yet been paid"
            "{% else %}the following invoices have not yet been paid{% endif %}"
            "{% else %}This is a courtesy reminder that "
            "{% if invoice_count == 1 %}the following invoice falls due shortly"
            "{% else %}the following invoices fall due shortly{% endif %}"
            "{% endif %}:\n\n"
            + _EN_INVOICE_LINES
            + "\nTotal outstanding: {{ total_due }}\n\n"
            "{% if overdue_count %}This is probably a simple oversight. We would "
            "be grateful if you could arrange payment at your earliest "
            "convenience.{% else %}We would be grateful if you could arrange "
            "payment by the due date.{% endif %}\n\n"
            + _EN_PAYMENT
            + _EN_PORTAL
            + "If you have already made this payment, please disregard this "
            "message. If you have any questions, simply reply to this email.\n\n"
            "Kind regards,\n\n" + _EN_SIGNATURE
        ),
    },
    SECOND["name"]: {
        "subject": (
            "{% if mixed_steps %}Unpaid invoices"
            "{% else %}Second reminder: {% if invoice_count == 1 %}invoice "
            "{{ invoice.number }}{% else %}{{ invoice_count }} invoices{% endif %} "
            "unpaid{% endif %} — {{ company.name }}"
        ),
        "body": (
            "Hello,\n\n"
            "{% if mixed_steps %}" + _EN_MIXED_OPENING + "{% else %}"
            "Despite our previous reminder, "
            "{% if invoice_count == 1 %}the following invoice remains unpaid"
            "{% else %}the following invoices remain unpaid{% endif %}"
            "{% endif %}:\n\n"
            + _EN_INVOICE_LINES
            + "\nTotal outstanding: {{ total_due }}\n\n"
            "Please settle this balance within eight days. If something is "
            "preventing payment (a dispute, an invoicing error, a request for a "
            "payment plan), please reply now so that we can discuss it.\n\n"
            + _EN_PAYMENT
            + _EN_PORTAL
            + "If you have already made this payment, please disregard this "
            "message.\n\n"
            "Kind regards,\n\n" + _EN_SIGNATURE
        ),
    },
    THIRD["name"]: {
        "subject": (
            "{% if mixed_steps %}Unpaid invoices, including a final reminder"
            "{% else %}Final reminder before formal notice — "
            "{% if invoice_count == 1 %}invoice {{ invoice.number }}"
            "{% else %}{{ invoice_count }} invoices{% endif %}{% endif %} — "
            "{{ company.name }}"
        ),
        "body": (
            "Hello,\n\n"
            "{% if mixed_steps %}" + _EN_MIXED_OPENING + ":\n\n{% else %}"
            "Our two previous reminders have gone unanswered: "
            "{% if invoice_count == 1 %}the following invoice remains unpaid"
            "{% else %}the following invoices remain unpaid{% endif %} to date."
            "\n\n{% endif %}" + _EN_INVOICE_LINES + "\nTotal outstanding: "
            "{{ total_due }}\n\n"
            "{% if mixed_steps %}For the invoices already reminded "
            "{{ step.level - 1 }} times, unless we receive payment within ten "
            "days, we will send you a formal notice to pay, prior to debt "
            "recovery proceedings.{% else %}"
            "Unless we receive payment within ten days, we will send you a formal "
            "notice to pay, prior to debt recovery proceedings."
            "{% endif %}\n\n"
            "{% if customer.is_business %}"
            "Please note that any late payment automatically incurs late-payment "
            "interest and €40 fixed recovery compensation per invoice (articles "
            "L441-10 and D441-5 of the French Commercial Code).\n\n"
            "{% endif %}"
            + _EN_PAYMENT
            + _EN_PORTAL
            + "Kind regards,\n\n"
            + _EN_SIGNATURE
        ),
    },
    FORMAL_NOTICE["name"]: {
        "subject": (
            "Formal notice to pay — {% if invoice_count == 1 %}invoice "
            "{{ invoice.number }}{% else %}{{ invoice_count }} invoices{% endif %} — "
            "{{ company.name }}"
        ),
        "body": (
            "{{ customer.name }}\n"
            "{{ today }}\n\n"
            "Re: formal notice to pay\n\n"
            "Dear Sir or Madam,\n\n"
            "{% if mixed_steps %}According to our records{% else %}Despite our "
            "repeated reminders{% endif %}, you still owe {{ company.name }} the "
            "following amounts:\n\n"
            + _EN_INVOICE_LINES
            + "\nOutstanding principal: {{ total_due }}.\n\n"
            "{% if customer.is_business %}"
            "Under article L441-10 of the French Commercial Code, these amounts "
            "automatically bear late-payment interest at the rate applied by the "
            "European Central Bank to its most recent refinancing operation plus "
            "10 percentage points, from the day after the due date, amounting "
            "to {{ penalties_total }} to date, together with €40 fixed recovery "
            "compensation per invoice under article D441-5, totalling "
            "{{ recovery_indemnity }}. The total due therefore amounts to "
            "{{ total_with_penalties }} as at {{ today }}."
            "\n\n"
            "{% else %}"
            "Under article 1231-6 of the French Civil Code, these amounts will "
            "bear interest at the statutory rate from the date of this formal "
            "notice.\n\n"
            "{% endif %}"
            "We hereby give you formal notice to pay the full amount within eight "
            "days of receiving this email.\n\n"
            + _EN_PAYMENT
            + _EN_PORTAL
            + "Failing payment within this period, we will, without further "
            "notice, start court proceedings to recover the debt (an order for "
            'payment, or "injonction de payer"), the costs of which will be '
            "borne by you as provided by law.\n\n"
            "If you dispute all or part of these amounts, please let us know in "
            "writing before this deadline by replying to this email.\n\n"
            "Yours faithfully,\n\n" + _EN_SIGNATURE
        ),
    },
}
