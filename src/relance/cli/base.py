"""What every `relance` command shares."""

import argparse
import getpass
import json
import re
import sys
from collections.abc import Iterator
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

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


# argparse names the type in its error.
iso_date.__name__ = "date AAAA-MM-JJ, du 01/01/2000 au 31/12/2099"


# argparse speaks English: its messages, said in French.
ARGPARSE_FRENCH = [
    (
        r"the following arguments are required: (.*)",
        r"arguments obligatoires manquants : \1",
    ),
    (r"unrecognized arguments: (.*)", r"arguments inconnus : \1"),
    (
        r"one of the arguments (.*) is required",
        r"l'un de ces arguments est obligatoire : \1",
    ),
    (r"argument (\S+): expected one argument", r"argument \1 : une valeur attendue"),
    (
        r"argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)",
        r"argument \1 : choix « \2 » inconnu (parmi \3)",
    ),
    (
        r"argument (\S+): invalid int value: '(.*)'",
        r"argument \1 : « \2 » n'est pas un nombre entier",
    ),
    (
        r"argument (\S+): invalid (.+) value: '(.*)'",
        r"argument \1 : « \3 » refusé (attendu : \2)",
    ),
    (
        r"argument (\S+): not allowed with argument (\S+)",
        r"argument \1 : incompatible avec \2",
    ),
]
HEADINGS = {
    "usage: ": "usage : ",
    "positional arguments:": "arguments :",
    "options:": "options :",
    "show this help message and exit": "afficher cette aide",
}


class FrenchParser(CommandParser):
    """Django's parser, with argparse's errors and headings in French."""

    def error(self, message):
        for pattern, french in ARGPARSE_FRENCH:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, french, message)
                break
        if self.called_from_command_line:
            self.print_usage(sys.stderr)
            self.exit(2, f"{self.prog} : erreur : {message}\n")
        raise CommandError(message)

    def format_usage(self):
        return self._french(super().format_usage())

    def format_help(self):
        return self._french(super().format_help())

    @staticmethod
    def _french(text: str) -> str:
        for english, french in HEADINGS.items():
            text = text.replace(english, french)
        return text


def _in_french(parser: CommandParser) -> None:
    """The parser and its subcommands' parsers: same state, French words."""
    parser.__class__ = FrenchParser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                _in_french(subparser)


_JSON = json.JSONEncoder(ensure_ascii=False, indent=2, default=str)


def _nested(value, indent: str) -> str:
    """`value` encoded as it reads `indent` deep in the document (no JSON
    string holds a newline: the encoder escapes them)."""
    return _JSON.encode(value).replace("\n", "\n" + indent)


def json_parts(data) -> Iterator[str]:
    """The text of `json.dumps(data, ensure_ascii=False, indent=2,
    default=str)`, in parts; a dict's values that are iterators are listed
    as they come."""
    if not isinstance(data, dict) or not data:
        yield _JSON.encode(data)
        return
    separator = "{"
    for key, value in data.items():
        yield f"{separator}\n  {_JSON.encode(str(key))}: "
        separator = ","
        if not isinstance(value, Iterator):
            yield _nested(value, "  ")
            continue
        opening = "["
        for item in value:
            yield f"{opening}\n    {_nested(item, '    ')}"
            opening = ","
        yield "[]" if opening == "[" else "\n  ]"
    yield "\n}"


class RelanceCommand(BaseCommand):
    """A command whose service refusals reach the user as plain messages, and
    whose argument errors are in French."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        _in_french(parser)
        return parser

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ApplicationError as error:
            raise CommandError(str(error)) from None

    def write_json(self, data) -> None:
        """`data` as `json.dumps(…, indent=2)` writes it, and a newline. A
        top-level value that is an iterator (not a list) is written item by
        item as it is made: the document is never whole in memory (the
        100,000 messages of `relance remind --json`, ADR 24)."""
        for part in json_parts(data):
            self.stdout.write(part, ending="")
        self.stdout.write("")

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
