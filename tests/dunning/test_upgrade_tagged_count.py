"""Migration dunning 0022 on an installed database: the invoices already
« à relancer » are counted, whatever their company, and the writes after it
keep the number."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, When

from relance.dunning.tagged_count import tagged_counts
from tests.migrations import leaves, leaves_but, migrate, trigger_level


@pytest.mark.django_db(transaction=True)
def test_the_tags_standing_are_counted_by_the_upgrade():
    old = migrate(leaves_but({"dunning": "0021_dunning_plans"}))
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    companies = [Company.objects.create(name=name) for name in ("A", "B", "C")]
    for company, tags in zip(companies, ([True, True, False], [True], []), strict=True):
        customer = Customer.objects.create(company=company, code="411", name="X")
        for n, tag in enumerate(tags):
            Invoice.objects.create(
                company=company,
                customer=customer,
                number=f"F{n}",
                issue_date=date(2026, 1, 1),
                due_date=date(2026, 1, 31),
                total=Decimal(100),
                amount_due=Decimal(100),
                to_remind=tag,
            )
    new = migrate(leaves())
    ids = [company.pk for company in companies]
    counts = tagged_counts(company_ids=ids, fold=False)
    assert counts == dict(zip(ids, [2, 1, 0], strict=True))
    Invoice = new.get_model("invoices", "Invoice")
    Invoice.objects.filter(company_id=ids[0], number="F2").update(to_remind=True)
    assert tagged_counts(company_ids=ids) == dict(zip(ids, [3, 1, 0], strict=True))


@pytest.mark.django_db(transaction=True)
def test_the_update_trigger_once_a_statement_keeps_the_numbers_across_the_upgrade():
    """0023 replaces 0022's row trigger (PostgreSQL): what was counted
    before stays, and a statement tagging, untagging and moving invoices
    between companies is counted by the new one, both ways."""
    old = migrate(leaves_but({"dunning": "0022_tagged_count"}))
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    first, second = (Company.objects.create(name=name) for name in ("A", "B"))
    customer = Customer.objects.create(company=first, code="411", name="X")
    for n in range(6):
        Invoice.objects.create(
            company=first,
            customer=customer,
            number=f"F{n}",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            total=Decimal(100),
            amount_due=Decimal(100),
            to_remind=n < 2,
        )
    Invoice.objects.filter(number="F2").update(to_remind=True)  # the row trigger
    ids = [first.pk, second.pk]
    assert tagged_counts(company_ids=ids, fold=False) == {first.pk: 3, second.pk: 0}
    new = migrate(leaves())
    Invoice = new.get_model("invoices", "Invoice")
    # One statement: F0 untagged, F3 and F4 tagged, F1 and F4 moved to B.
    Invoice.objects.filter(number__in=["F0", "F3", "F4"]).update(
        to_remind=Case(When(number="F0", then=False), default=True)
    )
    Invoice.objects.filter(number__in=["F1", "F4", "F5"]).update(company_id=second.pk)
    assert tagged_counts(company_ids=ids, fold=False) == {first.pk: 2, second.pk: 2}
    assert tagged_counts(company_ids=ids) == {
        pk: Invoice.objects.filter(company_id=pk, to_remind=True).count() for pk in ids
    }
    back = migrate(leaves_but({"dunning": "0022_tagged_count"}))  # 0022's again
    Invoice = back.get_model("invoices", "Invoice")
    Invoice.objects.filter(number="F2").update(to_remind=False)
    assert tagged_counts(company_ids=ids, fold=False) == {first.pk: 1, second.pk: 2}
    if connection.vendor == "postgresql":
        assert trigger_level("dunning_tagged_count_update") == "row"
    migrate(leaves())
    if connection.vendor == "postgresql":
        assert trigger_level("dunning_tagged_count_update") == "statement"
