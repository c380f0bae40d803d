"""`relance init`, `relance demo` and `relance invoices`, as a user runs them."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from relance.core.models import Company, Membership, User
from relance.core.money import format_amount
from relance.core.pdfs import PdfUnavailable
from relance.dunning.models import DunningStep, Reminder
from relance.invoices.models import Customer, Invoice
from tests.factories import make_company, make_customer, make_invoice, make_steps
from tests.invoices.test_pdf import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _init_answers_only_from_the_test(monkeypatch):
    """Whatever the shell holds, `relance init` gets the answers each test
    sets (and asks in a terminal when it sets none)."""
    for name in [
        "RELANCE_COMPANY_NAME",
        "RELANCE_ADMIN_EMAIL",
        "RELANCE_ADMIN_PASSWORD",
    ]:
        monkeypatch.delenv(name, raising=False)


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_init_without_input_creates_company_admin_and_steps_once(monkeypatch, settings):
    monkeypatch.setenv("RELANCE_COMPANY_NAME", "Bâtiments Durand")
    monkeypatch.setenv("RELANCE_ADMIN_EMAIL", "marie@durand.example")
    monkeypatch.setenv("RELANCE_ADMIN_PASSWORD", "un-mot-de-passe-solide")
    first = run("init", "--no-input")
    assert "Société créée : Bâtiments Durand" in first
    assert "Administrateur créé : marie@durand.example" in first
    assert "Mot de passe généré" not in first
    second = run("init", "--no-input")
    assert second.strip() == "Base de données à jour."
    company = Company.objects.get()
    admin = User.objects.get()
    assert admin.check_password("un-mot-de-passe-solide")
    assert not (admin.is_superuser or admin.is_staff)  # /admin/ is for operators
    membership = Membership.objects.get()
    assert (membership.user, membership.company, membership.role) == (
        admin,
        company,
        "admin",
    )
    assert DunningStep.objects.filter(company=company).count() == 4


def test_init_generates_a_password_and_keeps_it_in_the_data_folder(
    monkeypatch, settings
):
    output = run("init", "--no-input")
    kept = (settings.DATA_DIR / "initial_admin_password").read_text().split()
    assert kept[0] == "admin@example.com"
    assert f"Mot de passe généré : {kept[1]}" in output
    assert (
        "changez-le après la première connexion, dans « Mon profil », puis "
        "supprimez ce fichier" in output
    )
    assert User.objects.get(email="admin@example.com").check_password(kept[1])
    assert (
        settings.DATA_DIR / "initial_admin_password"
    ).stat().st_mode & 0o777 == 0o600


def test_init_asks_its_questions_in_a_terminal(monkeypatch):
    answers = iter(["Menuiserie Riou", "pas un courriel", "riou@riou.example"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    passwords = iter(
        ["secret-un", "secret-deux", "court", "court"] + ["le-bon-secret"] * 2
    )
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(passwords))
    err = StringIO()
    output = run("init", stderr=err)
    assert "Société créée : Menuiserie Riou" in output
    assert err.getvalue().splitlines() == [
        "Les deux saisies diffèrent.",
        "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères.",
    ]
    user = User.objects.get()
    assert user.email == "riou@riou.example"
    assert user.check_password("le-bon-secret")


def test_init_refuses_an_invalid_admin_email(monkeypatch):
    monkeypatch.setenv("RELANCE_ADMIN_EMAIL", "pas-un-courriel")
    with pytest.raises(
        CommandError, match="Courriel d'administrateur invalide : pas-un-courriel"
    ):
        run("init", "--no-input")
    assert not User.objects.exists()


def test_init_adds_default_steps_to_a_company_that_has_none():
    make_company(name="Sans étapes")
    run("init", "--no-input")
    assert DunningStep.objects.count() == 4


def fake_pdf(**document) -> bytes:
    return b"%PDF-1.7\n% " + document["invoice"].number.encode()


@pytest.fixture
def demo(monkeypatch):
    """The demo's data; its PDFs stand-ins (WeasyPrint takes a tenth of a
    second a page: the real ones have their own test below)."""
    monkeypatch.setattr("relance.cli.demo.invoice_pdf_render", fake_pdf)
    run("init", "--no-input")
    output = run("demo", "--date", "2026-03-01")
    return output


def test_without_pango_the_demo_loads_its_data_and_says_why_no_pdf(monkeypatch):
    def unavailable(**document):
        raise PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr("relance.cli.demo.invoice_pdf_render", unavailable)
    run("init", "--no-input")
    output = run("demo", "--date", "2026-03-01")
    assert Invoice.objects.count() == 200
    assert not Invoice.objects.exclude(pdf="").exists()
    assert output.splitlines()[-1] == (
        "Factures sans PDF : WeasyPrint ne trouve pas Pango sur cette machine "
        "(Debian, Ubuntu : apt-get install libpango-1.0-0 libpangoft2-1.0-0)."
    )


def test_every_demo_invoice_still_owed_has_its_pdf_saying_its_number_and_total():
    run("init", "--no-input")
    run("demo", "--date", "2026-03-01")
    assert not Invoice.objects.filter(status="paid").exclude(pdf="").exists()
    invoices = (
        Invoice.objects.filter(status="open")
        .select_related("customer")
        .order_by("number")
    )
    assert invoices.count() >= 60
    assert not invoices.filter(pdf="").exists()
    for invoice in invoices:
        with invoice.pdf.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
    consumer = invoices.filter(customer__kind="consumer").first()
    business = invoices.filter(customer__kind="business").first()
    for invoice in (consumer, business):
        with invoice.pdf.open("rb") as pdf:
            text = text_of(pdf.read())
        assert invoice.number in text
        assert (
            f"Total TTC {format_amount(invoice.total)}".replace("\u00a0", " ") in text
        )
        assert ("recouvrement de 40 €" in text) == (invoice == business)
        assert ("TVA 10 %" in text or " 10 % " in text) == (invoice == consumer)


def test_demo_data_covers_every_stage_of_the_dunning(demo):
    assert demo.startswith(
        "Démonstration chargée pour Bâtiments Durand : 40 clients, 200 factures,"
    )
    invoices = Invoice.objects.all()
    assert 35 <= Customer.objects.count() <= 45
    assert 180 <= invoices.count() <= 220
    assert Customer.objects.filter(kind="consumer").count() >= 5
    assert Customer.objects.filter(email="", dunning_email="").count() == 1
    assert Customer.objects.exclude(dunning_email="").exists()
    assert invoices.filter(status="open", due_date__gt=date(2026, 3, 1)).exists()
    tagged_levels = set(
        invoices.filter(to_remind=True).values_list("dunning_level", flat=True)
    )
    assert tagged_levels == {0, 1, 2, 3}  # due for each of the four steps
    assert invoices.filter(status="open", dunning_level__gt=0, to_remind=False).exists()
    assert invoices.filter(dunning_level=4).exists()
    assert invoices.filter(status="paid").count() > 50
    partly = invoices.filter(status="open").exclude(amount_due=F("total"))
    assert partly.exists()
    assert invoices.filter(pause_kind="dispute").count() == 3
    assert invoices.filter(pause_kind="promise").count() == 3
    assert Customer.objects.exclude(paused_until=None).count() == 1
    assert invoices.filter(status="draft").count() == 1
    assert invoices.filter(status="cancelled").count() == 2
    assert invoices.filter(customer__email="", to_remind=True).exists()
    sent = Reminder.objects.filter(status="sent")
    assert sent.count() > 100
    assert all(r.subject and r.body_text and r.recipients for r in sent[:20])


def test_demo_only_loads_into_an_empty_database(demo):
    count = Invoice.objects.count()
    assert "Des factures existent déjà" in run("demo", "--if-empty")
    assert Invoice.objects.count() == count


def test_invoices_json_lists_open_invoices_with_their_dunning_state():
    company = make_company()
    make_steps(company)
    customer = make_customer(company, name="HERBLY Francis")
    make_invoice(
        customer, number="FC22120054", due_date=date(2026, 1, 31), total="1234.56"
    )
    make_invoice(customer, number="FC-PAID", status="paid", amount_due="0")
    run("daily", "--date", "2026-03-01")
    rows = json.loads(run("invoices", "--json"))
    assert rows == [
        {
            "number": "FC22120054",
            "customer": "HERBLY Francis",
            "due_date": "2026-01-31",
            "days_late": rows[0]["days_late"],
            "amount_due": "1234.56",
            "level": 0,
            "next_step": "Relance 1",
            "next_date": "2026-02-03",
            "to_remind": True,
        }
    ]
    assert rows[0]["days_late"] > 0
    assert json.loads(run("invoices", "--json", "--to-remind")) == rows


def test_invoices_to_remind_shows_a_readable_table():
    company = make_company()
    make_steps(company)
    make_invoice(make_customer(company, name="HERBLY Francis"), number="FC22120054")
    make_invoice(
        make_customer(company, name="Autre"),
        number="FC-LATER",
        due_date=date(2099, 1, 1),
    )
    run("daily", "--date", "2026-03-01")
    lines = run("invoices", "--to-remind").splitlines()
    assert lines[0].split() == [
        "Numéro",
        "Client",
        "Échéance",
        "Retard",
        "Reste",
        "dû",
        "Niveau",
        "Prochaine",
        "étape",
        "Prévue",
        "le",
        "À",
        "relancer",
    ]
    assert lines[1].startswith("FC22120054  HERBLY Francis  31/01/2026")
    assert "1\u00a0200,00\u00a0€" in lines[1]
    assert lines[1].rstrip().endswith("Relance 1        03/02/2026  oui")
    assert lines[-1] == "1 facture(s)."


def test_commands_ask_which_company_when_there_are_several():
    make_company(name="A")
    make_company(name="B")
    with pytest.raises(CommandError, match="Plusieurs sociétés : précisez --company"):
        run("invoices")


def test_on_the_demo_a_dry_run_lists_messages_and_the_customer_without_email(demo):
    output = run("remind", "--all-due", "--dry-run", "--date", "2026-03-01")
    lines = output.splitlines()
    assert lines[0].endswith("relance(s) à envoyer · 1 erreur(s)")
    assert int(lines[0].split()[0]) >= 8
    assert any("→ " in line and "Mise en demeure" in line for line in lines)
    assert (
        "Clients sans adresse e-mail (1) — Ajoutez un courriel de relance au client."
        in lines
    )
    assert any(
        "Aucune adresse e-mail pour le client Ferme du Vieux Chêne." in line
        for line in lines
    )
    assert lines[-1] == "Résumé seulement (--dry-run) : rien n'a été envoyé."
    assert not Reminder.objects.filter(status="pending").exists()
