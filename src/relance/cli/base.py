"""What every `relance` command shares."""

import getpass
import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from relance.core.errors import ApplicationError
from relance.core.models import User
from relance.core.services import password_check
from relance.core.validators import date_out_of_range


def iso_date(value: str) -> date:
    """argparse type for --date: YYYY-MM-DD, in the accepted range."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(value) from None
    if date_out_of_range(day):
        raise ValueError(value)
    return day


iso_date.__name__ = "date AAAA-MM-JJ"  # argparse names the type in its error


class RelanceCommand(BaseCommand):
    """A command whose service refusals reach the user as plain messages."""

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ApplicationError as error:
            raise CommandError(str(error)) from None

    def write_json(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def password_typed(self, email: str, prompt: str, *, empty_ok: bool) -> str:
        """A password typed twice in the terminal and held to the password
        rules (asked again until it is); "" when `empty_ok` and left empty."""
        while True:
            password = getpass.getpass(prompt)
            if not password and empty_ok:
                return ""
            if password != getpass.getpass("Encore une fois : "):
                self.stderr.write("Les deux saisies diffèrent.")
                continue
            try:
                password_check(password, User(email=email))
            except ApplicationError as error:
                self.stderr.write(error.message)
                continue
            return password


# Seconds; Python's default is 0.005.
SENDING_SWITCH_INTERVAL = 0.00005


def sending_process_setup() -> None:
    """Tune a worker process for delivering reminders: let a thread waiting
    for the interpreter get it within 50 µs.

    Delivery hands each message to an SMTP thread, which waits for the
    interpreter after each of the server's four answers; with the usual 5 ms
    the main thread's rendering holds it back. Measured (docs/adr/0009): a
    third fewer messages per second without it. Process-wide, so it is set
    here, at start-up, never by the library.
    """
    sys.setswitchinterval(SENDING_SWITCH_INTERVAL)
