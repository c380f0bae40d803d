"""Checks for French company numbers and bank identifiers (pure functions)."""

import re

BIC_RE = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siren_valid(value: str) -> bool:
    return len(value) == 9 and value.isdigit() and luhn_valid(value)


def siret_valid(value: str) -> bool:
    if len(value) != 14 or not value.isdigit():
        return False
    # La Poste's establishments follow their own rule (sum of digits % 5).
    if value.startswith("356000000"):
        return sum(int(c) for c in value) % 5 == 0
    return luhn_valid(value)


def compact(value: str) -> str:
    return re.sub(r"[\s.-]", "", value or "").upper()


def iban_valid(value: str) -> bool:
    iban = compact(value)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def iban_display(value: str) -> str:
    """FR7630006000011234567890189 → FR76 3000 6000 0112 3456 7890 189."""
    iban = compact(value)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def bic_valid(value: str) -> bool:
    return bool(BIC_RE.match(compact(value)))


def vat_number_from_siren(siren: str) -> str:
    """The intra-community VAT number the tax office gives a French company
    (FR, a two-digit key, its SIREN); "" for what is not a SIREN."""
    siren = compact(siren)
    if not siren_valid(siren):
        return ""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
