"""The import's `plan` column: a customer's dunning plan by its name (issue 18,
ADR 21); unknown, nothing is imported; empty, the customer's plan stays."""

from datetime import date

import pytest

from relance.dunning.models import CustomerDunning, DunningPlan
from relance.dunning.services.intake import invoices_take_in
from relance.dunning.services.plans import customer_dunning_set, plan_create
from relance.invoices.importing import Refused
from relance.invoices.models import Customer, Invoice
from tests.factories import make_company, make_customer, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)
HEADER = "numero;code_client;client;date_facture;echeance;montant;Plan de relance\r\n"


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)  # « Standard », the default
    plan_create(company=company, name="Mauvais payeurs")
    return company


def take_in(company, rows: str, dry_run=False):
    return invoices_take_in(
        company=company,
        content=(HEADER + rows).encode(),
        filename="factures.csv",
        today=TODAY,
        dry_run=dry_run,
    )


def plan_of(code: str) -> str | None:
    row = CustomerDunning.objects.filter(customer__code=code).first()
    return row.plan.name if row and row.plan else None


def test_the_plan_column_sets_the_plan_of_new_and_known_customers(company):
    known = make_customer(company, code="411RIOU", name="Menuiserie Riou")
    report = take_in(
        company,
        "F1;411HERBLY;Herbly;02/01/2026;31/01/2026;100,00;mauvais PAYEURS\r\n"
        "F2;411HERBLY;Herbly;03/01/2026;01/02/2026;200,00;\r\n"
        "F3;411RIOU;Menuiserie Riou;04/01/2026;02/02/2026;300,00;Standard\r\n",
    )
    assert (report.created, report.errors) == (3, [])
    assert report.customer_plans == {
        "411HERBLY": "Mauvais payeurs",
        "411RIOU": "Standard",
    }
    assert plan_of("411HERBLY") == "Mauvais payeurs"
    assert plan_of(known.code) == "Standard"
    # « Mauvais payeurs » has no step: nothing more goes to Herbly.
    assert list(
        Invoice.objects.filter(customer__code="411HERBLY")
        .order_by("number")
        .values_list("number", "next_level")
    ) == [("F1", None), ("F2", None)]
    assert Invoice.objects.get(number="F3").next_level == 1


def test_an_empty_plan_leaves_the_customers_plan_as_it_is(company):
    customer = make_customer(company, code="411RIOU", name="Menuiserie Riou")
    late = DunningPlan.objects.get(name="Mauvais payeurs")
    customer_dunning_set(company=company, customer=customer, today=TODAY, plan=late)
    report = take_in(
        company, "F1;411RIOU;Menuiserie Riou;04/01/2026;02/02/2026;300,00;\r\n"
    )
    assert (report.created, report.customer_plans) == (1, {})
    assert plan_of("411RIOU") == "Mauvais payeurs"


def test_an_unknown_plan_names_its_line_and_value_and_nothing_is_imported(company):
    make_customer(company, code="411RIOU", name="Menuiserie Riou")
    with pytest.raises(Refused) as refused:
        take_in(
            company,
            "F1;411HERBLY;Herbly;02/01/2026;31/01/2026;100,00;Mauvais payeurs\r\n"
            "F2;411RIOU;Menuiserie Riou;04/01/2026;02/02/2026;300,00;Gentil\r\n",
        )
    assert [e.as_dict() for e in refused.value.report.errors] == [
        {
            "line": 3,
            "column": "Plan de relance",
            "message": "plan « Gentil » inconnu "
            "(plans de relance : Mauvais payeurs, Standard)",
        }
    ]
    assert str(refused.value) == "1 erreur(s) : rien n'a été importé."
    assert Invoice.objects.count() == 0
    assert list(Customer.objects.values_list("code", flat=True)) == ["411RIOU"]
    assert CustomerDunning.objects.count() == 0


def test_an_archived_plan_is_unknown_to_the_import(company):
    plan_create(company=company, name="Doux")
    DunningPlan.objects.filter(name="Doux").update(active=False)
    with pytest.raises(Refused) as refused:
        take_in(company, "F1;411RIOU;Riou;04/01/2026;02/02/2026;300,00;Doux\r\n")
    assert [e.message for e in refused.value.report.errors] == [
        "plan « Doux » inconnu (plans de relance : Mauvais payeurs, Standard)"
    ]


def test_two_lines_giving_one_customer_two_plans_are_refused(company):
    with pytest.raises(Refused) as refused:
        take_in(
            company,
            "F1;411HERBLY;Herbly;02/01/2026;31/01/2026;100,00;Standard\r\n"
            "F2;411HERBLY;Herbly;03/01/2026;01/02/2026;200,00;Mauvais payeurs\r\n",
        )
    assert [e.as_dict() for e in refused.value.report.errors] == [
        {
            "line": 3,
            "column": "Plan de relance",
            "message": "plan « Mauvais payeurs » : la ligne 2 donne « Standard » "
            "au client",
        }
    ]


def test_a_dry_run_sets_no_plan(company):
    report = take_in(
        company,
        "F1;411HERBLY;Herbly;02/01/2026;31/01/2026;100,00;Mauvais payeurs\r\n",
        dry_run=True,
    )
    assert (report.created, report.customer_plans) == (
        1,
        {"411HERBLY": "Mauvais payeurs"},
    )
    assert (Customer.objects.count(), CustomerDunning.objects.count()) == (0, 0)
