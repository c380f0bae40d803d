import re
from datetime import UTC, datetime
from email import message_from_bytes, policy

from relance.mailing.mime import Attachment, email_message

SUBJECT = (
    "Deuxième relance : 3 factures échues — Bâtiments Durand & Fils, "
    "merci de régulariser « sans délai »"
)


def build(**overrides):
    values = {
        "sender_name": "Bâtiments Durand",
        "sender": "relances@durand.example",
        "to": ["compta@herbly.example"],
        "reply_to": "compta@durand.example",
        "subject": SUBJECT,
        "text": "Bonjour,\n\n- FC-1 : 1 234,56 €\n\nCordialement\n",
        "html": "<p>Bonjour,</p>\n<ul><li>FC-1 : 1 234,56 €</li></ul>\n",
        "message_id": "<relance.1@durand.example>",
        "date": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    }
    return email_message(**{**values, **overrides})


def parse(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def test_every_reader_gets_back_the_headers_as_written():
    email = build(headers={"Auto-Submitted": "auto-generated"})
    parsed = parse(email.data)
    assert parsed["Subject"] == SUBJECT
    assert parsed["From"].addresses[0].display_name == "Bâtiments Durand"
    assert parsed["From"].addresses[0].addr_spec == "relances@durand.example"
    assert parsed["To"] == "compta@herbly.example"
    assert parsed["Reply-To"] == "compta@durand.example"
    assert parsed["Message-ID"] == "<relance.1@durand.example>"
    assert parsed["Date"].datetime == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["MIME-Version"] == "1.0"
    assert parsed.defects == []
    assert (email.sender, email.recipients) == (
        "relances@durand.example",
        ["compta@herbly.example"],
    )


def test_lines_end_in_crlf_and_headers_stay_short():
    email = build(sender_name='Durand "le bâtisseur" et associés réunis de France')
    assert b"\n" not in email.data.replace(b"\r\n", b"")
    head = email.data.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    assert head.isascii()
    # (Python's reader keeps the space between two encoded words of a name,
    # which RFC 2047 readers drop: the cut falls after a space, inside a word.)
    name = parse(email.data)["From"].addresses[0].display_name
    assert " ".join(name.split()) == (
        'Durand "le bâtisseur" et associés réunis de France'
    )


def test_an_ascii_subject_stays_readable_and_whole():
    subject = "Relance " + " ".join(f"FC-{n:04d}" for n in range(30))
    email = build(subject=subject, sender_name='Durand "SARL"')
    assert b"Subject: Relance FC-0000" in email.data
    assert parse(email.data)["Subject"] == subject
    assert parse(email.data)["From"].addresses[0].display_name == 'Durand "SARL"'


def test_text_and_html_alternatives_come_back_unchanged():
    parsed = parse(build().data)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == (
        "Bonjour,\n\n- FC-1 : 1 234,56 €\n\nCordialement\n"
    )
    assert "<li>FC-1 : 1 234,56 €</li>" in parsed.get_body(("html",)).get_content()
    assert parsed.get_body(("plain",))["Content-Transfer-Encoding"] == "8bit"


def test_a_line_too_long_for_smtp_goes_quoted_printable():
    text = "Détail : " + "x" * 1500 + "\n"
    email = build(text=text)
    assert max(len(line) for line in email.data.split(b"\r\n")) <= 998
    plain = parse(email.data).get_body(("plain",))
    assert plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert plain.get_content().replace("\r\n", "\n") == text


def test_attachments_come_back_byte_for_byte_with_their_names():
    pdf = bytes(range(256)) * 40
    email = build(
        attachments=[
            Attachment("Facture FC-1.pdf", pdf),
            Attachment("Facture n°2 été.pdf", b"%PDF-1.7 small"),
        ]
    )
    parsed = parse(email.data)
    assert parsed.get_content_type() == "multipart/mixed"
    files = [(p.get_filename(), p.get_content()) for p in parsed.iter_attachments()]
    assert files == [
        ("Facture FC-1.pdf", pdf),
        ("Facture n°2 été.pdf", b"%PDF-1.7 small"),
    ]
    assert parsed.get_body(("plain",)).get_content().startswith("Bonjour,")


def test_an_international_domain_travels_in_ascii():
    email = build(to=["compta@société.example"])
    assert email.recipients == ["compta@xn--socit-esab.example"]
    assert parse(email.data)["To"] == "compta@xn--socit-esab.example"


def test_each_message_has_its_own_boundary():
    boundaries = {re.search(rb'boundary="([^"]+)"', build().data)[1] for _ in range(5)}
    assert len(boundaries) == 5
