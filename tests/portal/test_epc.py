"""The EPC QR code's text (EPC069-12), exactly."""

from decimal import Decimal

from relance.portal.epc import Transfer, epc_payload, references_joined


def transfer(**fields):
    values = {
        "name": "Bâtiments Durand",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "agrifrpp",
        "amount": Decimal("1234.5"),
        "reference": "FC22120054",
    }
    return Transfer(**{**values, **fields})


def test_the_payload_is_the_eleven_lines_of_a_sepa_credit_transfer():
    assert epc_payload(transfer()) == (
        "BCD\n002\n1\nSCT\nAGRIFRPP\nBâtiments Durand\n"
        "FR7630006000011234567890189\nEUR1234.50\n\n\nFC22120054"
    )


def test_without_a_bic_the_line_stays_empty_as_version_002_allows():
    assert epc_payload(transfer(bic="")).split("\n")[4] == ""


def test_the_name_is_cut_at_70_characters_and_the_reference_at_140():
    lines = epc_payload(transfer(name="N" * 90, reference="R" * 200)).split("\n")
    assert (len(lines[5]), len(lines[10])) == (70, 140)


def test_line_breaks_in_a_name_cannot_shift_the_fields():
    lines = epc_payload(transfer(name="Durand\nSARL", reference="A\r\nB")).split("\n")
    assert (len(lines), lines[5], lines[10]) == (11, "Durand SARL", "A B")


def test_no_payload_without_an_iban_or_for_an_amount_out_of_bounds():
    assert epc_payload(transfer(iban="")) is None
    assert epc_payload(transfer(amount=Decimal("0"))) is None
    assert epc_payload(transfer(amount=Decimal("1000000000.00"))) is None
    assert epc_payload(transfer(amount=Decimal("0.01"))).split("\n")[7] == "EUR0.01"


def test_the_total_reference_keeps_the_whole_numbers_that_fit():
    assert references_joined(["FC1", "FC2", "FC3"]) == "FC1 FC2 FC3"
    assert references_joined(["A" * 70, "B" * 69, "C"]) == "A" * 70 + " " + "B" * 69
