"""The daily digest warns a company that sends automatically when its last
bank statement is older than its limit (issue 15 §3), through a real SMTP
server."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from relance.dunning.tasks import schedule_tick
from tests.factories import make_company, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)


def six_in_paris(day=TODAY):
    return datetime.combine(day, time(6, 0), ZoneInfo("Europe/Paris"))


def company_sending_automatically(**fields):
    fields.setdefault("auto_send", True)
    company = make_company(name="Durand", bank_max_age_days=3, **fields)
    make_steps(company)
    return company


def test_a_company_sending_automatically_on_an_old_statement_is_told_so_in_the_digest(
    smtp_server,
):
    company_sending_automatically(bank_statement_on=date(2026, 2, 20))

    schedule_tick(now=six_in_paris())

    [digest] = smtp_server.received
    assert digest.recipients == ["compta@durand.example"]
    message = digest.message
    assert message["Subject"] == "Relance : relevé bancaire à importer"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(("plain",)).get_content() == (
        "Bonjour,\n"
        "\n"
        "Envoi automatique des relances : le dernier relevé bancaire date du "
        "20/02/2026 (plus de 3 jours) ; des factures déjà payées pourraient être "
        "relancées.\n"
        "Importer un relevé : http://localhost:8000/banque/\n"
        "\n"
        "\n"
        "Relance\n"
    )


def test_the_old_statement_is_said_again_each_day_until_a_newer_one_comes(
    smtp_server,
):
    company = company_sending_automatically(bank_statement_on=date(2026, 2, 20))

    schedule_tick(now=six_in_paris())
    schedule_tick(now=six_in_paris(TODAY + timedelta(days=1)))
    company.bank_statement_on = date(2026, 3, 3)
    company.save()
    schedule_tick(now=six_in_paris(TODAY + timedelta(days=2)))

    assert [r.message["Subject"] for r in smtp_server.received] == [
        "Relance : relevé bancaire à importer",
        "Relance : relevé bancaire à importer",
    ]
    second = smtp_server.received[1].message.get_body(("plain",)).get_content()
    assert "le dernier relevé bancaire date du 20/02/2026 (plus de 3 jours)" in second


def test_a_statement_within_the_limit_adds_no_line_and_sends_no_digest(smtp_server):
    # 27/02 to 02/03: three days, the limit itself.
    company_sending_automatically(bank_statement_on=date(2026, 2, 27))

    schedule_tick(now=six_in_paris())

    assert smtp_server.received == []


def test_a_company_that_does_not_send_automatically_is_not_told(smtp_server):
    company_sending_automatically(auto_send=False, bank_statement_on=date(2026, 2, 20))

    schedule_tick(now=six_in_paris())

    assert smtp_server.received == []


def test_a_company_that_never_imported_a_statement_is_not_told(smtp_server):
    # It does not use the bank feature: no warning every day.
    company_sending_automatically(bank_statement_on=None)

    schedule_tick(now=six_in_paris())

    assert smtp_server.received == []


def test_the_bank_line_joins_the_other_news_of_the_digest():
    from relance.dunning.services.digest import digest_compose

    composed = digest_compose(
        problems=[],
        letters=2,
        bank_stale_on=date(2026, 2, 20),
        bank_max_age_days=3,
    )

    assert composed.subject == "Relance : 2 courrier(s) à envoyer"
    assert (
        "Envoi automatique des relances : le dernier relevé bancaire date du "
        "20/02/2026 (plus de 3 jours) ; des factures déjà payées pourraient être "
        "relancées.\n"
        "Importer un relevé : http://localhost:8000/banque/\n"
        "\n"
        "2 mises en demeure attendent d'être envoyées par courrier recommandé : "
        "http://localhost:8000/courriers/\n"
    ) in composed.text
