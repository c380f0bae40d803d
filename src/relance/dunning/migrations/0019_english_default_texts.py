"""The four default steps get their shipped English text (templates per
language): only a step whose French subject AND body are still exactly the
shipped default's, and that has no English text yet. A step the company
edited keeps no English text: its English-speaking customers get the
fallback (the company's language) until someone writes one. The texts are
frozen here, as released.
"""

from django.db import migrations

# name -> the shipped French subject and body, and the English ones.
DEFAULTS = {
    "Relance 1": {
        "fr_subject": (
            "{% if invoice_count == 1 %}Facture {{ invoice.number }} en attente de règlement{% else %}{{ invoice_count }} factures en attente de règlement{% endif %} — {{ company.name }}"
        ),
        "fr_body": (
            "Bonjour,\n"
            "\n"
            "{% if overdue_count %}Sauf erreur de notre part, {% if invoice_count == 1 %}la facture suivante n'a pas encore été réglée{% else %}les factures suivantes n'ont pas encore été réglées{% endif %}{% else %}Nous nous permettons de vous rappeler {% if invoice_count == 1 %}l'échéance prochaine de la facture suivante{% else %}l'échéance prochaine des factures suivantes{% endif %}{% endif %} :\n"
            "\n"
            "{% for invoice in invoices %}\n"
            "- facture {{ invoice.number }} du {{ invoice.issue_date }}, {% if invoice.is_overdue %}échue le{% else %}à échéance du{% endif %} {{ invoice.due_date }} : {{ invoice.amount_due }}{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}premier rappel{% elif invoice.reminders_before == 1 %}déjà relancée une fois{% else %}déjà relancée {{ invoice.reminders_before }} fois{% endif %}{% endif %}\n"
            "{% endfor %}\n"
            "\n"
            "Total restant dû : {{ total_due }}\n"
            "\n"
            "{% if overdue_count %}Il s'agit sans doute d'un simple oubli. Nous vous remercions de bien vouloir procéder au règlement dans les meilleurs délais.{% else %}Nous vous remercions de bien vouloir procéder au règlement à l'échéance.{% endif %}\n"
            "\n"
            "{% if company.iban %}\n"
            "Vous pouvez régler par virement sur notre compte :\n"
            "IBAN : {{ company.iban }}{% if company.bic %} — BIC : {{ company.bic }}{% endif %}\n"
            "\n"
            "{% endif %}\n"
            "{% if portal_url %}Retrouvez vos factures, leurs PDF et un QR code de virement sur votre espace personnel :\n"
            "{{ portal_url }}\n"
            "\n"
            "{% endif %}Si votre paiement a été effectué entre-temps, merci de ne pas tenir compte de ce message. Pour toute question, il vous suffit de répondre à ce courriel.\n"
            "\n"
            "Cordialement,\n"
            "\n"
            "{{ company.name }}\n"
            "{% if company.phone %}\n"
            "{{ company.phone }}\n"
            "{% endif %}\n"
        ),
        "en_subject": (
            "{% if invoice_count == 1 %}Invoice {{ invoice.number }} awaiting payment{% else %}{{ invoice_count }} invoices awaiting payment{% endif %} — {{ company.name }}"
        ),
        "en_body": (
            "Hello,\n"
            "\n"
            "{% if overdue_count %}According to our records, {% if invoice_count == 1 %}the following invoice has not yet been paid{% else %}the following invoices have not yet been paid{% endif %}{% else %}This is a courtesy reminder that {% if invoice_count == 1 %}the following invoice falls due shortly{% else %}the following invoices fall due shortly{% endif %}{% endif %}:\n"
            "\n"
            "{% for invoice in invoices %}\n"
            "- invoice {{ invoice.number }} dated {{ invoice.issue_date }}, {% if invoice.is_overdue %}due on{% else %}falling due on{% endif %} {{ invoice.due_date }}: {{ invoice.amount_due }}{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}first reminder{% elif invoice.reminders_before == 1 %}already reminded once{% else %}already reminded {{ invoice.reminders_before }} times{% endif %}{% endif %}\n"
            "{% endfor %}\n"
            "\n"
            "Total outstanding: {{ total_due }}\n"
            "\n"
            "{% if overdue_count %}This is probably a simple oversight. We would be grateful if you could arrange payment at your earliest convenience.{% else %}We would be grateful if you could arrange payment by the due date.{% endif %}\n"
            "\n"
            "{% if company.iban %}\n"
            "You can pay by bank transfer to our account:\n"
            "IBAN: {{ company.iban }}{% if company.bic %} — BIC: {{ company.bic }}{% endif %}\n"
            "\n"
            "{% endif %}\n"
            "{% if portal_url %}Your invoices, their PDFs and a QR code for the transfer are on your personal page:\n"
            "{{ portal_url }}\n"
            "\n"
            "{% endif %}If you have already made this payment, please disregard this message. If you have any questions, simply reply to this email.\n"
            "\n"
            "Kind regards,\n"
            "\n"
            "{{ company.name }}\n"
            "{% if company.phone %}\n"
            "{{ company.phone }}\n"
            "{% endif %}\n"
        ),
    },
    "Relance 2": {
        "fr_subject": (
            "{% if mixed_steps %}Factures impayées{% else %}Deuxième relance : {% if invoice_count == 1 %}facture {{ invoice.number }}{% else %}{{ invoice_count }} factures{% endif %} impayée{% if invoice_count > 1 %}s{% endif %}{% endif %} — {{ company.name }}"
        ),
        "fr_body": (
            "Bonjour,\n"
            "\n"
            "{% if mixed_steps %}Sauf erreur de notre part, les factures suivantes restent impayées à ce jour ; nous indiquons pour chacune où en sont nos relances{% else %}Malgré notre précédent rappel, nous constatons que {% if invoice_count == 1 %}la facture suivante reste impayée{% else %}les factures suivantes restent impayées{% endif %}{% endif %} :\n"
            "\n"
            "{% for invoice in invoices %}\n"
            "- facture {{ invoice.number }} du {{ invoice.issue_date }}, {% if invoice.is_overdue %}échue le{% else %}à échéance du{% endif %} {{ invoice.due_date }} : {{ invoice.amount_due }}{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}premier rappel{% elif invoice.reminders_before == 1 %}déjà relancée une fois{% else %}déjà relancée {{ invoice.reminders_before }} fois{% endif %}{% endif %}\n"
            "{% endfor %}\n"
            "\n"
            "Total restant dû : {{ total_due }}\n"
            "\n"
            "Nous vous demandons de bien vouloir régulariser cette situation sous huit jours. Si une difficulté empêche ce règlement (contestation, problème de facturation, demande d'échéancier), répondez-nous dès maintenant afin que nous puissions en discuter.\n"
            "\n"
            "{% if company.iban %}\n"
            "Vous pouvez régler par virement sur notre compte :\n"
            "IBAN : {{ company.iban }}{% if company.bic %} — BIC : {{ company.bic }}{% endif %}\n"
            "\n"
            "{% endif %}\n"
            "{% if portal_url %}Retrouvez vos factures, leurs PDF et un QR code de virement sur votre espace personnel :\n"
            "{{ portal_url }}\n"
            "\n"
            "{% endif %}Si votre paiement a été effectué entre-temps, merci de ne pas tenir compte de ce message.\n"
            "\n"
            "Cordialement,\n"
            "\n"
            "{{ company.name }}\n"
            "{% if company.phone %}\n"
            "{{ company.phone }}\n"
            "{% endif %}\n"
        ),
        "en_subject": (
            "{% if mixed_steps %}Unpaid invoices{% else %}Second reminder: {% if invoice_count == 1 %}invoice {{ invoice.number }}{% else %}{{ invoice_count }} invoices{% endif %} unpaid{% endif %} — {{ company.name }}"
        ),
        "en_body": (
            "Hello,\n"
            "\n"
            "{% if mixed_steps %}According to our records, the following invoices remain unpaid; for each one we state where our reminders stand{% else %}Despite our previous reminder, {% if invoice_count == 1 %}the following invoice remains unpaid{% else %}the following invoices remain unpaid{% endif %}{% endif %}:\n"
            "\n"
            "{% for invoice in invoices %}\n"
            "- invoice {{ invoice.number }} dated {{ invoice.issue_date }}, {% if invoice.is_overdue %}due on{% else %}falling due on{% endif %} {{ invoice.due_date }}: {{ invoice.amount_due }}{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}first reminder{% elif invoice.reminders_before == 1 %}already reminded once{% else %}already reminded {{ invoice.reminders_before }} times{% endif %}{% endif %}\n"
            "{% endfor %}\n"
            "\n"
            "Total outstanding: {{ total_due }}\n"
            "\n"
            "Please settle this balance within eight days. If something is preventing payment (a dispute, an invoicing error, a request for a payment plan), please reply now so that we can discuss it.\n"
            "\n"
            "{% if company.iban %}\n"
            "You can pay by bank transfer to our account:\n"
            "IBAN: {{ company.iban }}{% if company.bic %} — BIC: {{ company.bic }}{% endif %}\n"
            "\n"
            "{% endif %}\n"
            "{% if portal_url %}Your invoices, their PDFs and a QR code for the transfer are on your personal page:\n"
            "{{ portal_url }}\n"
            "\n"
            "{% endif %}If you have already made this payment, please disregard this message.\n"
            "\n"
            "Kind regards,\n"
            "\n"
            "{{ company.name }}\n"
            "{% if company.phone %}\n"
            "{{ company.phone }}\n"
            "{% endif %}\n"
        ),
    },
    "Relance 3": {
        "fr_subject": (
            "{% if mixed_steps %}Factures impayées, dont un dernier rappel{% else %}Dernier rappel avant mise en demeure — {% if invoice_count == 1 %}facture {{ invoice.number }}{% else %}{{ invoice_count }} factures{% endif %}{% endif %} — {{ company.name }}"
        ),
        "fr_body": (
            "Bonjour,\n"
            "\n"
            "{% if mixed_steps %}Sauf erreur de notre part, les factures suivantes restent impayées à ce jour ; nous indiquons pour chacune où en sont nos relances :\n"
            "\n"
            "{% else %}Nos deux précédentes relances sont restées sans effet : {% if invoice_count == 1 %}la facture suivante reste impayée{% else %}les factures suivantes restent impayées{% endif %} à ce jour.\n"
            "\n"
            "{% endif %}{% for invoice in invoices %}\n"
            "- facture {{ invoice.number }} du {{ invoice.issue_date }}, {% if invoice.is_overdue %}échue le{% else %}à échéance du{% endif %} {{ invoice.due_date }} : {{ invoice.amount_due }}{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}premier rappel{% elif invoice.reminders_before == 1 %}déjà relancée une fois{% else %}déjà relancée {{ invoice.reminders_before }} fois{% endif %}{% endif %}\n"
            "{% endfor %}\n"
            "\n"
            "Total restant dû : {{ total_due }}\n"
            "\n"
            "{% if mixed_steps %}Pour les factures déjà relancées {{ step.level - 1 }} fois, sans règlement de votre part sous dix jours, nous vous adresserons une mise en demeure de payer, préalable à une procédure de recouvrement.{% else %}Sans règlement de votre part sous dix jours, nous vous adresserons une mise en demeure de payer, préalable à une procédure de recouvrement.{% endif %}\n"
            "\n"
            "{% if customer.is_business %}Nous vous rappelons que tout retard de paiement entraîne de plein droit des pénalités de retard ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 € par facture (articles L441-10 et D441-5 du Code de commerce).\n"
            "\n"
            "{% endif %}{% if company.iban %}\n"
            "Vous pouvez régler par virement sur notre compte :\n"
            "IBAN : {{ company.iban }}{% if company.bic %} — BIC : {{ company.bic }}{% endif %}\n"
            "\n"
            "{% endif %}\n"
            "{% if portal_url %}Retrouvez vos factures, leurs PDF et un QR code de virement sur votre espace personnel :\n"
            "{{ portal_url }}\n"
            "\n"
            "{% endif %}Cordialement,\n"
            "\n"
            "{{ company.name }}\n"
            "{% if company.phone %}\n"
            "{{ company.phone }}\n"
            "{% endif %}\n"
        ),
        "en_subject": (
            "{% if mixed_steps %}Unpaid invoices, including a final reminder{% else %}Final reminder before formal notice — {% if invoice_count == 1 %}invoice {{ invoice.number }}{% else %}{{ invoice_count }} invoices{% endif %}{% endif %} — {{ company.name }}"
        ),
        "en_body": (
            "Hello,\n"
            "\n"
            "{% if mixed_steps %}According to our records, the following invoices remain unpaid; for each one we state where our reminders stand:\n"
            "\n"
            "{% else %}Our two previous reminders have gone unanswered: {% if invoice_count == 1 %}the following invoice remains unpaid{% else %}the following invoices remain unpaid{% endif %} to date.\n"
            "\n"
            "{% endif %}{% for invoice in invoices %}\n"
            "- invoice {{ invoice.number }} dated {{ invoice.issue_date }}, {% if invoice.is_overdue %}due on{% else %}falling due on{% endif %} {{ invoice.due_date }}: {{ invoice.amount_due }}{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}first reminder{% elif invoice.reminders_before == 1 %}already reminded once{% else %}already reminded {{ invoice.reminders_before }} times{% endif %}{% endif %}\n"
            "{% endfor %}\n"
            "\n"
            "Total outstanding: {{ total_due }}\n"
            "\n"
            "{% if mixed_steps %}For the invoices already reminded {{ step.level - 1 }} times, unless we receive payment within ten days, we will send you a formal notice to pay, prior to debt recovery proceedings.{% else %}Unless we receive payment within ten days, we will send you a formal notice to pay, prior to debt recovery proceedings.{% endif %}\n"
            "\n"
            "{% if customer.is_business %}Please note that any late payment automatically incurs late-payment interest and €40 fixed recovery compensation per invoice (articles L441-10 and D441-5 of the French Commercial Code).\n"
            "\n"
            "{% endif %}{% if company.iban %}\n"
            "You can pay by bank transfer to our account:\n"
            "IBAN: {{ company.iban }}{% if company.bic %} — BIC: {{ company.bic }}{% endif %}\n"
            "\n"
            "{% endif %}\n"
            "{% if portal_url %}Your invoices, their PDFs and a QR code for the transfer are on your personal page:\n"
            "{{ portal_url }}\n"
            "\n"
            "{% endif %}Kind regards,\n"
            "\n"
            "{{ company.name }}\n"
            "{% if company.phone %}\n"
            "{{ company.phone }}\n"
            "{% endif %}\n"
        ),
    },
    "Mise en demeure": {
        "fr_subject": (
            "Mise en demeure de payer — {% if invoice_count == 1 %}facture {{ invoice.number }}{% else %}{{ invoice_count }} factures{% endif %} — {{ company.name }}"
        ),
        "fr_body": (
            "{{ customer.name }}\n"
            "Le {{ today }}\n"
            "\n"
            "Objet : mise en demeure de payer\n"
            "\n"
            "Madame, Monsieur,\n"
            "\n"
            "{% if mixed_steps %}Sauf erreur de notre part{% else %}Malgré nos relances successives{% endif %}, vous restez redevable envers {{ company.name }} des sommes suivantes :\n"
            "\n"
            "{% for invoice in invoices %}\n"
            "- facture {{ invoice.number }} du {{ invoice.issue_date }}, {% if invoice.is_overdue %}échue le{% else %}à échéance du{% endif %} {{ invoice.due_date }} : {{ invoice.amount_due }}{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}premier rappel{% elif invoice.reminders_before == 1 %}déjà relancée une fois{% else %}déjà relancée {{ invoice.reminders_before }} fois{% endif %}{% endif %}\n"
            "{% endfor %}\n"
            "\n"
            "Soit un principal restant dû de {{ total_due }}.\n"
            "\n"
            "{% if customer.is_business %}Conformément à l'article L441-10 du Code de commerce, ces sommes sont majorées de plein droit de pénalités de retard au taux d'intérêt appliqué par la Banque centrale européenne à son opération de refinancement la plus récente, majoré de 10 points, à compter du lendemain de la date d'échéance, soit {{ penalties_total }} à ce jour, ainsi que de l'indemnité forfaitaire pour frais de recouvrement de 40 € par facture prévue à l'article D441-5, soit {{ recovery_indemnity }}. Le total dû s'élève ainsi à {{ total_with_penalties }} au {{ today }}.\n"
            "\n"
            "{% else %}Conformément à l'article 1231-6 du Code civil, ces sommes porteront intérêt au taux légal à compter de la présente mise en demeure.\n"
            "\n"
            "{% endif %}Par la présente, nous vous mettons en demeure de nous régler l'intégralité de ces sommes dans un délai de huit jours à compter de la réception de ce courriel.\n"
            "\n"
            "{% if company.iban %}\n"
            "Vous pouvez régler par virement sur notre compte :\n"
            "IBAN : {{ company.iban }}{% if company.bic %} — BIC : {{ company.bic }}{% endif %}\n"
            "\n"
            "{% endif %}\n"
            "{% if portal_url %}Retrouvez vos factures, leurs PDF et un QR code de virement sur votre espace personnel :\n"
            "{{ portal_url }}\n"
            "\n"
            "{% endif %}À défaut de règlement dans ce délai, nous engagerons sans autre avis une procédure de recouvrement judiciaire (injonction de payer), dont les frais resteront à votre charge dans les conditions prévues par la loi.\n"
            "\n"
            "Si vous contestez tout ou partie de ces sommes, faites-le-nous savoir par écrit avant cette échéance en répondant à ce courriel.\n"
            "\n"
            "Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées.\n"
            "\n"
            "{{ company.name }}\n"
            "{% if company.phone %}\n"
            "{{ company.phone }}\n"
            "{% endif %}\n"
        ),
        "en_subject": (
            "Formal notice to pay — {% if invoice_count == 1 %}invoice {{ invoice.number }}{% else %}{{ invoice_count }} invoices{% endif %} — {{ company.name }}"
        ),
        "en_body": (
            "{{ customer.name }}\n"
            "{{ today }}\n"
            "\n"
            "Re: formal notice to pay\n"
            "\n"
            "Dear Sir or Madam,\n"
            "\n"
            "{% if mixed_steps %}According to our records{% else %}Despite our repeated reminders{% endif %}, you still owe {{ company.name }} the following amounts:\n"
            "\n"
            "{% for invoice in invoices %}\n"
            "- invoice {{ invoice.number }} dated {{ invoice.issue_date }}, {% if invoice.is_overdue %}due on{% else %}falling due on{% endif %} {{ invoice.due_date }}: {{ invoice.amount_due }}{% if mixed_steps %} — {% if invoice.reminders_before == 0 %}first reminder{% elif invoice.reminders_before == 1 %}already reminded once{% else %}already reminded {{ invoice.reminders_before }} times{% endif %}{% endif %}\n"
            "{% endfor %}\n"
            "\n"
            "Outstanding principal: {{ total_due }}.\n"
            "\n"
            "{% if customer.is_business %}Under article L441-10 of the French Commercial Code, these amounts automatically bear late-payment interest at the rate applied by the European Central Bank to its most recent refinancing operation plus 10 percentage points, from the day after the due date, amounting to {{ penalties_total }} to date, together with €40 fixed recovery compensation per invoice under article D441-5, totalling {{ recovery_indemnity }}. The total due therefore amounts to {{ total_with_penalties }} as at {{ today }}.\n"
            "\n"
            "{% else %}Under article 1231-6 of the French Civil Code, these amounts will bear interest at the statutory rate from the date of this formal notice.\n"
            "\n"
            "{% endif %}We hereby give you formal notice to pay the full amount within eight days of receiving this email.\n"
            "\n"
            "{% if company.iban %}\n"
            "You can pay by bank transfer to our account:\n"
            "IBAN: {{ company.iban }}{% if company.bic %} — BIC: {{ company.bic }}{% endif %}\n"
            "\n"
            "{% endif %}\n"
            "{% if portal_url %}Your invoices, their PDFs and a QR code for the transfer are on your personal page:\n"
            "{{ portal_url }}\n"
            "\n"
            '{% endif %}Failing payment within this period, we will, without further notice, start court proceedings to recover the debt (an order for payment, or "injonction de payer"), the costs of which will be borne by you as provided by law.\n'
            "\n"
            "If you dispute all or part of these amounts, please let us know in writing before this deadline by replying to this email.\n"
            "\n"
            "Yours faithfully,\n"
            "\n"
            "{{ company.name }}\n"
            "{% if company.phone %}\n"
            "{{ company.phone }}\n"
            "{% endif %}\n"
        ),
    },
}


def english_texts(apps, schema_editor):
    DunningStep = apps.get_model("dunning", "DunningStep")
    DunningStepText = apps.get_model("dunning", "DunningStepText")
    has_english = set(
        DunningStepText.objects.filter(language="en").values_list("step_id", flat=True)
    )
    new = []
    for step in DunningStep.objects.filter(name__in=list(DEFAULTS)).iterator():
        texts = DEFAULTS[step.name]
        if step.pk in has_english:
            continue
        if step.subject != texts["fr_subject"] or step.body != texts["fr_body"]:
            continue  # edited: no English text, the fallback applies
        new.append(
            DunningStepText(
                company_id=step.company_id,
                step_id=step.pk,
                language="en",
                subject=texts["en_subject"],
                body=texts["en_body"],
            )
        )
    DunningStepText.objects.bulk_create(new, batch_size=500)


def english_texts_removed(apps, schema_editor):
    DunningStepText = apps.get_model("dunning", "DunningStepText")
    for texts in DEFAULTS.values():
        DunningStepText.objects.filter(
            language="en", subject=texts["en_subject"], body=texts["en_body"]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("dunning", "0018_step_texts_per_language")]

    operations = [migrations.RunPython(english_texts, english_texts_removed)]
