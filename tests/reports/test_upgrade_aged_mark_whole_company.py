"""Migration reports 0009: the marks' customer may be NULL (a company
marked whole, written by PostgreSQL's statement triggers). Forth, the
customers' marks standing are kept and SQLite's triggers, which the table's
rebuild took away, are back and still mark; back to 0008, a company marked
whole has its snapshots dropped (read live, as the mark said) and that mark
gone, the customers' marks kept."""

from datetime import date
from decimal import Decimal

import pytest

from tests.migrations import (
    aged_snapshot_add,
    aged_triggers_all_there,
    app_at,
    leaves,
    migrate,
)

BEFORE = "0008_aged_marks_on_update_statement"


@pytest.mark.django_db(transaction=True)
def test_marks_kept_forth_and_a_company_marked_whole_read_live_back():
    old = app_at("reports", BEFORE)
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    Invoice = old.get_model("invoices", "Invoice")
    Mark = old.get_model("reports", "AgedMark")
    durand, martin = (Company.objects.create(name=name) for name in ("D", "M"))
    garage = Customer.objects.create(company=durand, code="411G", name="Garage")
    salon = Customer.objects.create(company=martin, code="411S", name="Salon")
    for company in (durand, martin):
        aged_snapshot_add(old, company.pk)
    Mark.objects.create(company_id=durand.pk, customer_id=garage.pk)

    new = migrate(leaves())
    assert aged_triggers_all_there()
    Mark = new.get_model("reports", "AgedMark")
    assert list(Mark.objects.values_list("company_id", "customer_id")) == [
        (durand.pk, garage.pk)
    ]
    # The triggers mark as before: an invoice of the salon, a mark.
    new.get_model("invoices", "Invoice").objects.create(
        company_id=martin.pk,
        customer_id=salon.pk,
        number="F1",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        total=Decimal(100),
        amount_due=Decimal(100),
    )
    assert sorted(Mark.objects.values_list("customer_id", flat=True)) == sorted(
        [garage.pk, salon.pk]
    )
    Mark.objects.create(company_id=martin.pk, customer_id=None)

    back = app_at("reports", BEFORE)
    assert aged_triggers_all_there()
    Snapshot = back.get_model("reports", "AgedSnapshot")
    assert list(Snapshot.objects.values_list("company_id", flat=True)) == [durand.pk]
    assert sorted(
        back.get_model("reports", "AgedMark").objects.values_list(
            "company_id", "customer_id"
        )
    ) == sorted([(durand.pk, garage.pk), (martin.pk, salon.pk)])
    assert Invoice.objects.filter(company_id=martin.pk).count() == 1
    migrate(leaves())
    assert aged_triggers_all_there()
