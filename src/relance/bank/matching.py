"""Which open invoices a bank credit paid, and why. Pure: standard library only.

A credit is matched (its payments recorded) when, in this order:
1. its label or structured reference (RF…) holds the number of one open
   invoice and the amount is at most what remains due (partial payments are
   partial); several numbers whose dues add up to the amount are each paid;
2. it names no invoice, its payer is a known customer (an IBAN seen on an
   earlier matched payment, or the customer's name) and the amount is the
   amount due of exactly one of that customer's open invoices;
3. its payer is a known customer and the amount is the sum of all their open
   invoices: each is paid.
What else is plausible is a suggestion a user confirms or rejects; the rest
is unmatched. Every outcome carries its reason.

Everything is looked up in dictionaries built once: matching 10,000 credits
against 100,000 invoices is a matter of a second (bench/bank_matching.py).
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher
from enum import StrEnum
from itertools import combinations
from typing import NamedTuple


class Reason(StrEnum):
    # Matched
    NUMBER = "number"  # rule 1: the invoice's number in the label
    NUMBER_PARTIAL = "number_partial"  # rule 1, less than what is due
    NUMBERS = "numbers"  # rule 1: several numbers, their dues add up
    CUSTOMER_AMOUNT = "customer_amount"  # rule 2
    CUSTOMER_TOTAL = "customer_total"  # rule 3
    # Suggested
    OVERPAID = "overpaid"  # a number, but more than what is due
    NUMBERS_PARTIAL = "numbers_partial"  # several numbers, their dues do not add up
    SAME_AMOUNTS = "same_amounts"  # a known customer, several invoices of that amount
    SOME_INVOICES = "some_invoices"  # a known customer, the sum of some invoices
    CLOSE_NAME = "close_name"  # a name close to a customer's, and an amount of theirs
    AMOUNT_ONLY = "amount_only"  # the amount of one invoice, of whoever
    # Unmatched
    NOTHING = "nothing"


MATCHED = frozenset(
    {
        Reason.NUMBER,
        Reason.NUMBER_PARTIAL,
        Reason.NUMBERS,
        Reason.CUSTOMER_AMOUNT,
        Reason.CUSTOMER_TOTAL,
    }
)
SUBSET_LIMIT = 10  # open invoices of a customer tried as sums of some of them
CLOSE_RATIO = 0.8  # how alike two names must be to suggest
NAME_WORDS = 5  # words of a customer's name looked for in a label
PREFIX = 4  # a name's words are indexed by their first letters
BUCKET_LIMIT = 50  # customers sharing a word's start, beyond which it says nothing


@dataclass(frozen=True)
class Credit:
    key: str
    amount: Decimal
    label: str = ""
    reference: str = ""
    payer_name: str = ""
    payer_iban: str = ""


class OpenInvoice(NamedTuple):  # a tuple: 100,000 of them are made at once
    id: int
    number: str
    customer_id: int
    amount_due: Decimal


@dataclass(frozen=True)
class Outcome:
    """What one credit paid: (invoice id, amount) pairs, and why."""

    key: str
    reason: Reason
    allocations: tuple[tuple[int, Decimal], ...] = ()
    customer_id: int | None = None  # the payer, when known or guessed

    @property
    def matched(self) -> bool:
        return self.reason in MATCHED

    @property
    def suggested(self) -> bool:
        return not self.matched and self.reason != Reason.NOTHING


@dataclass
class Book:
    """The company's open invoices, customers and learned IBANs, indexed."""

    invoices: dict[int, OpenInvoice]
    by_number: dict[str, int]
    by_customer: dict[int, list[int]]
    by_amount: dict[Decimal, list[int]]
    names: dict[str, int]  # a customer's name, normalised → customer (unique ones)
    customer_names: dict[int, str]
    ibans: dict[str, int]
    due: dict[int, Decimal] = field(default_factory=dict)
    name_starts: dict[str, set[int]] = field(default_factory=dict)


def book_make(
    invoices: list[OpenInvoice], customers: dict[int, str], ibans: dict[str, int]
) -> Book:
    by_number, by_customer = {}, defaultdict(list)
    by_amount, due = defaultdict(list), {}
    for invoice in invoices:  # 100,000 of them: no call that can be spared
        invoice_id, number, customer_id, amount = invoice
        if number.isascii() and number.isalnum():  # number_key's usual case
            by_number[number.upper()] = invoice_id
        else:
            by_number[number_key(number)] = invoice_id
        by_customer[customer_id].append(invoice_id)
        by_amount[amount].append(invoice_id)
        due[invoice_id] = amount
    names: dict[str, int | None] = {}
    starts: dict[str, set[int]] = defaultdict(set)
    for customer_id, name in customers.items():
        key = name_key(name)
        if key:
            names[key] = None if key in names else customer_id
            for word in key.split():
                starts[word[:PREFIX]].add(customer_id)
    return Book(
        invoices={invoice.id: invoice for invoice in invoices},
        by_number=by_number,
        by_customer=dict(by_customer),
        by_amount=dict(by_amount),
        names={k: v for k, v in names.items() if v is not None},
        customer_names=dict(customers),
        ibans=dict(ibans),
        due=due,
        name_starts=dict(starts),
    )


def credits_match(credits: list[Credit], book: Book) -> list[Outcome]:
    """Each credit's outcome, in order. A match lowers what remains due for
    the credits after it, and teaches the payer's IBAN (`book` changes)."""
    outcomes = []
    for credit in credits:
        outcome = credit_match(credit, book)
        if outcome.matched:
            for invoice_id, amount in outcome.allocations:
                book.due[invoice_id] -= amount
            if credit.payer_iban and outcome.customer_id:
                book.ibans.setdefault(credit.payer_iban, outcome.customer_id)
        outcomes.append(outcome)
    return outcomes


def credit_match(credit: Credit, book: Book) -> Outcome:
    def outcome(reason, allocations=(), customer=None) -> Outcome:
        return Outcome(credit.key, reason, tuple(allocations), customer)

    amount = credit.amount
    found = [i for i in numbers_found(credit, book) if book.due.get(i, 0) > 0]
    if found:
        customers = {book.invoices[i].customer_id for i in found}
        customer = customers.pop() if len(customers) == 1 else None
        if len(found) == 1:
            [invoice_id] = found
            due = book.due[invoice_id]
            if amount == due:
                return outcome(Reason.NUMBER, [(invoice_id, amount)], customer)
            if amount < due:
                return outcome(Reason.NUMBER_PARTIAL, [(invoice_id, amount)], customer)
            return outcome(Reason.OVERPAID, [(invoice_id, due)], customer)
        dues = [(i, book.due[i]) for i in found]
        if sum(due for _i, due in dues) == amount:
            return outcome(Reason.NUMBERS, dues, customer)
        return outcome(Reason.NUMBERS_PARTIAL, _spread(dues, amount), customer)
    customer = book.ibans.get(credit.payer_iban) if credit.payer_iban else None
    if customer is None and credit.payer_name:
        customer = book.names.get(name_key(credit.payer_name))
    if customer is None and not credit.payer_name:
        customer = _name_in_label(credit.label, book)
    if customer is not None:
        open_ids = [i for i in book.by_customer.get(customer, ()) if book.due[i] > 0]
        same = [i for i in open_ids if book.due[i] == amount]
        if len(same) == 1:
            return outcome(Reason.CUSTOMER_AMOUNT, [(same[0], amount)], customer)
        if len(open_ids) > 1 and sum(book.due[i] for i in open_ids) == amount:
            return outcome(
                Reason.CUSTOMER_TOTAL, [(i, book.due[i]) for i in open_ids], customer
            )
        if same:  # several invoices of that amount: the oldest, to confirm
            return outcome(Reason.SAME_AMOUNTS, [(min(same), amount)], customer)
        subset = _subset(open_ids, amount, book)
        if subset:
            return outcome(
                Reason.SOME_INVOICES, [(i, book.due[i]) for i in subset], customer
            )
    else:
        close = _close_customer(credit.payer_name, book)
        if close is not None:
            open_ids = [i for i in book.by_customer.get(close, ()) if book.due[i] > 0]
            same = [i for i in open_ids if book.due[i] == amount]
            if same:
                return outcome(Reason.CLOSE_NAME, [(min(same), amount)], close)
            if len(open_ids) > 1 and sum(book.due[i] for i in open_ids) == amount:
                return outcome(
                    Reason.CLOSE_NAME, [(i, book.due[i]) for i in open_ids], close
                )
    same = [i for i in book.by_amount.get(amount, ()) if book.due[i] == amount]
    if len(same) == 1:
        invoice = book.invoices[same[0]]
        return outcome(Reason.AMOUNT_ONLY, [(invoice.id, amount)], invoice.customer_id)
    return outcome(Reason.NOTHING, (), customer)


def _name_in_label(label: str, book: Book) -> int | None:
    """A customer's whole name in a label that names no payer apart (OFX,
    CSV: « VIR BOULANGERIE LEA PAIEMENT »): one customer only."""
    words = name_key(label).split()
    found = set()
    for start in range(len(words)):
        for size in range(1, NAME_WORDS + 1):
            key = " ".join(words[start : start + size])
            if len(key) >= 5 and key in book.names:
                found.add(book.names[key])
    return found.pop() if len(found) == 1 else None


def _spread(dues, amount):
    """Several invoices named, the amount spread in their order."""
    allocations = []
    for invoice_id, due in dues:
        if amount <= 0:
            break
        part = min(due, amount)
        allocations.append((invoice_id, part))
        amount -= part
    return allocations


def _subset(open_ids, amount, book) -> tuple[int, ...] | None:
    """Some (two or more, not all) of a customer's invoices whose dues add up
    to the amount: the first such set, fewest invoices first. Only tried for
    a customer with few open invoices (2^10 sums at most)."""
    if not 2 < len(open_ids) <= SUBSET_LIMIT:
        return None
    ordered = sorted(open_ids)
    for size in range(2, len(ordered)):
        for subset in combinations(ordered, size):
            if sum(book.due[i] for i in subset) == amount:
                return subset
    return None


def _close_customer(name: str, book: Book) -> int | None:
    """The one customer whose name is close to the payer's (each word of one
    starts a word of the other, or the two alike at CLOSE_RATIO), if there is
    exactly one. Only customers sharing a word's start with the payer are
    compared: a few, whatever the number of customers."""
    key = name_key(name)
    if len(key) < 3:
        return None
    words = key.split()
    candidates = set()
    for word in words:
        bucket = book.name_starts.get(word[:PREFIX], ())
        if len(bucket) <= BUCKET_LIMIT:
            candidates.update(bucket)
    found = set()
    for customer_id in candidates:
        other = name_key(book.customer_names[customer_id])
        other_words = other.split()
        if (
            _starts_words(words, other_words)
            or _starts_words(other_words, words)
            or SequenceMatcher(None, key, other).ratio() >= CLOSE_RATIO
        ):
            found.add(customer_id)
            if len(found) > 1:
                return None
    return found.pop() if found else None


def _starts_words(words: list[str], others: list[str]) -> bool:
    return all(any(o.startswith(w) for o in others) for w in words)


# Finding invoice numbers in a label

_SPLIT = re.compile(r"[\s,;:()\[\]{}'\"+*]+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_DIGIT = re.compile(r"[0-9]")
WINDOW = 3  # consecutive words tried together (« FC 2212 0054 », a cut line)


def number_key(number: str) -> str:
    """An invoice number as labels are compared with it: capitals and digits
    only (« fc-2026/12 » → FC202612)."""
    if number.isascii():
        return (
            number.upper() if number.isalnum() else _NOT_ALNUM.sub("", number.upper())
        )
    return _NOT_ALNUM.sub("", _plain(number).upper())


def numbers_found(credit: Credit, book: Book) -> list[int]:
    """The open invoices whose numbers the credit's reference or label holds,
    in the order they appear, each once."""
    found: list[int] = []
    texts = []
    if credit.reference:
        inner = rf_reference(credit.reference)
        texts.append(inner if inner is not None else credit.reference)
    texts.append(credit.label)
    for text in texts:
        if not text.isascii():
            text = _plain(text)
        words = [w for w in _SPLIT.split(text.upper()) if w]
        for start in range(len(words)):
            for size in range(1, WINDOW + 1):
                if start + size > len(words):
                    break
                for candidate in _candidates(words[start : start + size]):
                    invoice_id = book.by_number.get(candidate)
                    if invoice_id is not None and invoice_id not in found:
                        found.append(invoice_id)
    return found


def _candidates(words: list[str]) -> list[str]:
    joined = _NOT_ALNUM.sub("", "".join(words))  # words are plain capitals
    if len(joined) < 3 or not _DIGIT.search(joined):
        return []
    if joined.isdigit() and (len(words) > 1 or not words[0].isdigit()):
        # A number made of digits only is one whole word of the label: never
        # pieces of a date (« 12/2026 ») or of an amount glued together.
        return []
    candidates = [joined]
    inner = rf_reference(joined) if joined.startswith("RF") else None
    if inner:
        candidates.append(inner)
    if len(words) == 1:
        # « FACT:FC22120054 », « FC22120054/FC22120055 »
        candidates.extend(
            key
            for part in re.split(r"[/:#=]", words[0])
            if len(key := _NOT_ALNUM.sub("", part)) >= 3 and not key.isdigit()
        )
        # « FACTFC22120054 », « N°FC22120054 »
        for prefix in ("FACTURE", "FACT", "FAC", "NO", "N"):
            if joined.startswith(prefix) and len(joined) > len(prefix) + 2:
                candidates.append(joined[len(prefix) :])
    return candidates


def rf_reference(text: str) -> str | None:
    """What an ISO 11649 creditor reference (« RF18 5390 0754 7034 ») holds,
    its check digits verified; None when the text is not one."""
    compact = re.sub(r"\s+", "", text).upper()
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", compact):
        return None
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return compact[4:] if int(digits) % 97 == 1 else None


# Names

LEGAL_FORMS = {
    "SARL",
    "SAS",
    "SASU",
    "EURL",
    "SA",
    "SCI",
    "SNC",
    "SCOP",
    "SELARL",
    "EI",
    "EIRL",
    "STE",
    "SOCIETE",
    "ETS",
    "ETABLISSEMENTS",
    "M",
    "MR",
    "MME",
    "MLLE",
    "MONSIEUR",
    "MADAME",
    "ET",
    "LE",
    "LA",
    "LES",
    "DE",
    "DU",
    "DES",
    "L",
    "D",
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(name: str) -> str:
    """A name as payers' and customers' are compared: no accents, capitals,
    no legal form (« SARL Dupont Bâtiment » → DUPONT BATIMENT)."""
    words = re.split(r"[^0-9A-Z]+", _plain(name).upper())
    return " ".join(w for w in words if w and w not in LEGAL_FORMS)
