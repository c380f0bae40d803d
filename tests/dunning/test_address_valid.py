"""Checking a recipient address (`messages.address_valid`): its fast path
for plain addresses says yes only where Django's validator does, and the
function says what the validator says of every address (ADR 24, amended
2026-12-04)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from relance.dunning.messages import _PLAIN_ADDRESS, address_valid

ADDRESSES = [
    "compta@client.example",
    "Compta.Client@Client.Example",
    "a.b-c_d+e@sous.domaine.fr",
    "x@y.fr",
    "a@b",  # no top-level domain
    "a@b.c",  # a one-letter top-level domain
    "a@localhost",  # the validator's allowlist
    "a@b.fr.",  # a trailing dot
    "a.@b.fr",
    ".a@b.fr",
    "a..b@b.fr",
    "a b@b.fr",
    " a@b.fr",
    "a@b.fr ",
    "a@b.fr\n",
    "a@b .fr",
    "a@-b.fr",
    "a@b-.fr",
    "a@b.-fr",
    "a@b.fr-",
    "a@b..fr",
    "a@@b.fr",
    "a@b@c.fr",
    "@b.fr",
    "a@",
    "",
    "pas une adresse",
    '"quoted local"@b.fr',
    '"a\\"b"@b.fr',
    "élodie@b.fr",
    "a@élan.fr",  # IDN
    "a@xn--lan-bma.fr",  # its punycode
    "a@b.xn--p1ai",  # a punycode top-level domain
    "a@b.рф",
    "a@[127.0.0.1]",
    "a@[IPv6:::1]",
    "a@[300.1.1.1]",
    "a@123.fr",
    "a@b.123",
    "a@1.2.3.4",
    "o'brien@b.fr",
    "a!#$%&*/=?^`{|}~@b.fr",
    "a@b_c.fr",
    "a@K.fr",  # the Kelvin sign, which a case-blind pattern takes for k
    "a" * 64 + "@b.fr",
    "a" * 300 + "@b.fr",
    "a" * 316 + "@b.fr",  # 321 characters: too long
    "a@" + "b" * 63 + ".fr",
    "a@" + "b" * 64 + ".fr",  # a label of 64 characters
    "a@b." + "c" * 63,
    "a@b." + "c" * 64,
    "a@" + ".".join(["b" * 60] * 5) + ".fr",
]


def _validator_says(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_address_is_valid_as_django_says(address):
    assert address_valid(address) == _validator_says(address)


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_fast_path_says_yes_only_where_the_validator_does(address):
    if _PLAIN_ADDRESS.fullmatch(address) and len(address) <= 320:
        assert _validator_says(address)


def test_the_fast_path_takes_the_plain_addresses():
    for address in [*ADDRESSES[:4], "a@123.fr", "a@" + "b" * 63 + ".fr"]:
        assert _PLAIN_ADDRESS.fullmatch(address), address
    for address in ["a@b", "a@b.fr.", "a@élan.fr", '"q"@b.fr', "a@[127.0.0.1]"]:
        assert not _PLAIN_ADDRESS.fullmatch(address), address
