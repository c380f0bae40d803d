"""Issue 12 §1: every message is true of every invoice it covers, whatever
the mix of steps, with the default templates, over a real SMTP server."""

import re
from datetime import UTC, date, datetime

import pytest

from relance.core.models import Grouping
from relance.dunning.models import DunningStep
from relance.dunning.planning import reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.dunning.services.steps import steps_create_defaults
from tests.factories import make_company, make_customer, make_invoice

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# What a step's default text claims of the invoices it lists.
CLAIMS = (
    "Malgré notre précédent rappel",
    "Nos deux précédentes relances",
    "Malgré nos relances successives",
    "Deuxième relance",
    "Dernier rappel avant mise en demeure",
)


@pytest.fixture
def company():
    company = make_company(
        name="Bâtiments Durand",
        sender_email="relances@durand.example",
        iban="",
    )
    steps_create_defaults(company=company)
    return company


def send(company):
    invoices_refresh(company=company, today=TODAY)
    plan = reminder_plan(company=company, today=TODAY)
    created = reminders_create(plan=plan)
    reminders_deliver(reminder_ids=[r.pk for r in created.reminders], now=NOW)
    return plan


def text_of(received):
    """The plain text, its no-break spaces (« 1 200,00 € ») read as spaces."""
    return received.message.get_body(("plain",)).get_content().replace("\xa0", " ")


def crêperie(company):
    """X reminded twice (next: Relance 3), Y never reminded (next: Relance 1)."""
    customer = make_customer(company, name="Crêperie Ty Breizh", email="ty@breizh.bzh")
    x = make_invoice(
        customer,
        number="FC-X",
        issue_date=date(2025, 12, 1),
        due_date=date(2026, 1, 2),
        dunning_level=2,
        last_reminder_on=date(2026, 2, 1),
    )
    y = make_invoice(
        customer,
        number="FC-Y",
        issue_date=date(2025, 12, 1),
        due_date=date(2026, 2, 20),
    )
    return x, y


def test_by_default_each_step_writes_its_own_message(company, smtp_server):
    x, y = crêperie(company)
    plan = send(company)
    assert [(m.step.name, [i.number for i in m.invoices]) for m in plan.messages] == [
        ("Relance 3", ["FC-X"]),
        ("Relance 1", ["FC-Y"]),
    ]
    by_subject = {r.message["Subject"]: text_of(r) for r in smtp_server.received}
    assert sorted(by_subject) == [
        "Dernier rappel avant mise en demeure — facture FC-X — Bâtiments Durand",
        "Facture FC-Y en attente de règlement — Bâtiments Durand",
    ]
    third = by_subject[
        "Dernier rappel avant mise en demeure — facture FC-X — Bâtiments Durand"
    ]
    first = by_subject["Facture FC-Y en attente de règlement — Bâtiments Durand"]
    assert "Nos deux précédentes relances sont restées sans effet" in third
    assert "FC-X" in third and "FC-Y" not in third
    assert "Sauf erreur de notre part, la facture suivante n'a pas encore" in first
    assert "FC-Y" in first and "FC-X" not in first
    assert not any(claim in first for claim in CLAIMS)
    x.refresh_from_db()
    y.refresh_from_db()
    assert (x.dunning_level, y.dunning_level) == (3, 1)


def test_one_message_per_customer_says_each_invoice_stage(company, smtp_server):
    company.grouping = Grouping.CUSTOMER
    company.save()
    x, y = crêperie(company)
    plan = send(company)
    [message] = plan.messages
    assert (message.step.name, [line.step.name for line in message.lines]) == (
        "Relance 3",
        ["Relance 3", "Relance 1"],
    )
    [received] = smtp_server.received
    assert received.message["Subject"] == (
        "Factures impayées, dont un dernier rappel — Bâtiments Durand"
    )
    text = text_of(received)
    lines = [line for line in text.splitlines() if line.startswith("- facture")]
    assert lines == [
        "- facture FC-X du 01/12/2025, échue le 02/01/2026 : 1 200,00 € — "
        "déjà relancée 2 fois",
        "- facture FC-Y du 01/12/2025, échue le 20/02/2026 : 1 200,00 € — "
        "premier rappel",
    ]
    assert text.startswith(
        "Bonjour,\n\nSauf erreur de notre part, les factures suivantes restent "
        "impayées à ce jour ; nous indiquons pour chacune où en sont nos relances :"
    )
    assert not any(claim in text for claim in CLAIMS)
    assert (
        "Pour les factures déjà relancées 2 fois, sans règlement de votre part "
        "sous dix jours, nous vous adresserons une mise en demeure de payer"
    ) in text
    # Each invoice reaches its own level.
    x.refresh_from_db()
    y.refresh_from_db()
    assert (x.dunning_level, y.dunning_level) == (3, 1)
    assert sorted(
        (line.invoice.number, line.level)
        for line in message_lines(x.reminder_lines.get().reminder)
    ) == [("FC-X", 3), ("FC-Y", 1)]


def message_lines(reminder):
    return reminder.lines.select_related("invoice")


def test_a_formal_notice_never_covers_an_invoice_that_did_not_reach_it(
    company, smtp_server
):
    company.grouping = Grouping.CUSTOMER
    company.save()
    customer = make_customer(company, name="Garage Dupuis", email="g@dupuis.example")
    make_invoice(
        customer,
        number="FC-Z",
        issue_date=date(2025, 11, 1),
        due_date=date(2025, 12, 1),
        dunning_level=3,
        last_reminder_on=date(2026, 2, 1),
    )
    make_invoice(
        customer,
        number="FC-Y",
        issue_date=date(2025, 12, 1),
        due_date=date(2026, 2, 20),
    )
    make_invoice(
        customer,
        number="FC-W",
        issue_date=date(2025, 12, 1),
        due_date=date(2026, 1, 2),
        dunning_level=1,
        last_reminder_on=date(2026, 2, 1),
    )
    plan = send(company)
    assert [
        (m.step.name, [line.invoice.number for line in m.lines]) for m in plan.messages
    ] == [
        ("Relance 2", ["FC-W", "FC-Y"]),
        ("Mise en demeure", ["FC-Z"]),
    ]
    texts = {r.message["Subject"]: text_of(r) for r in smtp_server.received}
    notice = texts["Mise en demeure de payer — facture FC-Z — Bâtiments Durand"]
    assert "FC-Y" not in notice and "FC-W" not in notice
    merged = texts["Factures impayées — Bâtiments Durand"]
    assert (
        "- facture FC-W du 01/12/2025, échue le 02/01/2026 : 1 200,00 € — "
        "déjà relancée une fois\n"
        "- facture FC-Y du 01/12/2025, échue le 20/02/2026 : 1 200,00 € — "
        "premier rappel\n"
    ) in merged
    assert not any(claim in merged for claim in CLAIMS)


def test_the_summary_and_its_preview_show_each_invoice_stage(company):
    from django.test import Client

    from tests.factories import make_user

    company.grouping = Grouping.CUSTOMER
    company.save()
    x, y = crêperie(company)
    client = Client()
    client.force_login(make_user(company))
    invoices_refresh(company=company, today=TODAY)
    html = client.post(
        "/relances/resume/", {"invoice": [x.pk, y.pk], "date": TODAY.isoformat()}
    ).content.decode()
    assert 'data-testid="to-send">1<' in html
    assert (
        'FC-X <span class="muted">(Relance 3)</span>, '
        'FC-Y <span class="muted">(Relance 1)</span>'
    ) in html
    step = DunningStep.objects.get(company=company, name="Relance 3")
    preview = client.get(
        "/relances/apercu/",
        {"step": step.pk, "invoice": [x.pk, y.pk]},
    ).content.decode()
    assert "déjà relancée 2 fois" in preview
    assert "premier rappel" in preview
    assert "Nos deux précédentes" not in preview


def test_the_formal_notice_states_the_amounts_the_law_gives(company, smtp_server):
    """Issue 14 §2: 1 200 € due 2 January 2026, on 2 March: 59 days at
    12,15 % (ECB 2,15 % on 1 January 2026 + 10) = 23,567… → 23,57 €."""
    customer = make_customer(company, name="Garage Dupuis", email="g@dupuis.example")
    make_invoice(
        customer,
        number="FC-Z",
        issue_date=date(2025, 12, 1),
        due_date=date(2026, 1, 2),
        dunning_level=3,
        last_reminder_on=date(2026, 2, 1),
    )
    send(company)
    [received] = smtp_server.received
    text = text_of(received)
    assert "soit 23,57 € à ce jour" in text
    assert "soit 40,00 €. Le total dû s'élève ainsi à 1 263,57 € au 02/03/2026." in (
        text
    )


def test_a_consumer_reads_no_penalty_nor_indemnity_at_any_step(company, smtp_server):
    customer = make_customer(
        company, name="Mme Martin", email="m@martin.example", kind="consumer"
    )
    for level, number in enumerate(["FC-A", "FC-B", "FC-C", "FC-D"]):
        make_invoice(
            customer,
            number=number,
            issue_date=date(2025, 11, 1),
            due_date=date(2025, 12, 1),
            dunning_level=level,
            last_reminder_on=date(2026, 1, 10) if level else None,
        )
    send(company)
    # The private link's random token may hold any digits: left out.
    texts = [re.sub(r"/p/[^/]+/", "/p/…/", text_of(r)) for r in smtp_server.received]
    assert len(texts) == 4
    for text in texts:
        assert "pénalité" not in text.lower()
        assert "indemnité" not in text.lower()
        assert "40" not in text.replace("1 200,00", "")
    notice = next(t for t in texts if "mise en demeure" in t.lower() and "FC-D" in t)
    assert "intérêt au taux légal à compter de la présente mise en demeure" in notice
