"""The company's optional online payment link (issue 17 §4): a URL template
such as `https://pay.example/?ref={number}&amount={amount}`, filled in per
invoice on the customer's page (« Payer par carte »). Nothing is paid through
Relance. Pure: standard library only.

Only `https://` addresses; only the placeholders of PLACEHOLDERS, with no
format spec, conversion, index or attribute; each value URL-encoded."""

from decimal import Decimal
from string import Formatter
from urllib.parse import quote, urlsplit

PLACEHOLDERS = ("number", "amount", "customer")
MAX_LENGTH = 500


class PaymentUrlRefused(ValueError):
    """Why: `https`, `placeholder:<name>`, `syntax` or `length`."""


def payment_url_check(template: str) -> None:
    """Raises PaymentUrlRefused when the template cannot be used."""
    if len(template) > MAX_LENGTH:
        raise PaymentUrlRefused("length")
    parts = urlsplit(template)
    if (
        parts.scheme != "https"
        or not parts.netloc
        or any(c.isspace() for c in template)
    ):
        raise PaymentUrlRefused("https")
    if "{" in parts.netloc or "}" in parts.netloc:
        raise PaymentUrlRefused("https")
    try:
        fields = list(Formatter().parse(template))
    except ValueError:
        raise PaymentUrlRefused("syntax") from None
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise PaymentUrlRefused(f"placeholder:{name}")


def payment_url(template: str, *, number: str, amount: Decimal, customer: str) -> str:
    """The link of one invoice, or "" without a (valid) template."""
    if not template:
        return ""
    try:
        payment_url_check(template)
    except PaymentUrlRefused:
        return ""
    return template.format(
        number=quote(number, safe=""),
        amount=quote(str(amount.quantize(Decimal("0.01"))), safe=""),
        customer=quote(customer, safe=""),
    )
