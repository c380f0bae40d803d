"""The summary window of a big selection (issue 16 §3): the counts, the first
rows of each list, the next rows on demand, and « Envoyer les relances »
sending exactly the selection the window was made of."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from relance.core.models import Membership
from relance.dunning.models import Reminder
from relance.invoices.models import Invoice
from relance.web.selection import selection_decode, selection_encode
from tests.factories import (
    make_company,
    make_customer,
    make_due_invoices,
    make_invoice,
    make_steps,
    make_user,
)

pytestmark = pytest.mark.django_db
NNBSP = "\xa0"  # Django's French thousands separator


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand")
    make_steps(company)
    return company


@pytest.fixture
def signed_in(company):
    user = make_user(company, email="marie@durand.example")
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    return client


def rows(html: str) -> list[str]:
    """The customers of the message rows shown, in order."""
    return re.findall(r'<tr data-testid="message">\s*<td class="strong">([^<]*)<', html)


def selection_of(html: str) -> str:
    return re.search(r'name="selection" value="([^"]*)"', html).group(1)


def test_a_summary_of_5000_messages_shows_the_first_50_and_counts_the_rest(
    signed_in, company
):
    make_due_invoices(company, 5000)
    response = signed_in.post("/relances/resume/", {"all": "1"})
    html = response.content.decode()
    assert 'data-testid="to-send">5000<' in html
    assert rows(html) == [f"Client {k:05d}" for k in range(1, 51)]
    assert html.count('data-testid="more"') == 1
    assert f"et 4{NNBSP}950 autres relances" in html
    assert "Voir les 200 suivantes" in html
    # The whole window is a few dozen kilobytes, not one row per message;
    # the selection goes back as one field, not 5,000 inputs.
    assert len(response.content) < 60_000
    assert html.count('type="hidden"') == 1
    assert len(selection_decode(selection_of(html))) == 5000


def test_voir_les_suivantes_brings_the_next_200_messages_then_the_last(
    signed_in, company
):
    make_due_invoices(company, 460)
    first = signed_in.post("/relances/resume/", {"all": "1"}).content.decode()
    selection = selection_of(first)
    assert "et 410 autres relances" in first

    def more(start):
        return signed_in.post(
            "/relances/resume/",
            {"selection": selection, "part": "messages", "start": start},
        ).content.decode()

    second = more(50)
    assert rows(second) == [f"Client {k:05d}" for k in range(51, 251)]
    assert 'id="preview-51"' in second and 'id="preview-250"' in second
    assert "et 210 autres relances" in second
    assert "Voir les 200 suivantes" in second
    last = more(450)
    assert rows(last) == [f"Client {k:05d}" for k in range(451, 461)]
    assert 'data-testid="more"' not in last


def test_each_kind_of_error_shows_its_count_its_first_20_and_the_rest_on_demand(
    signed_in, company
):
    make_due_invoices(company, 3)
    make_due_invoices(company, 45, email="")
    for n in range(1, 4):
        make_invoice(make_customer(company), number=f"PAID-{n}", status="paid")
    html = signed_in.post("/relances/resume/", {"all": "1"}).content.decode()
    assert 'data-testid="to-send">3<' in html
    assert 'data-testid="errors">45<' in html
    assert 'data-testid="left-out">3<' in html
    group = html[html.index("Clients sans adresse e-mail") :]
    group = group[: group.index("</details>")]
    assert '<span class="count pill tone-danger">45</span>' in group
    lines = re.findall(r"— (Aucune adresse e-mail pour le client [^<]*)</li>", group)
    assert lines == [
        f"Aucune adresse e-mail pour le client Client {k:05d}." for k in range(1, 21)
    ]
    assert "et 25 autres factures" in group
    assert "Voir les 25 suivantes" in group
    assert 'tone-neutral">3</span>' in html  # the paid ones, all shown
    assert html.count("Facture déjà payée.") == 3
    rest = signed_in.post(
        "/relances/resume/",
        {"selection": selection_of(html), "part": "errors:no_email", "start": 20},
    ).content.decode()
    assert re.findall(r"le client (Client \d+)\.</li>", rest) == [
        f"Client {k:05d}" for k in range(21, 46)
    ]
    assert 'data-testid="more"' not in rest


def test_envoyer_les_relances_records_exactly_the_1200_announced(signed_in, company):
    """1,200 hidden inputs went over Django's 1,000 fields a form may have:
    « Envoyer les relances » answered 400 for any selection above that."""
    invoices = make_due_invoices(company, 1200, per_customer=2)
    html = signed_in.post("/relances/resume/", {"all": "1"}).content.decode()
    assert 'data-testid="to-send">600<' in html
    response = signed_in.post("/relances/envoyer/", {"selection": selection_of(html)})
    assert response.status_code == 200
    assert Reminder.objects.filter(company=company).count() == 600
    assert set(
        Reminder.objects.filter(company=company).values_list(
            "lines__invoice", flat=True
        )
    ) == {invoice.pk for invoice in invoices}


def test_a_selection_that_does_not_read_back_is_refused_in_french(signed_in, company):
    make_due_invoices(company, 2)
    for path in ("/relances/resume/", "/relances/envoyer/"):
        response = signed_in.post(path, {"selection": "z1.pas-une-selection"})
        assert response.status_code == 400
        assert response.content.decode() == (
            "Sélection de factures illisible : fermez la fenêtre et sélectionnez "
            "à nouveau les factures."
        )
    assert not Reminder.objects.exists()


def test_an_unknown_list_in_the_summary_is_a_400_not_a_500(signed_in, company):
    [invoice] = make_due_invoices(company, 1)
    selection = selection_encode([invoice.pk])
    for part, start in (("errors:nope", "0"), ("messages", "x"), ("autre", "0")):
        response = signed_in.post(
            "/relances/resume/", {"selection": selection, "part": part, "start": start}
        )
        assert response.status_code == 400
        assert response.content.decode() == "Liste inconnue dans le résumé."


def test_the_summary_window_reads_the_same_for_3_or_300_invoices(signed_in, company):
    def statements(count):
        Invoice.objects.filter(company=company).delete()
        make_due_invoices(company, count)
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.post("/relances/resume/", {"all": "1"}).status_code == 200
        return len(queries)

    assert statements(3) == statements(300)


def test_a_selection_round_trips_and_stays_small():
    ids = [7, 3, 3, 1_000_000, 12]
    assert selection_decode(selection_encode(ids)) == [3, 7, 12, 1_000_000]
    assert selection_decode(selection_encode([])) == []
    consecutive = selection_encode(range(1, 100_001))
    assert len(consecutive) < 1_000
    assert selection_decode(consecutive) == list(range(1, 100_001))
    for bad in ("", "1,2,3", "z1.", "z1.@@@", selection_encode([5])[:-4]):
        assert selection_decode(bad) is None
