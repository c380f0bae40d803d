"""Published worked examples, reproduced to the cent on the rates Relance
ships (law/migrations/0002), through `relance penalties`."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import make_company, make_customer, make_invoice, pay

pytestmark = pytest.mark.django_db


def penalties(number: str, on: str) -> dict:
    out = StringIO()
    call_command("penalties", number, "--date", on, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_les_echos_publishing_15000_at_15_percent_for_30_days():
    """« Soit une facture […] d'un montant de 15 000 € TTC […] payable au plus
    tard le 15 avril 2018. Le taux des pénalités de retard mentionné sur la
    facture est de 15 %. Le client ne règle sa facture que le 15 mai 2018 […]
    [(15 000 € x 15 %) x (30 / 365)] = 184,93 €. » — Les Echos Publishing,
    « Le point sur les pénalités de retard », 23 February 2018,
    https://www.2m-consulting.fr/infosnet/le-point-sur-les-penalites-de-retard/
    infosnet/le-point-sur-les-penalites-de-retard/5030/chap4.html"""
    customer = make_customer(make_company(), agreed_penalty_rate=Decimal("15"))
    invoice = make_invoice(
        customer,
        number="F-2018-02",
        issue_date=date(2018, 2, 15),
        due_date=date(2018, 4, 15),
        total=Decimal("15000.00"),
    )
    pay(invoice, on=date(2018, 5, 15), amount="15000.00")
    result = penalties("F-2018-02", "2018-06-30")
    assert (result["days_late"], result["penalties"], result["indemnity"]) == (
        30,
        "184.93",
        "40.00",
    )
    assert result["periods"] == [
        {
            "start": "2018-04-16",
            "end": "2018-05-15",
            "days": 30,
            "base": "15000.00",
            "rate": "15.00",
        }
    ]


def test_opteos_1000_ten_days_late_at_the_rate_of_the_first_half_of_2024():
    """« Exemple pour une facture de 1 000 € TTC à payer avec 10 jours de
    retard : Intérêts = (1 000 x 14.5%) x (10/365) + 40€ d'indemnité
    forfaitaire = 43,97 € » — Opteos documentation, « Indemnités de retard »,
    https://documentation.opteos.fr/wiki/Indemnit%C3%A9s_de_retard. 14,5 % is
    the ECB rate in force on 1 January 2024 (4,50 %) + 10 points."""
    make_invoice(
        make_customer(make_company()),
        number="F-2024-01",
        issue_date=date(2024, 2, 1),
        due_date=date(2024, 3, 1),
        total=Decimal("1000.00"),
    )
    result = penalties("F-2024-01", "2024-03-11")
    assert result["periods"][0]["rate"] == "14.50"
    assert (result["penalties"], result["indemnity"]) == ("3.97", "40.00")
    assert Decimal(result["penalties"]) + Decimal(result["indemnity"]) == Decimal(
        "43.97"
    )


def test_1000_for_30_days_at_13_15_is_10_81_not_the_published_10_82():
    """Heropay (https://www.heropay.eu/blog/taux-penalite-facture) publishes
    « 1 000 € TTC, 30 jours de retard à 13,15 % = 10,82 € »: 1 000 × 13,15 %
    × 30 / 365 = 10,808… is 10,81 €. 13,15 % is the ECB rate in force on
    1 January 2025 (3,15 %) + 10 points."""
    make_invoice(
        make_customer(make_company()),
        number="F-2025-01",
        issue_date=date(2025, 1, 1),
        due_date=date(2025, 1, 31),
        total=Decimal("1000.00"),
    )
    assert penalties("F-2025-01", "2025-03-02")["penalties"] == "10.81"


def test_a_delay_across_30_june_2026_takes_each_half_years_rate():
    """ECB rate on 1 January 2026: 2,15 % → 12,15 %; on 1 July 2026, after the
    rise of 17 June: 2,40 % → 12,40 %. 10 000 € due 1 May 2026, on
    1 September: 60 days at 12,15 % (199,726…) + 63 days at 12,40 %
    (214,027…) = 413,753…, rounded once: 413,75 € (rounding each period first
    would give 413,76 €)."""
    make_invoice(
        make_customer(make_company()),
        number="F-2026-05",
        issue_date=date(2026, 4, 1),
        due_date=date(2026, 5, 1),
        total=Decimal("10000.00"),
    )
    result = penalties("F-2026-05", "2026-09-01")
    assert [(p["days"], p["rate"]) for p in result["periods"]] == [
        (60, "12.15"),
        (63, "12.40"),
    ]
    assert (result["penalties"], result["total"]) == ("413.75", "10453.75")
