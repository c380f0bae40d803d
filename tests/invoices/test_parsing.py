from datetime import date, datetime
from decimal import Decimal

import pytest

from relance.invoices.parsing import (
    STATUSES,
    ValueRefused,
    normalize_header,
    parse_amount,
    parse_choice,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/01/2023", date(2023, 1, 31)),
        ("1/2/2023", date(2023, 2, 1)),
        ("31.01.2023", date(2023, 1, 31)),
        ("31-01-2023", date(2023, 1, 31)),
        ("2023-01-31", date(2023, 1, 31)),
        (datetime(2023, 1, 31, 0, 0), date(2023, 1, 31)),
        (date(2023, 1, 31), date(2023, 1, 31)),
    ],
)
def test_dates_are_read_the_french_way_and_iso(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2023", "date impossible « 31/02/2023 »"),
        ("01/31/2023", "date impossible « 01/31/2023 »"),
        ("janvier", "date illisible « janvier » (attendu : 31/01/2023 ou 2023-01-31)"),
    ],
)
def test_bad_dates_are_refused_with_the_value(text, message):
    with pytest.raises(ValueRefused) as refused:
        parse_date(text)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56 €", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1234,5", "1234.50"),
        ("1234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1234", "1234.00"),
        ("-40,00", "-40.00"),
        ("1234.50 EUR", "1234.50"),
        (12.5, "12.50"),
        (Decimal("7"), "7.00"),
    ],
)
def test_amounts_are_read_whatever_the_separators(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["douze", "1,2,3", "1.234", "NaN", "Infinity", "", "12,345"]
)
def test_unreadable_or_ambiguous_amounts_are_refused(text):
    with pytest.raises(ValueRefused):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ouverte", "open"),
        ("PAYÉE", "paid"),
        ("annulée", "cancelled"),
        ("brouillon", "draft"),
        ("open", "open"),
    ],
)
def test_statuses_in_french_or_english(text, expected):
    assert parse_choice(text, STATUSES, "…") == expected


def test_headers_are_compared_without_case_accents_or_punctuation():
    assert normalize_header("  Date d'Échéance ") == "date_d_echeance"
    assert normalize_header("Reste dû") == "reste_du"
