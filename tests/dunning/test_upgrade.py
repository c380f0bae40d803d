"""Issue 12 §1 on an installed database: the grouping each company chose is
kept, the steps named as formal notices are marked so, and default templates
nobody edited become the ones that are true of every invoice they list."""

from importlib import import_module

import pytest
from django.apps import apps

from relance.dunning.models import DunningStep
from relance.dunning.services.steps import steps_create_defaults
from tests.factories import make_company
from tests.migrations import leaves, migrate


@pytest.mark.django_db(transaction=True)
def test_each_company_keeps_its_grouping_through_the_upgrade():
    old = migrate([("core", "0004_grouping_per_step")])
    Company = old.get_model("core", "Company")
    per_customer = Company.objects.create(name="A", group_per_customer=True)
    per_invoice = Company.objects.create(name="B", group_per_customer=False)
    new = migrate(leaves())
    Company = new.get_model("core", "Company")
    assert Company.objects.get(pk=per_customer.pk).grouping == "step"
    assert Company.objects.get(pk=per_invoice.pk).grouping == "invoice"


@pytest.mark.django_db
def test_untouched_default_templates_become_true_and_edited_ones_stay():
    migration = import_module(
        "relance.dunning.migrations.0007_formal_notice_true_templates"
    )
    old_third = next(text for text in migration.TEXTS if "Nos deux précédentes" in text)
    company = make_company()
    steps = steps_create_defaults(company=company)
    DunningStep.objects.filter(pk=steps[2].pk).update(body=old_third)
    DunningStep.objects.filter(pk=steps[1].pk).update(body="Mon texte à moi")
    DunningStep.objects.filter(company=company).update(formal_notice=False)
    DunningStep.objects.filter(pk=steps[0].pk).update(name="Ultime mise en demeure")
    migration.forwards(apps, None)
    third = DunningStep.objects.get(pk=steps[2].pk)
    assert third.body == migration.TEXTS[old_third]
    assert "{% if mixed_steps %}" in third.body
    assert DunningStep.objects.get(pk=steps[1].pk).body == "Mon texte à moi"
    assert sorted(
        DunningStep.objects.filter(company=company, formal_notice=True).values_list(
            "name", flat=True
        )
    ) == ["Mise en demeure", "Ultime mise en demeure"]
