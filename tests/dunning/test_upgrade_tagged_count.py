"""Migration dunning 0022 on an installed database: the invoices already
« à relancer » are counted, whatever their company, and the writes after it
keep the number."""

from datetime import date
from decimal import Decimal

import pytest

from relance.dunning.tagged_count import tagged_counts
from tests.migrations import leaves, leaves_but, migrate


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
