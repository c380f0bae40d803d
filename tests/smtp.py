"""A real SMTP server on loopback (aiosmtpd) that records what it receives.

Its behaviour can be scripted per message: accept, answer with an error code
(4xx, 5xx), or keep silent after the data (so the client cannot know).
"""

import asyncio
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        # Wire line ends (CRLF) become local ones, as any mail client does.
        return message_from_bytes(
            self.raw.replace(b"\r\n", b"\n"), policy=policy.default
        )


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    # Answers to give to the next DATA commands, in order; then "250 OK".
    # "silence" keeps the connection silent after the data was received.
    answers: list[str] = field(default_factory=list)
    refuse_recipients: dict[str, str] = field(default_factory=dict)
    rcpt_count: int = 0
    connections: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_count += 1
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    delay: float = 0.0  # seconds before answering each DATA

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.answers.pop(0) if self.answers else "250 2.0.0 Message accepted"
        if answer == "silence":
            await asyncio.sleep(3)
            answer = "250 2.0.0 Message accepted (too late)"
        if answer.startswith("250"):
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return answer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.handler = Handler()
        self._listen()
        self.connections = 0

    def _listen(self) -> None:
        """On a loopback port free when probed."""
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> "SmtpServer":
        # The free port was free when probed: another test process (the
        # suite runs in several) may have bound it since. Another, then.
        for attempt in range(5):
            try:
                self.controller.start()
                return self
            except OSError:
                if attempt == 4:
                    raise
                self._listen()

    def stop(self) -> None:
        if self.controller._thread is not None:
            self.controller.stop()
