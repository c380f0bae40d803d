"""Hostile CDAR files (e-invoicing statuses): an XML bomb, an external
entity, a DTD, a huge file, each refused at once with a French message,
nothing read from the disk or the network, nothing recorded."""

import time
import tracemalloc

import pytest

from relance.core.errors import ApplicationError
from relance.invoices import cdar
from relance.invoices.cdar import cdar_read

ROOT = (
    b'<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="'
    + cdar.RSM.encode()
    + b'" xmlns:ram="urn:un:unece:uncefact:data:standard:'
    b'ReusableAggregateBusinessInformationEntity:100">'
)
DTD_REFUSED = (
    "Fichier XML refusé : il déclare une DTD ou des entités, ce qu'un message "
    "CDAR ne fait jamais."
)


def refused(content: bytes) -> tuple[str, float, int]:
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ApplicationError) as error:
            cdar_read(content)
    finally:
        seconds = time.monotonic() - started
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert error.value.field == "file"
    return error.value.message, seconds, peak


def test_an_xml_bomb_is_refused_before_any_entity_is_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">'
            % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
            for n in range(1, 10)
        )
        + b"]>"
        + ROOT
        + b"<ram:ID>&lol9;</ram:ID></rsm:CrossDomainAcknowledgementAndResponse>"
    )
    message, seconds, peak = refused(bomb)
    assert message == DTD_REFUSED
    assert seconds < 2 and peak < 20 * 2**20


def test_an_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("mot de passe")
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://'
        + str(secret).encode()
        + b'">]>'
        + ROOT
        + b"<rsm:ExchangedDocument><ram:ID>&x;</ram:ID></rsm:ExchangedDocument>"
        b"</rsm:CrossDomainAcknowledgementAndResponse>"
    )
    message, _seconds, _peak = refused(xxe)
    assert message == DTD_REFUSED


def test_a_file_over_the_limit_is_refused_unread():
    huge = ROOT + b" " * cdar.MAX_BYTES
    message, seconds, _peak = refused(huge)
    assert message == "Fichier trop grand : 5 Mo au plus pour un message CDAR."
    assert seconds < 1


def test_a_message_citing_too_many_invoices_is_refused(monkeypatch):
    monkeypatch.setattr(cdar, "MAX_STATUSES", 3)
    reference = b"<ram:ReferenceReferencedDocument/>"
    content = (
        ROOT
        + b"<rsm:AcknowledgementDocument>"
        + reference * 4
        + b"</rsm:AcknowledgementDocument></rsm:CrossDomainAcknowledgementAndResponse>"
    )
    message, _seconds, _peak = refused(content)
    assert message == "Message trop long : 3 factures au plus."


def test_a_truncated_or_binary_file_is_refused_as_unreadable():
    assert refused(ROOT[:60])[0] == "Ce fichier n'est pas un XML lisible."
    assert refused(b"\x89PNG\r\n\x1a\n\x00\x00")[0] == (
        "Ce fichier n'est pas un XML lisible."
    )
