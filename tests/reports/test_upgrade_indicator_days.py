"""Migration reports 0004 on an installed database: the indicators'
snapshot kept (one a company and currency) stays, and the same company can
then keep one for another day, never two for one day."""

from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, transaction

from tests.migrations import leaves, migrate


@pytest.mark.django_db(transaction=True)
def test_today_s_snapshot_is_kept_and_other_days_can_be_kept_beside_it():
    old = migrate(
        [
            (app, "0003_indicator_snapshot" if app == "reports" else leaf)
            for app, leaf in leaves()
        ]
    )
    company = old.get_model("core", "Company").objects.create(name="Durand")
    old.get_model("reports", "IndicatorSnapshot").objects.create(
        company_id=company.pk,
        currency="EUR",
        on=date(2026, 3, 31),
        computed_at=datetime(2026, 3, 31, 8, tzinfo=UTC),
        figures={"on": "2026-03-31"},
        answer='{"date": "2026-03-31"}',
    )

    new = migrate(leaves())
    Snapshot = new.get_model("reports", "IndicatorSnapshot")
    kept = Snapshot.objects.get()
    assert (kept.company_id, kept.on, kept.figures) == (
        company.pk,
        date(2026, 3, 31),
        {"on": "2026-03-31"},
    )
    values = {
        "company_id": company.pk,
        "currency": "EUR",
        "computed_at": datetime(2026, 3, 31, 9, tzinfo=UTC),
        "figures": {},
        "answer": "{}",
    }
    Snapshot.objects.create(on=date(2026, 2, 28), **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Snapshot.objects.create(on=date(2026, 3, 31), **values)
    assert Snapshot.objects.count() == 2
