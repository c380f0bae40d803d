"""French first, English second: the English catalogue is complete and compiled."""

from pathlib import Path

import polib
import pytest
from django.test import Client

from tests.factories import make_company, make_steps, make_user

LOCALE = Path(__file__).resolve().parents[2] / "src/relance/locale/en/LC_MESSAGES"


def test_every_french_string_has_an_english_translation():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    missing = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    assert missing == []
    assert catalogue.fuzzy_entries() == []


def test_the_compiled_catalogue_matches_the_source():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    source = {e.msgid: e.msgstr for e in catalogue if e.msgstr and not e.obsolete}
    compiled = {
        e.msgid: e.msgstr for e in polib.mofile(str(LOCALE / "django.mo")) if e.msgstr
    }
    assert compiled == source


@pytest.mark.django_db
def test_a_user_who_chose_english_gets_english_pages_and_amounts():
    company = make_company(name="Durand")
    make_steps(company)
    user = make_user(company, language="en")
    client = Client()
    client.force_login(user)
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Customer invoices" in html and "Factures clients" not in html
    assert "€0.00" in html


@pytest.mark.django_db
def test_the_language_menu_switches_and_remembers():
    company = make_company()
    user = make_user(company)
    client = Client()
    client.force_login(user)
    assert "Factures clients" in client.get("/").content.decode()
    client.post("/langue/", {"language": "en"})
    user.refresh_from_db()
    assert user.language == "en"
    assert "Customer invoices" in client.get("/factures/").content.decode()
