"""Argument errors in French, as the user reads them (issue 12 §5)."""

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("daily", "--date", "31/01/2026"),
            "argument --date : « 31/01/2026 » refusé (attendu : date AAAA-MM-JJ, "
            "du 01/01/2000 au 31/12/2099)",
        ),
        (
            ("daily", "--company", "x"),
            "argument --company : « x » n'est pas un nombre entier",
        ),
        (("daily", "--bogus"), "arguments inconnus : --bogus"),
        (
            ("remind",),
            "l'un de ces arguments est obligatoire : --invoice --all-due",
        ),
    ],
)
def test_an_argument_error_is_said_in_french(arguments, message):
    with pytest.raises(CommandError) as refused:
        call_command(*arguments)
    assert str(refused.value) == message
