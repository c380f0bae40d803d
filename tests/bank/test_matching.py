"""bank/matching.py: each rule, each suggestion, each non-match, and why."""

from decimal import Decimal as D

from relance.bank.matching import (
    Credit,
    OpenInvoice,
    Reason,
    book_make,
    credit_match,
    credits_match,
    name_key,
    rf_reference,
)

DUPONT, MARTIN, LEA = 1, 2, 3
CUSTOMERS = {DUPONT: "SARL Dupont Bâtiment", MARTIN: "Martin Électricité", LEA: "Léa"}


def book(ibans=None):
    return book_make(
        [
            OpenInvoice(11, "FC22120054", DUPONT, D("1200.00")),
            OpenInvoice(12, "FC22120055", DUPONT, D("350.00")),
            OpenInvoice(21, "F-2026/060", MARTIN, D("480.00")),
            OpenInvoice(22, "F-2026/061", MARTIN, D("520.00")),
            OpenInvoice(23, "F-2026/062", MARTIN, D("230.00")),
            OpenInvoice(31, "2026077", LEA, D("99.90")),
        ],
        CUSTOMERS,
        ibans or {},
    )


def credit(amount, label="", **fields):
    return Credit(key="k", amount=D(amount), label=label, **fields)


def test_a_number_in_the_label_and_the_whole_amount_due_is_matched():
    outcome = credit_match(credit("1200.00", "VIR FACTURE FC22120054 MERCI"), book())
    assert (outcome.reason, outcome.allocations) == (
        Reason.NUMBER,
        ((11, D("1200.00")),),
    )
    assert outcome.matched and outcome.customer_id == DUPONT


def test_a_number_cut_across_two_lines_of_the_label_is_found():
    outcome = credit_match(credit("1200.00", "REGLEMENT FC2212 0054 CHANTIER"), book())
    assert outcome.reason == Reason.NUMBER


def test_a_number_written_with_other_separators_is_found():
    outcome = credit_match(credit("480.00", "Fact. f 2026-060 tableau"), book())
    assert outcome.allocations == ((21, D("480.00")),)


def test_less_than_what_is_due_is_a_partial_payment():
    outcome = credit_match(credit("500.00", "ACOMPTE FC22120054"), book())
    assert (outcome.reason, outcome.allocations) == (
        Reason.NUMBER_PARTIAL,
        ((11, D("500.00")),),
    )
    assert outcome.matched


def test_a_structured_creditor_reference_names_the_invoice():
    assert rf_reference("RF18 FC22 1200 55") == "FC22120055"
    assert rf_reference("RF19FC22120055") is None  # wrong check digits
    outcome = credit_match(credit("350.00", reference="RF18FC22120055"), book())
    assert (outcome.reason, outcome.allocations) == (
        Reason.NUMBER,
        ((12, D("350.00")),),
    )


def test_more_than_what_is_due_is_only_a_suggestion_of_what_is_due():
    outcome = credit_match(credit("400.00", "FC22120055"), book())
    assert (outcome.reason, outcome.allocations) == (
        Reason.OVERPAID,
        ((12, D("350.00")),),
    )
    assert outcome.suggested


def test_two_numbers_whose_dues_add_up_are_both_paid():
    outcome = credit_match(credit("1550.00", "FC22120054 ET FC22120055"), book())
    assert outcome.reason == Reason.NUMBERS
    assert outcome.allocations == ((11, D("1200.00")), (12, D("350.00")))


def test_two_numbers_whose_dues_do_not_add_up_are_a_suggestion_in_their_order():
    outcome = credit_match(credit("1300.00", "FC22120054/FC22120055"), book())
    assert outcome.reason == Reason.NUMBERS_PARTIAL
    assert outcome.allocations == ((11, D("1200.00")), (12, D("100.00")))


def test_a_number_of_digits_only_is_never_pieced_together_from_a_date():
    outcome = credit_match(credit("12.00", "CARTE 20/26 077"), book())
    assert outcome.reason == Reason.NOTHING
    assert credit_match(credit("99.90", "FACTURE 2026077"), book()).reason == (
        Reason.NUMBER
    )


def test_a_known_iban_and_the_amount_of_one_of_its_invoices_is_matched():
    outcome = credit_match(
        credit("350.00", "VIREMENT", payer_iban="FR7610107001011234567890129"),
        book({"FR7610107001011234567890129": DUPONT}),
    )
    assert (outcome.reason, outcome.allocations) == (
        Reason.CUSTOMER_AMOUNT,
        ((12, D("350.00")),),
    )


def test_the_customers_name_without_its_legal_form_and_accents_is_known():
    assert (
        name_key("SARL DUPONT BÂTIMENT")
        == name_key("Dupont Batiment")
        == ("DUPONT BATIMENT")
    )
    outcome = credit_match(
        credit("1200.00", "PAIEMENT", payer_name="DUPONT BATIMENT SARL"), book()
    )
    assert outcome.reason == Reason.CUSTOMER_AMOUNT


def test_the_sum_of_all_a_customers_open_invoices_pays_each():
    outcome = credit_match(
        credit("1230.00", "REGLEMENT NOVEMBRE", payer_name="MARTIN ELECTRICITE"), book()
    )
    assert outcome.reason == Reason.CUSTOMER_TOTAL
    assert outcome.allocations == (
        (21, D("480.00")),
        (22, D("520.00")),
        (23, D("230.00")),
    )


def test_the_sum_of_some_of_a_customers_invoices_is_a_suggestion():
    outcome = credit_match(
        credit("1000.00", "REGLEMENT", payer_name="Martin Electricite"), book()
    )
    assert outcome.reason == Reason.SOME_INVOICES
    assert outcome.allocations == ((21, D("480.00")), (22, D("520.00")))


def test_two_invoices_of_the_same_amount_make_a_suggestion_of_the_first():
    twins = book_make(
        [
            OpenInvoice(1, "A-1", DUPONT, D("100.00")),
            OpenInvoice(2, "A-2", DUPONT, D("100.00")),
        ],
        CUSTOMERS,
        {},
    )
    outcome = credit_match(credit("100.00", payer_name="Dupont Bâtiment"), twins)
    assert (outcome.reason, outcome.allocations) == (
        Reason.SAME_AMOUNTS,
        ((1, D("100.00")),),
    )


def test_a_name_close_to_a_customers_and_one_of_their_amounts_is_a_suggestion():
    outcome = credit_match(credit("230.00", payer_name="MARTIN ELEC"), book())
    assert (outcome.reason, outcome.allocations, outcome.customer_id) == (
        Reason.CLOSE_NAME,
        ((23, D("230.00")),),
        MARTIN,
    )


def test_the_amount_of_one_invoice_of_anyone_is_a_suggestion():
    outcome = credit_match(credit("99.90", "VIREMENT", payer_name="M. INCONNU"), book())
    assert (outcome.reason, outcome.allocations) == (
        Reason.AMOUNT_ONLY,
        ((31, D("99.90")),),
    )


def test_an_amount_of_nobodys_invoice_from_nobody_known_is_unmatched():
    outcome = credit_match(
        credit("249.90", "LOYER", payer_name="SCI LES TILLEULS"), book()
    )
    assert (outcome.reason, outcome.allocations) == (Reason.NOTHING, ())
    assert not outcome.matched and not outcome.suggested


def test_a_known_payer_with_no_invoice_of_that_amount_is_unmatched():
    outcome = credit_match(credit("7.00", payer_name="Dupont Batiment"), book())
    assert outcome.reason == Reason.NOTHING


def test_a_match_lowers_what_is_due_for_the_next_credits_and_teaches_the_iban():
    shared = book()
    iban = "FR7610107001011234567890129"
    first, second, third = credits_match(
        [
            Credit("a", D("1200.00"), "FC22120054", payer_iban=iban),
            Credit("b", D("1200.00"), "FC22120054 ENCORE"),
            Credit("c", D("350.00"), "VIREMENT", payer_iban=iban),
        ],
        shared,
    )
    assert first.reason == Reason.NUMBER
    assert second.reason == Reason.NOTHING  # already paid: no suggestion either
    assert (third.reason, third.allocations) == (
        Reason.CUSTOMER_AMOUNT,
        ((12, D("350.00")),),
    )
    assert shared.due[11] == 0 and shared.due[12] == 0
