"""The API: a customer's `plan` by name, and the company's plans."""

import pytest

from relance.dunning.models import CustomerDunning
from relance.dunning.services.plans import plan_create

pytestmark = pytest.mark.django_db


def test_the_api_lists_plans_and_sets_a_customers_plan_by_name(api, company):
    bad = plan_create(company=company, name="Mauvais payeurs")
    status, plans = api.call("get", "/plans")
    assert status == 200
    assert [(p["name"], p["is_default"]) for p in plans] == [
        ("Standard", True),
        ("Mauvais payeurs", False),
    ]
    status, customer = api.call(
        "post", "/customers", {"code": "411A", "name": "A", "plan": "mauvais payeurs"}
    )
    assert (status, customer["plan"]) == (201, "Mauvais payeurs")
    assert CustomerDunning.objects.get(customer__code="411A").plan == bad
    status, customer = api.call(
        "post", "/customers", {"code": "411A", "name": "A", "plan": ""}
    )
    assert (status, customer["plan"]) == (200, "")


def test_an_unknown_plan_is_refused_naming_the_field_and_nothing_is_saved(api, company):
    status, error = api.call(
        "post", "/customers", {"code": "411C", "name": "C", "plan": "Inconnu"}
    )
    assert status == 400
    assert error["field"] == "plan"
    assert error["detail"] == "Plan de relance inconnu : « Inconnu »."
    assert not CustomerDunning.objects.exists()
