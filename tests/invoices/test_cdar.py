import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from relance.core.errors import ApplicationError
from relance.dunning.services.einvoice import einvoice_cdar_take_in
from relance.dunning.services.state import invoices_refresh
from relance.invoices.cdar import cdar_read
from relance.invoices.importing import Refused
from relance.invoices.models import EInvoiceStatusEvent, Invoice, Payment
from tests.factories import make_company, make_customer, make_invoice, make_steps

DATA = Path(__file__).parent / "data"
CASHED = (DATA / "cdar-212-encaissee.xml").read_bytes()
BUYER = (DATA / "cdar-litige-refus.xml").read_bytes()
TODAY = date(2026, 3, 10)


def test_a_212_message_gives_the_invoice_the_amount_cashed_and_its_day():
    message = cdar_read(CASHED)
    assert (message.message_id, message.issued_on) == (
        "CDV-20260306-0000417",
        date(2026, 3, 6),
    )
    [status] = message.statuses
    assert (
        status.invoice_number,
        status.code,
        status.on,
        status.amount_paid,
        status.paid_on,
        status.seller_siren,
        status.problems,
    ) == (
        "F-2026-0042",
        "212",
        date(2026, 3, 5),
        Decimal("1240.50"),
        date(2026, 3, 4),
        "732829320",
        [],
    )


def test_a_message_about_several_invoices_gives_each_its_status_and_reason():
    statuses = cdar_read(BUYER).statuses
    assert [(s.invoice_number, s.code, s.on, s.reason) for s in statuses] == [
        (
            "F-2026-0050",
            "207",
            date(2026, 3, 6),
            "QTE_ERR : Quantité facturée supérieure à la quantité livrée "
            "(12 portes au lieu de 10)",
        ),
        (
            "F-2026-0051",
            "210",
            date(2026, 3, 6),
            "DOUBLON : Facture déjà reçue sous le n° F-2026-0049",
        ),
        ("F-2026-0052", "209", date(2026, 3, 6), ""),
    ]


def test_an_xml_that_is_not_a_cdar_message_is_refused_by_name():
    with pytest.raises(ApplicationError) as refused:
        cdar_read(b"<?xml version='1.0'?><Invoice><ID>1</ID></Invoice>")
    assert refused.value.message == (
        "Ce XML n'est pas un message CDAR de cycle de vie "
        "(CrossDomainAcknowledgementAndResponse attendu, « Invoice » lu)."
    )
    with pytest.raises(ApplicationError) as refused:
        cdar_read(b"N; facture; statut\n")
    assert refused.value.message == "Ce fichier n'est pas un XML lisible."


@pytest.mark.django_db
class TestTakingIn:
    @pytest.fixture
    def company(self):
        company = make_company(siren="732829320")
        make_steps(company)
        customer = make_customer(company, name="Bâtiments Léon")
        for number in ("F-2026-0042", "F-2026-0050", "F-2026-0051", "F-2026-0052"):
            make_invoice(customer, number=number, total=Decimal("1440.00"))
        invoices_refresh(company=company, today=TODAY)
        return company

    def invoice(self, number):
        return Invoice.objects.get(number=number)

    def test_a_212_file_records_the_payment_cashed(self, company):
        einvoice_cdar_take_in(company=company, content=CASHED, today=TODAY)
        invoice = self.invoice("F-2026-0042")
        payment = Payment.objects.get(invoice=invoice)
        assert (payment.amount, payment.date, payment.reference) == (
            Decimal("1240.50"),
            date(2026, 3, 4),
            "CDAR CDV-20260306-0000417",
        )
        assert (invoice.amount_due, invoice.einvoice_status, invoice.to_remind) == (
            Decimal("199.50"),
            "212",
            False,
        )
        event = EInvoiceStatusEvent.objects.get(invoice=invoice)
        assert (event.source, event.status_on, event.message_id) == (
            "cdar",
            date(2026, 3, 5),
            "CDV-20260306-0000417",
        )

    def test_the_same_file_twice_records_nothing_the_second_time(self, company):
        einvoice_cdar_take_in(company=company, content=BUYER, today=TODAY)
        _message, again = einvoice_cdar_take_in(
            company=company, content=BUYER, today=TODAY
        )
        assert (len(again.events), again.known, again.paused) == (0, 3, [])
        assert EInvoiceStatusEvent.objects.count() == 3

    def test_the_buyers_statuses_pause_stop_and_leave_the_last_to_remind(self, company):
        einvoice_cdar_take_in(company=company, content=BUYER, today=TODAY)
        disputed, refused, completed = (
            self.invoice(n) for n in ("F-2026-0050", "F-2026-0051", "F-2026-0052")
        )
        assert (disputed.pause_kind, disputed.pause_reason[:24]) == (
            "dispute",
            "207 « En litige » : QTE_",
        )
        assert (refused.einvoice_status, refused.to_remind) == ("210", False)
        assert (completed.einvoice_status, completed.to_remind) == ("209", True)

    def test_an_unknown_invoice_or_another_sellers_refuses_the_whole_file(
        self, company
    ):
        Invoice.objects.filter(number="F-2026-0051").update(number="F-2026-9999")
        company.siren = "552100554"
        company.save()
        with pytest.raises(Refused) as refused:
            einvoice_cdar_take_in(company=company, content=BUYER, today=TODAY)
        assert [e.as_dict() for e in refused.value.report.errors] == [
            {
                "line": 2,
                "column": "IssuerAssignedID",
                "message": "facture « F-2026-0051 » inconnue",
            }
        ]
        with pytest.raises(Refused) as refused:
            einvoice_cdar_take_in(company=company, content=CASHED, today=TODAY)
        assert [e.as_dict() for e in refused.value.report.errors] == [
            {
                "line": 1,
                "column": "IssuerTradeParty",
                "message": "facture d'un autre vendeur (SIREN 732829320)",
            }
        ]
        assert not EInvoiceStatusEvent.objects.exists()
        assert not Payment.objects.exists()

    def test_another_companys_invoice_of_the_same_number_is_never_found(self, company):
        other = make_company()
        with pytest.raises(Refused) as refused:
            einvoice_cdar_take_in(company=other, content=CASHED, today=TODAY)
        assert refused.value.report.errors[0].message == (
            "facture « F-2026-0042 » inconnue"
        )
        assert not Payment.objects.exists()

    def test_a_bad_code_or_date_is_named_with_its_element(self, company):
        content = BUYER.replace(b">209<", b">299<").replace(
            b"20260306160000", b"20261306160000"
        )
        with pytest.raises(Refused) as refused:
            einvoice_cdar_take_in(company=company, content=content, today=TODAY)
        errors = [(e.line, e.column, e.message) for e in refused.value.report.errors]
        assert errors[0] == (
            1,
            "IssueDateTime",
            "date illisible « 20261306160000 » (attendu : AAAAMMJJ)",
        )
        content = BUYER.replace(b">209<", b">299<")
        with pytest.raises(Refused) as refused:
            einvoice_cdar_take_in(company=company, content=content, today=TODAY)
        assert [e.as_dict() for e in refused.value.report.errors] == [
            {
                "line": 3,
                "column": "ProcessConditionCode",
                "message": "statut « 299 » inconnu : un code de 200 à 213 est attendu",
            }
        ]

    def run(self, *args):
        out = StringIO()
        try:
            call_command("import", "einvoice-status", *args, stdout=out)
            code = 0
        except SystemExit as exit_:
            code = exit_.code
        return out.getvalue(), code

    def test_the_command_says_what_each_status_did(self, company, tmp_path):
        path = tmp_path / "cdar.xml"
        path.write_bytes(CASHED)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                "relance.cli.management.commands.import.company_today",
                lambda company: TODAY,
            )
            out, code = self.run(str(path), "--json")
            again, _code = self.run(str(path))
        assert code == 0
        assert json.loads(out) == {
            "message_id": "CDV-20260306-0000417",
            "statuses": 1,
            "recorded": 1,
            "known": 0,
            "payments": [
                {"invoice": "F-2026-0042", "amount": "1240.50", "date": "2026-03-04"}
            ],
            "paused": 0,
            "lifted": 0,
            "dry_run": False,
            "errors": [],
        }
        assert again == (
            "Message CDV-20260306-0000417 : 0 statut(s) enregistré(s), "
            "1 déjà reçu(s), 0 facture(s) mise(s) en pause, 0 pause(s) levée(s).\n"
        )

    def test_the_command_lists_the_problems_and_exits_1(self, company, tmp_path):
        path = tmp_path / "cdar.xml"
        path.write_bytes(BUYER.replace(b"F-2026-0052", b"F-2026-0404"))
        out, code = self.run(str(path))
        assert code == 1
        assert out == (
            "Statut n° 3, « IssuerAssignedID » : facture « F-2026-0404 » inconnue\n"
            "1 erreur(s) : rien n'a été enregistré.\n"
        )
