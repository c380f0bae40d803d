"""The EPC QR code's text (EPC069-12, « BCD »): a SEPA credit transfer that
a banking app fills in when it scans the code. Pure: standard library only.

Version 002, character set 1 (UTF-8), identification SCT; the BIC may be
empty in version 002; the name at most 70 characters, the amount in euros
(0.01 to 999 999 999.99), no purpose code, no structured (RF) reference and
the unstructured remittance text (the reference to write) at most 140.
"""

from dataclasses import dataclass
from decimal import Decimal

NAME_MAX = 70
REMITTANCE_MAX = 140
AMOUNT_MAX = Decimal("999999999.99")


@dataclass(frozen=True)
class Transfer:
    name: str
    iban: str
    bic: str
    amount: Decimal
    reference: str


def epc_payload(transfer: Transfer) -> str | None:
    """The text to encode, or None when no valid code can say it (no IBAN, an
    amount out of bounds)."""
    iban = "".join(transfer.iban.split()).upper()
    amount = transfer.amount.quantize(Decimal("0.01"))
    if not iban or not Decimal("0.01") <= amount <= AMOUNT_MAX:
        return None
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        "".join(transfer.bic.split()).upper(),
        _one_line(transfer.name)[:NAME_MAX],
        iban,
        f"EUR{amount}",
        "",  # purpose
        "",  # structured reference (RF…): none
        _one_line(transfer.reference)[:REMITTANCE_MAX],
    ]
    return "\n".join(lines)


def references_joined(numbers: list[str], limit: int = REMITTANCE_MAX) -> str:
    """Invoice numbers as one remittance text: as many whole numbers as fit."""
    text = ""
    for number in numbers:
        candidate = f"{text} {number}" if text else number
        if len(candidate) > limit:
            break
        text = candidate
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())
