"""A company adds languages (issue 18 §2): French and English always, others
from a list; a customer writes in one of them; each step has a text per
language; a third language's dates and amounts follow Django's formats, and
Relance's own words are English for it."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from relance.core.models import ChangeRecord
from relance.dunning.letters import letters_pdf
from relance.dunning.models import DunningStep, DunningStepText, Letter
from relance.dunning.planning import reminder_plan
from relance.dunning.services.intake import invoices_take_in
from relance.dunning.services.state import company_settings_update, invoices_refresh
from relance.dunning.services.steps import step_texts_set, steps_create_defaults
from relance.invoices.importing import Refused
from relance.invoices.models import Customer
from relance.reports.changes import change_lines
from tests.factories import (
    LETTER_ON,
    company_with_letter_step,
    customer_of,
    late_invoice,
    make_company,
    make_customer,
    make_invoice,
    make_user,
    remind,
)
from tests.invoices.test_pdf import text_of
from tests.migrations import leaves, leaves_but, migrate

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
NBSP = "\u00a0"
GERMAN = {
    "subject": "Rechnung {{ invoice.number }} offen — {{ company.name }}",
    "body": (
        "Guten Tag,\n\n{% for invoice in invoices %}Rechnung {{ invoice.number }} "
        "vom {{ invoice.issue_date }}, fällig am {{ invoice.due_date }}: "
        "{{ invoice.amount_due }}\n{% endfor %}\nMit freundlichen Grüßen"
    ),
}


@pytest.fixture
def company():
    company = make_company(
        name="Bâtiments Durand", languages=["fr", "en", "de"], iban=""
    )
    steps_create_defaults(company=company)
    return company


def first_step(company) -> DunningStep:
    return DunningStep.objects.get(company=company, order=1)


def test_a_german_customer_with_a_german_text_gets_it_with_german_formats(
    company, smtp_server
):
    step_texts_set(step=first_step(company), texts={"de": GERMAN})
    klein = make_customer(
        company, name="Klein GmbH", email="buchhaltung@klein.example", language="de"
    )
    make_invoice(klein, number="FC-DE", total=Decimal("1234.56"))

    plan, _delivered = remind(company, TODAY)

    [message] = plan.messages
    assert (message.language, message.language_note) == ("de", "")
    [received] = smtp_server.received
    assert received.message["Subject"] == "Rechnung FC-DE offen — Bâtiments Durand"
    assert received.message.get_body(("plain",)).get_content() == (
        "Guten Tag,\n\n"
        "Rechnung FC-DE vom 1. Januar 2026, fällig am 31. Januar 2026: "
        f"1.234,56{NBSP}€\nMit freundlichen Grüßen\n"
    )
    html = received.message.get_body(("html",)).get_content()
    assert '<html lang="de">' in html


def test_a_german_customer_without_a_german_text_gets_the_french_and_a_note(
    company, smtp_server
):
    klein = make_customer(company, name="Klein GmbH", language="de")
    make_invoice(klein, number="FC-DE", total=Decimal("1234.56"))
    invoices_refresh(company=company, today=TODAY)

    [message] = reminder_plan(company=company, today=TODAY).messages

    assert message.language == "fr"
    assert message.language_note == "modèle allemand absent : envoyé en français"
    remind(company, TODAY)
    [received] = smtp_server.received
    assert received.message["Subject"] == (
        "Facture FC-DE en attente de règlement — Bâtiments Durand"
    )


def test_a_company_adds_a_language_and_the_history_says_so():
    company = make_company(name="Bâtiments Durand")
    user = make_user(company, full_name="Marie Durand")
    assert company.languages == ["fr", "en"]

    company_settings_update(company=company, by=user, languages=["it", "de"])

    company.refresh_from_db()
    assert company.languages == ["fr", "en", "de", "it"]
    record = ChangeRecord.objects.get(company=company)
    assert change_lines(record) == [
        "Langues des relances : français, anglais → français, anglais, allemand, "
        "italien"
    ]


def test_a_company_cannot_add_an_unknown_language():
    from relance.core.errors import ApplicationError

    company = make_company()
    with pytest.raises(ApplicationError) as refused:
        company_settings_update(company=company, languages=["xx"])
    assert (refused.value.message, refused.value.field) == (
        "Langue inconnue « xx ».",
        "languages",
    )
    company.refresh_from_db()
    assert company.languages == ["fr", "en"]


IMPORT_HEADER = (
    "numero;code_client;client;date_facture;date_echeance;montant_ttc;langue\n"
)


def test_the_import_takes_a_german_customer_when_the_company_writes_german(company):
    content = (
        IMPORT_HEADER
        + "FC-1;411K;Klein GmbH;01/01/2026;31/01/2026;100,00;allemand\n"
        + "FC-2;411M;Müller AG;01/01/2026;31/01/2026;100,00;de\n"
        + "FC-3;411D;Garage Dupuis;01/01/2026;31/01/2026;100,00;français\n"
    ).encode()

    report = invoices_take_in(
        company=company, content=content, filename="export.csv", today=TODAY
    )

    assert report.errors == []
    assert dict(Customer.objects.values_list("code", "language")) == {
        "411K": "de",
        "411M": "de",
        "411D": "fr",
    }


def test_the_import_refuses_a_language_the_company_has_not_added():
    company = make_company(name="Bâtiments Durand")
    content = (
        IMPORT_HEADER
        + "FC-1;411H;Herbly Ltd;01/01/2026;31/01/2026;100,00;anglais\n"
        + "FC-2;411K;Klein GmbH;01/01/2026;31/01/2026;100,00;allemand\n"
    ).encode()

    with pytest.raises(Refused) as refused:
        invoices_take_in(
            company=company, content=content, filename="export.csv", today=TODAY
        )

    errors = [(e.line, e.column, e.message) for e in refused.value.report.errors]
    assert errors == [
        (
            3,
            "langue",
            "langue « allemand » non ajoutée aux langues des relances de la "
            "société (Paramètres de la société)",
        )
    ]
    assert not Customer.objects.exists()


def test_the_api_sets_a_language_the_company_has_added(company, api):
    status, created = api.call(
        "post", "/customers", {"code": "411K", "name": "Klein GmbH", "language": "de"}
    )
    assert (status, created["language"]) == (201, "de")
    status, refused = api.call(
        "post", "/customers", {"code": "411K", "name": "Klein", "language": "es"}
    )
    assert (status, refused["field"]) == (400, "language")
    assert refused["detail"] == (
        "Langue « espagnol » non ajoutée aux langues des relances de la société "
        "(Paramètres de la société)."
    )
    assert Customer.objects.get(code="411K").language == "de"


def admin_client(company) -> Client:
    user = make_user(company)
    user.memberships.update(role="admin")
    client = Client()
    client.force_login(user)
    return client


def test_the_customer_page_offers_the_companys_languages(company):
    client = admin_client(company)
    klein = make_customer(company, name="Klein GmbH")
    page = client.get(f"/clients/{klein.pk}/").content.decode()
    assert '<option value="de">Allemand</option>' in page
    assert '<option value="es">' not in page


def test_the_steps_screen_has_a_tab_per_company_language(company):
    client = admin_client(company)
    step = first_step(company)
    make_invoice(
        make_customer(company, name="Klein GmbH", language="de"),
        number="FC-1",
        total="1234.56",
    )
    page = client.get(f"/configuration/etapes/{step.pk}/").content.decode()
    tabs = [
        code for code in ("fr", "en", "de", "es") if f'id="tab-text-{code}"' in page
    ]
    assert tabs == ["fr", "en", "de"]

    form = {
        "name": step.name,
        "trigger": step.trigger,
        "days": step.days,
        "subject": step.subject,
        "body": step.body,
        "subject_en": "Invoice {{ invoice.number }}",
        "body_en": "Hello.",
        "subject_de": GERMAN["subject"],
        "body_de": "Guten Tag, {{ total_due }} seit {{ invoice.due_date }}.",
        "attach_pdf": "on",
        "channel": "email",
        "active": "on",
    }
    preview = client.post(
        "/configuration/etapes/apercu/", {**form, "language": "de"}
    ).content.decode()
    assert f"Guten Tag, 1.234,56{NBSP}€ seit 31. Januar 2026." in preview
    assert client.post(f"/configuration/etapes/{step.pk}/", form).status_code == 302
    text = DunningStepText.objects.get(step=step, language="de")
    assert (text.subject, text.body) == (GERMAN["subject"], form["body_de"])


def test_a_german_letter_has_english_words_and_german_figures():
    company = company_with_letter_step(languages=["fr", "en", "de"])
    late_invoice(customer_of(company, language="de"))
    remind(company, LETTER_ON)
    letter = Letter.objects.get()
    assert letter.language == "de"

    text = text_of(letters_pdf([letter]))

    for element in [
        "Registered letter with acknowledgement of receipt",
        "15. Juli 2025",
        "6.000,00 €",
    ]:
        assert element in text, element
    assert "Lettre recommandée" not in text


@pytest.mark.django_db(transaction=True)
def test_upgrading_keeps_french_and_english_and_the_customers_languages():
    old = migrate(
        leaves_but(
            {"core": "0014_company_logo", "invoices": "0015_invoice_payment_url"}
        )
    )
    Company = old.get_model("core", "Company")
    OldCustomer = old.get_model("invoices", "Customer")
    company = Company.objects.create(name="Bâtiments Durand")
    OldCustomer.objects.create(company=company, code="411H", name="H", language="en")
    OldCustomer.objects.create(company=company, code="411D", name="D", language="fr")

    new = migrate(leaves())

    assert new.get_model("core", "Company").objects.get(pk=company.pk).languages == [
        "fr",
        "en",
    ]
    languages = new.get_model("invoices", "Customer").objects.values_list(
        "code", "language"
    )
    assert dict(languages) == {"411H": "en", "411D": "fr"}
