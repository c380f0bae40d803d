"""An invoice's step is named after its customer's plan (issue 18 §1) in the
list, its page, the export, the API, the command line and the preview."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client

from relance.core.models import Membership
from relance.core.tokens import token_create
from relance.dunning.exports import export_rows
from relance.dunning.messages import preview
from relance.dunning.services.plans import customer_dunning_set, plan_create
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice
from tests.conftest import Api
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
FIRM = [
    ("Rappel ferme", "after_due_date", 1),
    ("Mise en demeure express", "after_previous_reminder", 5),
]


@pytest.fixture
def setup():
    company = make_company(name="Bâtiments Durand", min_gap_days=0)
    make_steps(company)  # « Standard »: Relance 1 …
    firm = plan_create(company=company, name="Mauvais payeurs")
    firm_steps = make_steps(company, FIRM, dunning_plan=firm)
    late = make_customer(company, code="LATE", name="Garage Martin")
    customer_dunning_set(company=company, customer=late, today=TODAY, plan=firm)
    good = make_customer(company, code="GOOD", name="Boulangerie Petit")
    mine = make_invoice(late, number="F-LATE", due_date=date(2026, 3, 1))
    other = make_invoice(good, number="F-GOOD", due_date=date(2026, 3, 1))
    invoices_refresh(company=company, today=TODAY)
    return company, mine, other, firm_steps


def test_the_list_and_the_invoice_page_name_the_customers_plan_step(setup):
    company, mine, _other, _steps = setup
    user = make_user(company, email="marie@durand.example")
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    page = client.get("/factures/").content.decode()
    row_late = page[page.index("F-LATE") : page.index("</tr>", page.index("F-LATE"))]
    row_good = page[page.index("F-GOOD") : page.index("</tr>", page.index("F-GOOD"))]
    assert "Rappel ferme" in row_late and "Relance 1" not in row_late
    assert "Relance 1" in row_good and "Rappel ferme" not in row_good
    detail = client.get(f"/factures/{mine.pk}/").content.decode()
    assert "Rappel ferme" in detail


def test_the_export_the_api_and_the_command_line_name_the_customers_plan_step(
    setup, capsys
):
    company, mine, _other, _steps = setup
    rows = {
        row[0]: row[12]
        for row in export_rows(
            company=company,
            invoices=Invoice.objects.filter(company=company),
            today=TODAY,
        )
    }
    assert rows == {"F-LATE": "Rappel ferme", "F-GOOD": "Relance 1"}
    api = Api(token_create(company=company, name="ERP")[1])
    status, body = api.call("get", "/invoices")
    assert status == 200
    named = {item["number"]: item for item in body["items"]}
    status, one = api.call("get", f"/invoices/{mine.pk}")
    assert status == 200
    assert json.dumps(named["F-LATE"]).count("Rappel ferme") >= 1
    assert json.dumps(one).count("Rappel ferme") >= 1
    assert "Rappel ferme" not in json.dumps(named["F-GOOD"])
    call_command("invoices", "--company", str(company.pk), "--json")
    listed = {
        row["number"]: row["next_step"] for row in json.loads(capsys.readouterr().out)
    }
    assert listed == {"F-LATE": "Rappel ferme", "F-GOOD": "Relance 1"}


def test_the_preview_names_the_stage_after_the_steps_own_plan(setup):
    _company, mine, _other, firm_steps = setup
    firm_steps[
        0
    ].body = "{% for i in invoices %}{{ i.number }} : {{ i.step }}{% endfor %}"
    composed = preview(step=firm_steps[0], invoices=[mine], today=TODAY)
    assert "F-LATE : Rappel ferme" in composed.text
