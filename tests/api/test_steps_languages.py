"""`PUT /steps`: a step's text only in a language the company has added
(ADR 28), as a customer's language is."""

import pytest

from relance.dunning.models import DunningStepText

pytestmark = pytest.mark.django_db

GERMAN = {"subject": "Zahlungserinnerung", "body": "Guten Tag {{ customer.name }}"}


def test_a_text_in_a_language_the_company_has_not_added_is_refused(api, company):
    status, steps = api.call("get", "/steps")
    steps[1]["texts"] = {"de": GERMAN}
    status, body = api.call("put", "/steps", {"steps": steps})
    assert (status, body) == (
        400,
        {
            "detail": "étape 2, « texts » : Langue « allemand » non ajoutée aux "
            "langues des relances de la société (Paramètres de la société).",
            "field": "language",
        },
    )
    assert not DunningStepText.objects.filter(language="de").exists()
    steps[1]["texts"]["de"] = {"subject": "", "body": ""}  # removes it: allowed
    assert api.call("put", "/steps", {"steps": steps})[0] == 200


def test_a_text_in_an_added_language_is_saved(api, company):
    company.languages = ["fr", "en", "de"]
    company.save(update_fields=["languages"])
    status, steps = api.call("get", "/steps")
    steps[1]["texts"] = {"de": GERMAN}
    status, saved = api.call("put", "/steps", {"steps": steps})
    assert status == 200
    assert saved[1]["texts"]["de"] == GERMAN
    assert list(DunningStepText.objects.values_list("language", "subject")) == [
        ("de", "Zahlungserinnerung")
    ]
