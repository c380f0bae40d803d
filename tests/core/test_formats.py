from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from relance.core import identifiers
from relance.core.money import format_amount, format_date

NB = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.56", f"1{NB}234,56{NB}€"),
        ("0", f"0,00{NB}€"),
        ("1234567.8", f"1{NB}234{NB}567,80{NB}€"),
        ("999.995", f"1{NB}000,00{NB}€"),
        ("-40", f"-40,00{NB}€"),
    ],
)
def test_amounts_are_written_the_french_way(amount, expected):
    assert format_amount(Decimal(amount)) == expected


def test_amounts_in_english_and_other_currencies():
    assert format_amount(Decimal("1234.5"), "EUR", "en") == "€1,234.50"
    assert format_amount(Decimal("10"), "CHF") == f"10,00{NB}CHF"


def test_dates_are_written_the_french_way():
    assert format_date(date(2023, 1, 31)) == "31/01/2023"
    assert format_date(None) == ""
    assert format_date(date(2023, 1, 31), "en") == "31 Jan 2023"


def test_without_a_language_formats_follow_the_active_one():
    """A message written for an English page says 31 Jan 2023, not 31/01/2023."""
    with translation.override("en"):
        assert format_date(date(2023, 1, 31)) == "31 Jan 2023"
        assert format_amount(Decimal("1234.5")) == "€1,234.50"
        assert format_date(date(2023, 1, 31), "fr") == "31/01/2023"
    with translation.override("fr"):
        assert format_date(date(2023, 1, 31)) == "31/01/2023"
        assert format_amount(Decimal("1234.5")) == f"1{NB}234,50{NB}€"


@pytest.mark.parametrize(
    ("check", "value", "valid"),
    [
        (identifiers.siren_valid, "732829320", True),
        (identifiers.siren_valid, "732829321", False),
        (identifiers.siren_valid, "73282932", False),
        (identifiers.siret_valid, "73282932000074", True),
        (identifiers.siret_valid, "73282932000075", False),
        (identifiers.siret_valid, "35600000000001", True),  # La Poste's own rule
        (identifiers.iban_valid, "FR76 3000 6000 0112 3456 7890 189", True),
        (identifiers.iban_valid, "FR76 3000 6000 0112 3456 7890 188", False),
        (identifiers.iban_valid, "not an iban", False),
        (identifiers.bic_valid, "AGRIFRPP", True),
        (identifiers.bic_valid, "agrifrppxxx", True),
        (identifiers.bic_valid, "AGRI", False),
    ],
)
def test_identifiers_are_checked(check, value, valid):
    assert (
        check(
            identifiers.compact(value) if check is not identifiers.iban_valid else value
        )
        is valid
    )


def test_a_siren_with_nine_digits_and_a_wrong_key_says_so():
    from django.core.exceptions import ValidationError

    from relance.core.validators import validate_siren, validate_siret

    with pytest.raises(ValidationError) as wrong_key:
        validate_siren("123456789")
    assert wrong_key.value.messages == [
        "SIREN invalide : la clé de contrôle ne correspond pas (un chiffre mal "
        "recopié ?)."
    ]
    with pytest.raises(ValidationError) as too_short:
        validate_siren("12345678")
    assert too_short.value.messages == ["SIREN invalide : 9 chiffres attendus."]
    with pytest.raises(ValidationError) as siret:
        validate_siret("7328293200007")
    assert siret.value.messages == ["SIRET invalide : 14 chiffres attendus."]
    validate_siren("732 829 320")  # a real one
    validate_siret("73282932000074")


@pytest.mark.django_db
def test_a_french_postal_code_has_five_digits():
    from relance.web.forms import CompanyForm
    from tests.factories import make_company

    company = make_company()
    form = CompanyForm(
        {"postal_code": "3500", "name": company.name, "time_zone": "Europe/Paris"},
        instance=company,
    )
    form.is_valid()
    assert form.errors["postal_code"] == ["Code postal invalide : 5 chiffres attendus."]


@pytest.mark.parametrize(
    ("language", "amount", "day", "rate"),
    [
        ("de", f"1.234,56{NB}€", "31. Januar 2026", "12,15"),
        ("es", f"1{NB}234,56{NB}€", "31 de enero de 2026", "12,15"),
        ("it", f"1.234,56{NB}€", "31 Gennaio 2026", "12,15"),
        ("nl", f"1.234,56{NB}€", "31 januari 2026", "12,15"),
    ],
)
def test_a_third_language_has_djangos_formats(language, amount, day, rate):
    from relance.core.money import format_rate

    assert format_amount(Decimal("1234.56"), "EUR", language) == amount
    assert format_amount(Decimal("-1234.56"), "EUR", language) == f"-{amount}"
    assert format_date(date(2026, 1, 31), language) == day
    assert format_rate(Decimal("12.15"), language) == rate


def test_a_third_language_gets_relances_words_in_english_and_its_own_formats():
    from django.template import Context, Template

    from relance.core.languages import written_in

    template = Template(
        '{% load i18n relance %}{% translate "Total à payer" %} '
        '{{ amount|money:"EUR" }} {{ day|day }}'
    )
    context = Context({"amount": Decimal("1234.56"), "day": date(2026, 1, 31)})
    with written_in("de"):
        assert template.render(context) == f"Total to pay 1.234,56{NB}€ 31. Januar 2026"
    with written_in("fr"):
        assert template.render(context) == f"Total à payer 1{NB}234,56{NB}€ 31/01/2026"
