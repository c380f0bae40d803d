from datetime import date
from decimal import Decimal

import pytest

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
