"""Who changed what (issue 18 §6): `core.changes.change_record` keeps only
the fields that changed, JSON-safe, with who; nothing when nothing changed."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import time_machine

from relance.core.changes import change_record, changes_only, json_safe
from relance.core.models import ApiToken, ChangeRecord
from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db


def test_values_are_kept_as_json_dates_in_iso_and_amounts_as_text():
    user = make_user(full_name="Marie Dupont")
    assert json_safe(
        {
            "on": date(2026, 7, 14),
            "at": time(8, 30),
            "rate": Decimal("12.50"),
            "owner": user,
            "ids": (1, 2),
            "on_off": True,
            "none": None,
        }
    ) == {
        "on": "2026-07-14",
        "at": "08:30:00",
        "rate": "12.50",
        "owner": "Marie Dupont",
        "ids": [1, 2],
        "on_off": True,
        "none": None,
    }


def test_only_the_fields_that_changed_are_kept_equal_amounts_and_empty_texts_are_not():
    before = {"language": "fr", "rate": Decimal("10"), "phone": None, "email": "a@x.fr"}
    after = {"language": "en", "rate": Decimal("10.00"), "phone": "", "email": "a@x.fr"}
    assert changes_only(before, after) == ({"language": "fr"}, {"language": "en"})
    assert changes_only({}, {"name": "Relance 5"}) == ({}, {"name": "Relance 5"})
    assert changes_only({"name": "Relance 5"}, {}) == ({"name": "Relance 5"}, {})


@time_machine.travel(datetime(2026, 3, 2, 9, 15, tzinfo=UTC), tick=False)
def test_a_change_by_a_user_is_recorded_with_who_when_and_the_changed_fields_only():
    company = make_company()
    user = make_user(company, full_name="Marie Dupont")
    record = change_record(
        company=company,
        by=user,
        kind="customer",
        subject_id=12,
        subject_label="Garage Dupuis",
        customer=12,
        before={"language": "fr", "email": "a@x.fr"},
        after={"language": "en", "email": "a@x.fr"},
    )
    stored = ChangeRecord.objects.get()
    assert stored == record
    assert (stored.company, stored.user, stored.by_name, stored.origin) == (
        company,
        user,
        "Marie Dupont",
        "user",
    )
    assert stored.at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert (stored.kind, stored.subject_id, stored.subject_label) == (
        "customer",
        12,
        "Garage Dupuis",
    )
    assert stored.customer_id == 12
    assert (stored.before, stored.after) == ({"language": "fr"}, {"language": "en"})


def test_nothing_is_recorded_when_nothing_changed():
    company = make_company()
    assert (
        change_record(
            company=company,
            by=None,
            kind="company",
            subject_id=company.pk,
            subject_label=company.name,
            before={"min_gap_days": 5},
            after={"min_gap_days": 5},
        )
        is None
    )
    assert not ChangeRecord.objects.exists()


def test_the_api_token_keeps_its_creator_and_its_name_and_the_system_has_no_user():
    company = make_company()
    creator = make_user(company, full_name="Paul Martin")
    token = ApiToken.objects.create(
        company=company,
        name="ERP",
        prefix="rl_abc",
        digest="d" * 64,
        created_by=creator,
    )
    by_api = change_record(
        company=company,
        by=token,
        kind="step",
        subject_id=1,
        subject_label="Relance 1",
        before={"days": 3},
        after={"days": 5},
    )
    by_system = change_record(
        company=company.pk,
        by=None,
        kind="step",
        subject_id=1,
        subject_label="Relance 1",
        before={"days": 5},
        after={"days": 7},
    )
    assert (by_api.user, by_api.by_name, by_api.origin) == (creator, "ERP", "api")
    assert (by_system.user, by_system.by_name, by_system.origin) == (
        None,
        "",
        "system",
    )


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown change kind"):
        change_record(
            company=make_company(),
            by=None,
            kind="invoice",
            subject_id=1,
            subject_label="FC1",
            before={"a": 1},
            after={"a": 2},
        )
