"""What every `relance` command shares."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from relance.core.errors import ApplicationError


def iso_date(value: str) -> date:
    """argparse type for --date: YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(value) from None


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
