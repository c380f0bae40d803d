"""The number of invoices « à relancer » kept by the database (ADR 31): every
way of writing an invoice keeps it equal to the count, a fold keeps it in one
row, a full run counts it again, and the triggers come back when a migration
dropped them; on PostgreSQL, a writer that has not committed and a fold at
the same moment lose nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import import_module

import pytest
from django.db import connection

from relance.core.sql import triggers_named
from relance.dunning.models import TaggedCount
from relance.dunning.services.daily import daily_runs_now
from relance.dunning.tagged_count import (
    tagged_counts,
    tagged_counts_reset,
    triggers_ensure,
)
from relance.invoices.models import Invoice
from tests.factories import make_company, make_customer, make_invoice, make_steps
from tests.migrations import trigger_level
from tests.threads import held_open, in_thread

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _counted(*companies) -> dict[int, int]:
    return {
        company.pk: Invoice.objects.filter(company=company, to_remind=True).count()
        for company in companies
    }


def _kept(*companies) -> dict[int, int]:
    return tagged_counts(company_ids=[company.pk for company in companies], fold=False)


@pytest.mark.django_db
def test_every_way_of_writing_an_invoice_keeps_the_number():
    durand, martin = make_company(), make_company()
    one, other = make_customer(durand), make_customer(martin)
    assert _kept(durand, martin) == {durand.pk: 0, martin.pk: 0}

    first = make_invoice(one, to_remind=True)
    make_invoice(one, to_remind=False)
    assert _kept(durand, martin) == {durand.pk: 1, martin.pk: 0}

    Invoice.objects.bulk_create(
        [
            Invoice(
                company=martin,
                customer=other,
                number=f"B{n}",
                issue_date=date(2026, 1, 1),
                due_date=date(2026, 1, 31),
                total=Decimal(100),
                amount_due=Decimal(100),
                to_remind=n % 3 == 0,
            )
            for n in range(30)
        ]
    )
    assert _kept(durand, martin) == {durand.pk: 1, martin.pk: 10}

    Invoice.objects.filter(company=martin, number__in=["B0", "B1", "B2"]).update(
        to_remind=False
    )  # B0 untagged; B1 and B2 were not tagged
    assert _kept(durand, martin) == {durand.pk: 1, martin.pk: 9}

    first.to_remind = False
    first.save()
    first.save()  # saved again unchanged
    Invoice.objects.filter(company=martin).update(amount_due=Decimal(50))
    assert _kept(durand, martin) == {durand.pk: 0, martin.pk: 9}

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoices_invoice SET to_remind = %s WHERE company_id = %s",
            [True, durand.pk],
        )
    assert _kept(durand, martin) == {durand.pk: 2, martin.pk: 9}

    Invoice.objects.filter(company=martin, number="B3").delete()
    Invoice.objects.filter(company=martin, number="B4").delete()  # not tagged
    assert _kept(durand, martin) == {durand.pk: 2, martin.pk: 8}

    moved = Invoice.objects.get(company=martin, number="B6")
    Invoice.objects.filter(pk=moved.pk).update(company=durand, customer=one)
    assert _kept(durand, martin) == {durand.pk: 3, martin.pk: 7}
    assert _kept(durand, martin) == _counted(durand, martin)


@pytest.mark.django_db
def test_a_fold_leaves_one_row_a_company_and_the_same_number():
    durand, martin, empty = make_company(), make_company(), make_company()
    one, other = make_customer(durand), make_customer(martin)
    for _ in range(4):
        make_invoice(one, to_remind=True)
    gone = make_invoice(other, to_remind=True)
    gone.delete()
    make_invoice(make_customer(empty))
    assert TaggedCount.objects.filter(company_id=durand.pk).count() == 4
    assert tagged_counts(company_ids=[durand.pk, martin.pk, empty.pk]) == {
        durand.pk: 4,
        martin.pk: 0,
        empty.pk: 0,
    }
    rows = sorted(TaggedCount.objects.values_list("company_id", "n"))
    assert rows == [(durand.pk, 4), (martin.pk, 0)]
    make_invoice(one, to_remind=True)
    assert tagged_counts(company_ids=[durand.pk]) == {durand.pk: 5}
    assert list(TaggedCount.objects.filter(company_id=durand.pk).values_list("n")) == [
        (5,)
    ]


@pytest.mark.django_db
def test_the_daily_job_records_the_number_kept_and_a_full_run_counts_it_again():
    company = make_company()
    make_steps(company)  # step 1: three days after the due date
    customer = make_customer(company)
    for day in (1, 2, 20):
        make_invoice(customer, due_date=date(2026, 1, day))
    [run] = daily_runs_now(now=NOW, on=date(2026, 1, 6), companies=[company])
    assert (run.full, run.tagged, run.to_remind) == (True, 2, 2)
    [run] = daily_runs_now(now=NOW, on=date(2026, 1, 23), companies=[company])
    assert (run.full, run.tagged, run.to_remind) == (False, 1, 3)
    TaggedCount.objects.create(company_id=company.pk, n=40)  # written by hand
    [run] = daily_runs_now(now=NOW, on=date(2026, 1, 24), companies=[company])
    assert (run.full, run.to_remind) == (False, 43)
    [run] = daily_runs_now(
        now=NOW, on=date(2026, 1, 24), companies=[company], full=True
    )
    assert (run.full, run.to_remind) == (True, 3)
    assert list(TaggedCount.objects.values_list("company_id", "n")) == [(company.pk, 3)]


@pytest.mark.django_db
def test_a_reset_of_every_company_forgets_the_companies_gone():
    company = make_company()
    make_invoice(make_customer(company), to_remind=True)
    TaggedCount.objects.create(company_id=company.pk + 1000, n=-3)  # a company gone
    tagged_counts_reset()
    assert list(TaggedCount.objects.values_list("company_id", "n")) == [(company.pk, 1)]


@pytest.mark.django_db
def test_a_number_below_zero_is_counted_again():
    company = make_company()
    make_invoice(make_customer(company), to_remind=True)
    TaggedCount.objects.create(company_id=company.pk, n=-5)  # a write unseen
    assert tagged_counts(company_ids=[company.pk], fold=False) == {company.pk: 1}
    assert list(TaggedCount.objects.values_list("company_id", "n")) == [(company.pk, 1)]


def _triggers() -> set[str]:
    return triggers_named(connection, "dunning_tagged")


@pytest.mark.django_db(transaction=True)
def test_triggers_a_migration_dropped_come_back_and_the_numbers_are_counted():
    made = import_module("relance.dunning.migrations.0022_tagged_count")
    company = make_company()
    customer = make_customer(company)
    TaggedCount.objects.create(company_id=company.pk + 1000, n=-1)  # a flush's
    assert triggers_ensure() is False
    assert list(TaggedCount.objects.values_list("company_id", flat=True)) == []
    with connection.schema_editor() as editor:
        made.triggers_drop(None, editor)
    assert _triggers() == set()
    make_invoice(customer, to_remind=True)  # not counted
    assert _kept(company) == {company.pk: 0}
    assert triggers_ensure() is True
    assert _triggers() == {
        "dunning_tagged_count_insert",
        "dunning_tagged_count_delete",
        "dunning_tagged_count_update",
    }
    assert _kept(company) == {company.pk: 1}
    make_invoice(customer, to_remind=True)
    assert _kept(company) == {company.pk: 2}
    if connection.vendor == "postgresql":  # 0023's, once a statement
        assert trigger_level("dunning_tagged_count_update") == "statement"


@pytest.mark.django_db(transaction=True)
def test_a_fold_while_a_writer_has_not_committed_loses_nothing():
    """PostgreSQL: the fold cannot see the writer's row, leaves it, and the
    writer's tag counts once it commits; two folds at once wait for each
    other and both answer the number."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    company = make_company()
    customer = make_customer(company)
    for _ in range(3):
        make_invoice(customer, to_remind=True)
    late = make_invoice(customer)
    answers, errors = [], []

    def fold():
        answers.append(tagged_counts(company_ids=[company.pk])[company.pk])

    def tag_late():
        Invoice.objects.filter(pk=late.pk).update(to_remind=True)

    with held_open(tag_late, errors):
        folds = [in_thread(fold, errors) for _ in range(2)]
        for each in folds:
            each.start()
        for each in folds:
            each.join(10)
    assert errors == []
    assert answers == [3, 3]
    # The writer has committed: its row counts now.
    assert tagged_counts(company_ids=[company.pk]) == {company.pk: 4}
    assert TaggedCount.objects.filter(company_id=company.pk).count() == 1
