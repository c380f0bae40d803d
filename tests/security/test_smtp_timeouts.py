"""Issue 13, item 9: a mail server that does not answer costs one time-out per
sending pass, not one per message, and each outcome says honestly whether the
message may have left.

The servers here are real sockets on loopback, each connection playing a
script: "silent" accepts and never says a word; "mute-after-data" greets,
takes the whole message, then never answers again; "stall-data" answers up
to DATA, then stops reading; "normal" accepts everything.
"""

import socket
import threading
import time

import pytest

from relance.config import env
from relance.config.email import email_settings
from relance.mailing.delivery import SMTP_BACKEND, Outcome, transport_open
from relance.mailing.mime import Email

TIMEOUT = 0.5


class Loopback:
    """A TCP server on 127.0.0.1; the last script serves any further connection."""

    def __init__(self, *scripts: str):
        self.scripts = scripts
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received: list[list[bytes]] = []  # lines, per connection
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return  # closed
            lines: list[bytes] = []
            script = self.scripts[min(len(self.received), len(self.scripts) - 1)]
            self.received.append(lines)
            self.sockets.append(connection)  # kept open until the test ends
            threading.Thread(
                target=self._converse, args=(connection, script, lines), daemon=True
            ).start()

    def _converse(self, connection: socket.socket, script: str, lines: list) -> None:
        if script == "silent":
            return
        reader = connection.makefile("rb")
        connection.sendall(b"220 loopback ESMTP\r\n")
        in_data = muted = False
        try:
            for line in reader:
                lines.append(line.rstrip(b"\r\n"))
                if muted:
                    continue
                if in_data:
                    if line == b".\r\n":
                        in_data = False
                        muted = script == "mute-after-data"  # never answers again
                        if not muted:
                            connection.sendall(b"250 2.0.0 accepted\r\n")
                    continue
                command = line[:4].upper()
                if command in (b"EHLO", b"HELO"):
                    connection.sendall(b"250-loopback\r\n250 8BITMIME\r\n")
                elif command == b"DATA":
                    connection.sendall(b"354 go ahead\r\n")
                    if script == "stall-data":
                        return  # reads nothing more
                    in_data = True
                elif command == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    return
                else:
                    connection.sendall(b"250 ok\r\n")
        except OSError:
            return

    def close(self) -> None:
        self.listener.close()
        for connection in self.sockets:
            connection.close()


@pytest.fixture
def loopback(settings):
    servers = []

    def start(*scripts: str) -> Loopback:
        server = Loopback(*scripts)
        servers.append(server)
        settings.EMAIL_BACKEND = SMTP_BACKEND
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = TIMEOUT
        return server

    yield start
    for server in servers:
        server.close()


def message(size: int = 0) -> Email:
    data = b"Subject: Relance FC1\r\n\r\nBonjour,\r\n" + b"x" * size + b"\r\n"
    return Email("compta@durand.example", ["herbly@client.example"], data)


def send(count: int, email: Email | None = None) -> tuple[list, float]:
    transport = transport_open()
    start = time.monotonic()
    try:
        results = [transport.send(email or message()) for _ in range(count)]
    finally:
        transport.close()
    return results, time.monotonic() - start


def test_a_server_that_never_greets_costs_one_time_out_per_pass_not_one_per_message(
    loopback,
):
    server = loopback("silent")
    results, seconds = send(5)
    where = f"127.0.0.1:{server.port}"
    first = f"connexion impossible à {where} : pas de réponse en 0,5 s"
    assert [(r.outcome, r.detail) for r in results] == [
        (Outcome.TEMPORARY, first),
        *[(Outcome.TEMPORARY, f"non tenté : {first}")] * 4,
    ]
    assert len(server.received) == 1  # one connection, not five
    assert seconds < 1.5  # one time-out (0.5 s), not five (2.5 s)


def test_a_server_mute_after_the_data_makes_two_uncertain_then_is_given_up(loopback):
    server = loopback("mute-after-data")
    results, seconds = send(5)
    where = f"127.0.0.1:{server.port}"
    uncertain = (
        Outcome.UNCERTAIN,
        f"le message a été transmis à {where} mais sa réponse n'est jamais venue "
        "(pas de réponse en 0,5 s)",
    )
    given_up = (
        Outcome.TEMPORARY,
        f"non tenté : {where} n'a pas répondu en 0,5 s, 2 fois",
    )
    assert [(r.outcome, r.detail) for r in results] == [uncertain] * 2 + [given_up] * 3
    # A new connection after the first time-out, none after the second; the
    # dead connections were dropped without a QUIT.
    assert len(server.received) == 2
    assert [lines[-1] for lines in server.received] == [b".", b"."]
    assert seconds < 2  # two time-outs (1 s), not five (2.5 s)


def test_a_message_whose_data_stalls_before_its_end_surely_did_not_leave(loopback):
    server = loopback("stall-data")
    # Far more than loopback's socket buffers hold: sending blocks midway.
    [result], _seconds = send(1, message(size=32 << 20))
    assert (result.outcome, result.detail) == (
        Outcome.TEMPORARY,
        f"127.0.0.1:{server.port} : pas de réponse en 0,5 s",
    )


def test_the_smtp_time_out_is_relance_smtp_timeout_ten_seconds_by_default(
    monkeypatch, tmp_path
):
    monkeypatch.delenv("RELANCE_SMTP_TIMEOUT", raising=False)
    assert env.get_seconds("RELANCE_SMTP_TIMEOUT") == 10
    assert email_settings("smtp://relay.local", tmp_path)["EMAIL_TIMEOUT"] == 10
    monkeypatch.setenv("RELANCE_SMTP_TIMEOUT", "2.5")
    assert env.get_seconds("RELANCE_SMTP_TIMEOUT") == 2.5
    monkeypatch.setenv("RELANCE_SMTP_TIMEOUT", "0")
    with pytest.raises(
        ValueError, match="RELANCE_SMTP_TIMEOUT must be a number of seconds above 0"
    ):
        env.get_seconds("RELANCE_SMTP_TIMEOUT")
