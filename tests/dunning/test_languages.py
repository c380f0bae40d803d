"""Templates per language (issue 18 §2): the customer's language picks the
step's text, the dates and amounts, the statement and the letter; a missing
text falls back to the company's language, and the summary says so."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from relance.core.errors import ApplicationError
from relance.dunning import defaults
from relance.dunning.letters import LANGUAGE, letters_pdf
from relance.dunning.models import DunningStep, DunningStepText, Letter
from relance.dunning.planning import reminder_plan
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import (
    step_save_with_texts,
    step_texts_set,
    steps_create_defaults,
)
from relance.invoices.models import Customer
from tests.factories import (
    LETTER_ON,
    company_with_letter_step,
    customer_of,
    late_invoice,
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
    remind,
)
from tests.invoices.test_pdf import text_of
from tests.migrations import leaves, migrate

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)

ENGLISH_FIRST_REMINDER = (
    "Hello,\n\n"
    "According to our records, the following invoice has not yet been paid:\n\n"
    "- invoice FC-EN dated 1 Jan 2026, due on 31 Jan 2026: €1,234.56\n\n"
    "Total outstanding: €1,234.56\n\n"
    "This is probably a simple oversight. We would be grateful if you could "
    "arrange payment at your earliest convenience.\n\n"
    "You can pay by bank transfer to our account:\n"
    "IBAN: FR76 3000 6000 0112 3456 7890 189\n\n"
    "Your invoices, their PDFs and a QR code for the transfer are on your "
    "personal page:\n"
    "http://testserver/p/{token}/\n\n"
    "If you have already made this payment, please disregard this message. "
    "If you have any questions, simply reply to this email.\n\n"
    "Kind regards,\n\n"
    "Bâtiments Durand\n"
)


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand", iban="FR7630006000011234567890189")
    steps_create_defaults(company=company)
    return company


def text_of_email(received) -> str:
    return received.message.get_body(("plain",)).get_content()


def send_all(company):
    return remind(company, TODAY)


def test_an_english_customer_gets_the_english_text_with_english_formats(
    company, smtp_server, settings
):
    settings.RELANCE_BASE_URL = "http://testserver"
    herbly = make_customer(
        company, name="Herbly Ltd", email="accounts@herbly.example", language="en"
    )
    make_invoice(herbly, number="FC-EN", total=Decimal("1234.56"))

    plan, _delivered = send_all(company)

    [message] = plan.messages
    assert (message.language, message.language_note) == ("en", "")
    [received] = smtp_server.received
    assert received.recipients == ["accounts@herbly.example"]
    assert received.message["Subject"] == (
        "Invoice FC-EN awaiting payment — Bâtiments Durand"
    )
    text = text_of_email(received)
    token = text.split("/p/")[1].split("/")[0]
    assert text == ENGLISH_FIRST_REMINDER.format(token=token)
    html = received.message.get_body(("html",)).get_content()
    assert '<html lang="en">' in html


def test_the_statement_attached_for_an_english_customer_is_in_english(
    company, smtp_server
):
    DunningStep.objects.filter(company=company, order=1).update(attach_statement=True)
    herbly = make_customer(company, name="Herbly Ltd", language="en")
    make_invoice(herbly, number="FC-EN", total=Decimal("1234.56"))

    send_all(company)

    [received] = smtp_server.received
    [statement] = list(received.message.iter_attachments())
    text = text_of(statement.get_content())
    assert "ACCOUNT STATEMENT" in text
    assert "€1,234.56" in text
    assert "RELEVÉ DE COMPTE" not in text


def test_a_french_customer_gets_the_french_text_with_french_formats(
    company, smtp_server
):
    dupuis = make_customer(company, name="Garage Dupuis", email="compta@dupuis.example")
    make_invoice(dupuis, number="FC-FR", total=Decimal("1234.56"))

    send_all(company)

    [received] = smtp_server.received
    assert received.message["Subject"] == (
        "Facture FC-FR en attente de règlement — Bâtiments Durand"
    )
    text = text_of_email(received)
    assert text.startswith(
        "Bonjour,\n\n"
        "Sauf erreur de notre part, la facture suivante n'a pas encore été réglée :"
        "\n\n"
        "- facture FC-FR du 01/01/2026, échue le 31/01/2026 : 1\u00a0234,56\u00a0€"
        "\n\nTotal restant dû : 1\u00a0234,56\u00a0€\n\n"
    )
    assert "Cordialement,\n\nBâtiments Durand\n" in text
    assert "Kind regards" not in text


def test_a_missing_english_text_falls_back_to_french_and_the_summary_says_so(
    smtp_server,
):
    company = make_company(name="Bâtiments Durand")
    make_steps(
        company,
        subject="Relance {{ invoice.number }}",
        body="Bonjour, {{ total_due }} restent dus au {{ today }}.",
    )
    herbly = make_customer(
        company, name="Herbly Ltd", email="accounts@herbly.example", language="en"
    )
    make_invoice(herbly, number="FC-EN", total=Decimal("1234.56"))
    invoices_refresh(company=company, today=TODAY)

    [message] = reminder_plan(company=company, today=TODAY).messages
    assert message.language == "fr"
    assert message.language_note == "modèle anglais absent : envoyé en français"
    out = StringIO()
    call_command(
        "remind", "--json", "--all-due", "--date", "2026-03-02", "--dry-run", stdout=out
    )
    [planned] = json.loads(out.getvalue())["messages"]
    assert (planned["language"], planned["language_note"]) == (
        "fr",
        "modèle anglais absent : envoyé en français",
    )

    remind(company, TODAY)

    [received] = smtp_server.received
    assert received.message["Subject"] == "Relance FC-EN"
    # The French text, and its French formats.
    assert text_of_email(received) == (
        "Bonjour, 1\u00a0234,56\u00a0€ restent dus au 02/03/2026.\n"
    )


def test_the_summary_window_notes_the_fallback_per_message():
    company = make_company(name="Bâtiments Durand")
    make_steps(company)
    user = make_user(company)
    herbly = make_customer(company, name="Herbly Ltd", language="en")
    dupuis = make_customer(company, name="Garage Dupuis")
    english = make_invoice(herbly, number="FC-EN")
    french = make_invoice(dupuis, number="FC-FR")
    client = Client()
    client.force_login(user)

    html = client.post(
        "/relances/resume/", {"invoice": [english.pk, french.pk]}
    ).content.decode()

    assert html.count('data-testid="language-note"') == 1
    assert "modèle anglais absent : envoyé en français" in html


def test_the_company_language_is_the_fallback_before_french():
    company = make_company(name="Durand Ltd", language="en")
    [step] = make_steps(company, [("Relance 1", "after_due_date", 3)])
    step_texts_set(
        step=step,
        texts={"en": {"subject": "Invoice {{ invoice.number }}", "body": "Hello."}},
    )
    # A customer in a language without a text: the company's, English.
    customer = make_customer(company, language="de")
    make_invoice(customer, number="FC-DE")
    invoices_refresh(company=company, today=TODAY)

    [message] = reminder_plan(company=company, today=TODAY).messages

    assert message.language == "en"


def test_a_step_text_is_checked_and_names_its_field(company):
    step = DunningStep.objects.get(company=company, order=1)
    with pytest.raises(ApplicationError) as refused:
        step_texts_set(step=step, texts={"en": {"subject": "Reminder", "body": ""}})
    assert (refused.value.field, refused.value.message) == (
        "body_en",
        "le corps en anglais est obligatoire avec son objet.",
    )
    with pytest.raises(ApplicationError) as refused:
        step_texts_set(
            step=step,
            texts={"en": {"subject": "Reminder", "body": "{{ customer.secret() }}"}},
        )
    assert refused.value.field == "body_en"
    assert refused.value.message.startswith("Corps du courriel — ")
    assert refused.value.message.endswith(" (anglais)")
    # Both empty: the text is removed, the fallback applies.
    step_texts_set(step=step, texts={"en": {"subject": "", "body": ""}})
    assert not DunningStepText.objects.filter(step=step).exists()


def test_a_new_company_gets_both_languages_of_the_four_default_steps(company):
    texts = {
        text.step.name: (text.subject, text.body)
        for text in DunningStepText.objects.filter(company=company, language="en")
    }
    assert texts == {
        name: (values["subject"], values["body"])
        for name, values in defaults.ENGLISH.items()
    }


def test_a_formal_notice_letter_to_an_english_customer_is_in_english():
    company = company_with_letter_step()
    late_invoice(customer_of(company, language="en"))
    remind(company, LETTER_ON)
    letter = Letter.objects.get()
    assert letter.language == "en"

    text = text_of(letters_pdf([letter]))

    for element in [
        "Registered letter with acknowledgement of receipt",
        "Dear Sir or Madam,",
        "15 Jul 2025",
        "€6,000.00",
        "€6,156.42",
    ]:
        assert element in text, element
    assert "Lettre recommandée" not in text
    # The court file's copy stays French.
    french = text_of(letters_pdf([letter], language=LANGUAGE))
    assert "Lettre recommandée avec demande d'avis de réception" in french
    assert "6 000,00 €" in french


def test_the_steps_screen_saves_and_previews_each_language(company):
    user = make_user(company)
    user.memberships.update(role="admin")
    client = Client()
    client.force_login(user)
    step = DunningStep.objects.get(company=company, order=1)
    make_invoice(
        make_customer(company, name="Herbly Ltd"), number="FC-1", total="1234.56"
    )
    page = client.get(f"/configuration/etapes/{step.pk}/").content.decode()
    assert 'id="tab-text-en"' in page
    assert "Invoice {{ invoice.number }} awaiting" in page

    form = {
        "name": step.name,
        "trigger": step.trigger,
        "days": step.days,
        "subject": step.subject,
        "body": step.body,
        "subject_en": "Invoice {{ invoice.number }}",
        "body_en": "Hello, {{ total_due }} is due since {{ invoice.due_date }}.",
        "attach_pdf": "on",
        "channel": "email",
        "active": "on",
    }
    preview = client.post(
        "/configuration/etapes/apercu/", {**form, "language": "en"}
    ).content.decode()
    assert "Hello, €1,234.56 is due since 31 Jan 2026." in preview
    response = client.post(f"/configuration/etapes/{step.pk}/", form)
    assert response.status_code == 302
    text = DunningStepText.objects.get(step=step, language="en")
    assert text.body == "Hello, {{ total_due }} is due since {{ invoice.due_date }}."

    bad = client.post(
        f"/configuration/etapes/{step.pk}/", {**form, "body_en": ""}
    ).content.decode()
    assert "le corps en anglais est obligatoire avec son objet." in bad
    text.refresh_from_db()
    assert text.subject == "Invoice {{ invoice.number }}"  # nothing saved


def test_a_step_and_its_texts_are_refused_as_a_whole(company):
    step = DunningStep.objects.get(company=company, order=1)
    with pytest.raises(ApplicationError):
        step_save_with_texts(
            company=company,
            step=step,
            today=TODAY,
            values={"name": "Renamed"},
            texts={"en": {"subject": "{% if %}", "body": "x"}},
        )
    step.refresh_from_db()
    assert step.name == "Relance 1"


def test_the_api_sets_and_keeps_a_customers_language(api):
    status, created = api.call(
        "post", "/customers", {"code": "411H", "name": "Herbly Ltd", "language": "en"}
    )
    assert (status, created["language"]) == (201, "en")
    # An update that leaves the language out keeps it.
    status, updated = api.call(
        "post", "/customers", {"code": "411H", "name": "Herbly Limited"}
    )
    assert (status, updated["language"]) == (200, "en")
    # A language the company has not added (core/languages.py) is refused.
    status, refused = api.call(
        "post", "/customers", {"code": "411H", "name": "Herbly", "language": "de"}
    )
    assert (status, refused) == (
        400,
        {
            "detail": "Langue « allemand » non ajoutée aux langues des relances de "
            "la société (Paramètres de la société).",
            "field": "language",
        },
    )
    assert Customer.objects.get(code="411H").language == "en"


@pytest.mark.django_db(transaction=True)
def test_existing_default_steps_get_english_but_edited_ones_do_not():
    old = migrate(
        [
            (app, "0016_daily_run_full_or_dated" if app == "dunning" else leaf)
            for app, leaf in leaves()
        ]
    )
    Company = old.get_model("core", "Company")
    DunningStep = old.get_model("dunning", "DunningStep")
    company = Company.objects.create(name="Bâtiments Durand")
    first = DunningStep.objects.create(
        company=company,
        order=1,
        days=3,
        **{key: defaults.FIRST[key] for key in ("name", "subject", "body")},
    )
    edited = DunningStep.objects.create(
        company=company,
        order=2,
        days=15,
        name=defaults.SECOND["name"],
        subject=defaults.SECOND["subject"],
        body=defaults.SECOND["body"] + "\nÀ bientôt.",
    )

    new = migrate(leaves())

    Text = new.get_model("dunning", "DunningStepText")
    [text] = Text.objects.filter(company_id=company.pk)
    assert (text.step_id, text.language) == (first.pk, "en")
    assert text.subject == defaults.ENGLISH["Relance 1"]["subject"]
    assert text.body == defaults.ENGLISH["Relance 1"]["body"]
    assert not Text.objects.filter(step_id=edited.pk).exists()


def test_the_import_sets_the_customers_language_from_langue(company):
    from relance.dunning.services.intake import invoices_take_in

    content = (
        "numero;code_client;client;date_facture;date_echeance;montant_ttc;langue\n"
        "FC-1;411H;Herbly Ltd;01/01/2026;31/01/2026;100,00;anglais\n"
        "FC-2;411D;Garage Dupuis;01/01/2026;31/01/2026;100,00;Français\n"
        "FC-3;411E;Eagle Inc;01/01/2026;31/01/2026;100,00;en\n"
        "FC-4;411F;Fromagerie;01/01/2026;31/01/2026;100,00;\n"
    ).encode()
    report = invoices_take_in(
        company=company, content=content, filename="export.csv", today=TODAY
    )
    assert report.errors == []
    languages = dict(Customer.objects.values_list("code", "language"))
    assert languages == {"411H": "en", "411D": "fr", "411E": "en", "411F": "fr"}
    # A known customer changes language with its next file.
    content = (
        b"numero;code_client;client;date_facture;date_echeance;montant_ttc;langue\n"
        b"FC-5;411D;Garage Dupuis;01/02/2026;28/02/2026;100,00;en\n"
    )
    invoices_take_in(company=company, content=content, filename="b.csv", today=TODAY)
    assert Customer.objects.get(code="411D").language == "en"


def test_a_bad_langue_is_refused_naming_the_line(company):
    from relance.dunning.services.intake import invoices_take_in
    from relance.invoices.importing import Refused

    content = (
        b"numero;code_client;client;date_facture;date_echeance;montant_ttc;langue\n"
        b"FC-1;411H;Herbly Ltd;01/01/2026;31/01/2026;100,00;anglais\n"
        b"FC-2;411K;Klein GmbH;01/01/2026;31/01/2026;100,00;klingon\n"
    )
    with pytest.raises(Refused) as refused:
        invoices_take_in(
            company=company, content=content, filename="export.csv", today=TODAY
        )
    errors = [(e.line, e.column, e.message) for e in refused.value.report.errors]
    assert errors == [
        (
            3,
            "langue",
            "valeur inconnue « klingon » (attendu : un code, fr, en, de…, ou un "
            "nom, français, allemand…)",
        )
    ]
    assert not Customer.objects.exists()


def test_the_steps_export_carries_the_texts_and_an_import_replaces_them(company):
    from relance.dunning.services.steps import steps_export, steps_import

    data = steps_export(company=company)
    assert data["steps"][0]["texts"] == {"en": defaults.ENGLISH["Relance 1"]}
    data["steps"][0]["texts"] = {"en": {"subject": "Reminder", "body": "Hello."}}
    data["steps"][1]["texts"] = {}  # no English text any more
    del data["steps"][2]["texts"]  # an earlier export: kept as it is

    steps_import(company=company, data=data, today=TODAY)

    texts = {
        text.step.order: (text.subject, text.body)
        for text in DunningStepText.objects.filter(company=company)
    }
    assert texts == {
        1: ("Reminder", "Hello."),
        3: (
            defaults.ENGLISH["Relance 3"]["subject"],
            defaults.ENGLISH["Relance 3"]["body"],
        ),
        4: (
            defaults.ENGLISH["Mise en demeure"]["subject"],
            defaults.ENGLISH["Mise en demeure"]["body"],
        ),
    }
    data["steps"][0]["texts"] = {"en": {"subject": "Reminder", "body": ""}}
    with pytest.raises(ApplicationError) as refused:
        steps_import(company=company, data=data, today=TODAY)
    assert refused.value.message == (
        "étape 1, « body_en » : le corps en anglais est obligatoire avec son objet."
    )
