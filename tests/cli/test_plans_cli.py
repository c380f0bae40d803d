"""`relance steps export/import --plan`: a plan's steps from the command line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relance.dunning.models import DunningStep
from relance.dunning.services.plans import plan_create
from tests.factories import make_company, make_steps

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_plans_steps_are_exported_and_imported_by_its_name(tmp_path):
    company = make_company(name="Bâtiments Durand")
    make_steps(company)
    bad = plan_create(company=company, name="Mauvais payeurs")
    exported = json.loads(run("steps", "export", "--company", str(company.pk)))
    assert [step["name"] for step in exported["steps"]] == [
        "Relance 1",
        "Relance 2",
        "Relance 3",
        "Mise en demeure",
    ]
    exported["steps"] = exported["steps"][3:]
    path = tmp_path / "steps.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    out = run(
        "steps",
        "import",
        str(path),
        "--company",
        str(company.pk),
        "--plan",
        "MAUVAIS payeurs",
    )
    assert out == (
        "1 étape(s) de relance importée(s) pour Bâtiments Durand :\n"
        "  - Mise en demeure\n"
    )
    assert list(
        DunningStep.objects.filter(plan=bad).values_list("name", flat=True)
    ) == ["Mise en demeure"]
    assert DunningStep.objects.filter(company=company).count() == 5
    with pytest.raises(CommandError) as refused:
        run("steps", "export", "--company", str(company.pk), "--plan", "Inconnu")
    assert str(refused.value) == "Plan de relance inconnu : « Inconnu »."
