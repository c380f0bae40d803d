"""French first, English second: the English catalogue is complete and compiled."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polib
import pytest
import time_machine
from django.test import Client
from django.utils import translation

from relance.core.models import Membership
from relance.dunning.models import Reminder, ReminderInvoice
from relance.dunning.services.pauses import invoice_pause
from relance.dunning.services.payments import payment_cancel
from relance.invoices.importing import clean_invoice_row
from relance.invoices.models import Payment
from relance.mailing import syntax
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
    pay,
)
from tests.french import french_in

LOCALE = Path(__file__).resolve().parents[2] / "src/relance/locale/en/LC_MESSAGES"


def test_every_french_string_has_an_english_translation():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    missing = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    assert missing == []
    assert catalogue.fuzzy_entries() == []


def test_the_compiled_catalogue_matches_the_source():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    source = {e.msgid: e.msgstr for e in catalogue if e.msgstr and not e.obsolete}
    compiled = {
        e.msgid: e.msgstr for e in polib.mofile(str(LOCALE / "django.mo")) if e.msgstr
    }
    assert compiled == source


@pytest.mark.django_db
def test_a_user_who_chose_english_gets_english_pages_and_amounts():
    company = make_company(name="Durand")
    make_steps(company)
    user = make_user(company, language="en")
    client = Client()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Customer invoices" in html and "Factures clients" not in html
    assert "€0.00" in html


@pytest.mark.django_db
def test_the_language_menu_switches_and_remembers():
    company = make_company()
    user = make_user(company)
    client = Client()
    client.force_login(user)
    assert "Factures clients" in client.get("/").content.decode()
    client.post("/langue/", {"language": "en"})
    user.refresh_from_db()
    assert user.language == "en"
    assert "Customer invoices" in client.get("/factures/").content.decode()


def test_the_french_detector_finds_each_kind_of_leftover():
    """What the English pages are checked against (tests/browser) catches
    French, and lets English through."""
    assert french_in(
        [
            "Facture FC1",
            "0 invoice(s) tagged « To remind »",
            "Subject : Hello",
            "To :",
            "Due on 31/01/2023",
            "Total: 1 234,56 €",
            "12.40 %",
            "Payée",
            "Relance 1 · To do",
            "niveau de relance",
        ]
    ) == [
        "a French word: Facture FC1",
        "French quotes: 0 invoice(s) tagged « To remind »",
        "a space before a colon: Subject : Hello",
        "a space before a colon: To :",
        "a French date: Due on 31/01/2023",
        "a French amount: Total: 1 234,56 €",
        "a space before a percent sign: 12.40 %",
        "an accented letter: Payée",
        "a French word: Relance 1 · To do",
        "a French word: niveau de relance",
    ]
    assert (
        french_in(
            [
                "Subject: Hello",
                "Due on 31 Jan 2023",
                "€1,234.56",
                "12.40%",
                "0 invoice(s) tagged “To remind”",
                "Relance",
                "Reminder 323 — Relance",
                "start Relance with “relance serve”",
            ]
        )
        == []
    )


@pytest.fixture
def english_reader():
    company = make_company(name="Acme Ltd", language="en")
    user = make_user(company, language="en")
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    client.company, client.user = company, user
    return client


@pytest.mark.django_db
def test_an_invoice_page_in_english_writes_its_labels_dates_and_colons_the_english_way(
    english_reader,
):
    company = english_reader.company
    [step] = make_steps(company, plan=[("First reminder", "after_due_date", 3)])
    customer = make_customer(company, name="Smith Trading")
    invoice = make_invoice(customer, number="INV-1", due_date=date(2026, 1, 31))
    payment = pay(invoice, on=date(2026, 2, 2), amount="100", reference="TRF 1")
    payment_cancel(
        payment=payment,
        reason="Recorded twice",
        today=date(2026, 2, 3),
        user=english_reader.user,
    )
    Payment.objects.filter(pk=payment.pk).update(
        cancelled_at=datetime(2026, 2, 3, 9, 30, tzinfo=UTC)
    )
    invoice_pause(
        invoice=invoice,
        until=date(2026, 3, 1),
        kind="promise",
        reason="Promised on the phone",
        today=date(2026, 2, 3),
    )
    reminder = Reminder.objects.create(
        company=company,
        customer=customer,
        step=step,
        status="sent",
        recipients=["a@smith.example"],
        subject="Invoice INV-1 is overdue",
        body_text="Hello.",
        message_id="<1@acme.example>",
    )
    ReminderInvoice.objects.create(
        company=company,
        reminder=reminder,
        invoice=invoice,
        level=1,
        amount_due=invoice.amount_due,
    )
    with time_machine.travel(date(2026, 2, 5)):
        html = english_reader.get(f"/factures/{invoice.pk}/").content.decode()
    assert "Subject: <strong>Invoice INV-1 is overdue</strong>" in html
    assert "Message-ID: &lt;1@acme.example&gt;" in html
    assert "Cancelled on 3 Feb 2026 10:30 by" in html  # not 03/02/2026
    assert "1 Mar 2026 included: Promised on the phone." in html
    html = english_reader.get(f"/relances/{reminder.pk}/").content.decode()
    assert "Subject: <strong>Invoice INV-1 is overdue</strong>" in html
    assert " : " not in html.replace("&nbsp;", " ")


@pytest.mark.django_db
def test_the_variables_beside_the_template_editor_are_described_in_english(
    english_reader,
):
    step = make_steps(english_reader.company)[0]
    html = english_reader.get(f"/configuration/etapes/{step.pk}/").content.decode()
    assert "<dd>for each invoice: invoice number</dd>" in html
    assert "<dd>customer name</dd>" in html
    assert "pour chaque facture" not in html and "nom du client" not in html


@pytest.mark.django_db
def test_days_late_on_a_customer_page_in_english(english_reader):
    customer = make_customer(english_reader.company)
    make_invoice(customer, due_date=date(2026, 1, 31))
    make_steps(english_reader.company)
    with time_machine.travel(date(2026, 2, 12)):
        html = english_reader.get(f"/clients/{customer.pk}/").content.decode()
    assert ">12 d</td>" in html and " j</td>" not in html


def test_a_refused_value_says_what_is_expected_in_the_readers_language():
    with translation.override("en"):
        _values, problems = clean_invoice_row({"status": "maybe", "total": "douze"})
        assert (
            "status",
            "unknown value “maybe” (expected: open, paid, cancelled, draft)",
        ) in problems
        assert (
            "total",
            "unreadable amount “douze” (expected: 1234.56 or 1 234,56)",
        ) in problems
        assert syntax._token("end of template") == "end of template"
    _values, problems = clean_invoice_row({"status": "peut-être"})
    assert (
        "status",
        "valeur inconnue « peut-être » (attendu : ouverte, payée, annulée, brouillon)",
    ) in problems
    assert syntax._token("end of template") == "fin du modèle"


def test_a_rate_is_written_the_way_of_each_language():
    from relance.web.templatetags.relance import percent

    with translation.override("en"):
        assert percent(Decimal("12.4"), "-2") == "12.40%"
    with translation.override("fr"):
        assert percent(Decimal("12.4"), "-2") == "12,40 %"
        assert percent(Decimal("3"), "-3") == "3 %"


@pytest.mark.django_db
def test_a_customers_history_in_english_titles_dates_and_note_form(english_reader):
    from relance.dunning.services.notes import customer_note_add
    from relance.dunning.services.pauses import invoice_pause

    customer = make_customer(english_reader.company)
    invoice = make_invoice(customer, number="INV-7", issue_date=date(2026, 1, 5))
    invoice_pause(
        invoice=invoice,
        until=date(2099, 3, 31),
        kind="promise",
        reason="",
        today=date(2026, 1, 6),
        by=english_reader.user,
    )
    customer_note_add(customer=customer, text="Called back.", by=english_reader.user)
    html = english_reader.get(f"/clients/{customer.pk}/").content.decode()
    for text in (
        ">History</h2>",
        "New note",
        "Add the note",
        "<strong>Note</strong>",
        "<strong>Pause: Payment promise</strong>",
        "until 31 Mar 2099",
        "Promise pending",
        "<strong>Invoice issued</strong>",
        '<span class="when">5 Jan 2026</span>',
        "due on 31 Jan 2026",
    ):
        assert text in html, text
    for french in ("Historique", "Facture émise", "Ajouter la note", "jusqu&#x27;au"):
        assert french not in html, french
    too_long = english_reader.post(
        f"/clients/{customer.pk}/", {"action": "note", "text": "x" * 5001}
    )
    assert "The note is over 5,000 characters (5,001): shorten it." in (
        too_long.content.decode()
    )
