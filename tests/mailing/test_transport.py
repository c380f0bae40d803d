"""The SMTP transport's connection to the mail server (a real aiosmtpd on
loopback)."""

import socket

from relance.mailing.delivery import Outcome, SmtpTransport
from relance.mailing.mime import Email

MESSAGE = (
    b"From: relances@durand.example\r\nTo: compta@herbly.example\r\n"
    b"Subject: Facture FC22120054\r\n\r\n" + b"Bonjour,\r\n" * 400
)


def test_each_write_leaves_at_once_so_no_message_waits_on_the_servers_ack(
    smtp_server,
):
    # The final dot follows the body as a separate write: held by Nagle's
    # algorithm until the server acknowledged the body, which it delays
    # (40 ms on Linux): the transport sent 23 messages a second instead of
    # 764 (docs/performance.md, the eighth round).
    transport = SmtpTransport()
    try:
        results = [
            transport.send(
                Email("relances@durand.example", [f"compta{n}@herbly.example"], MESSAGE)
            )
            for n in range(3)
        ]
        option = transport.connection.sock.getsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY
        )
    finally:
        transport.close()
    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert option != 0
    assert [r.recipients for r in smtp_server.received] == [
        [f"compta{n}@herbly.example"] for n in range(3)
    ]
    assert smtp_server.received[0].raw.count(b"Bonjour,") == 400
