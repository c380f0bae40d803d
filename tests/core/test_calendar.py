from datetime import UTC, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from relance.core.calendar import Calendar, company_calendar, in_alsace_moselle
from relance.core.money import format_moment

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_nothing_leaves_on_saturday_14_july_it_leaves_monday_at_eight():
    assert Calendar().next_allowed(paris(2029, 7, 14, 10, 0)) == paris(
        2029, 7, 16, 8, 0
    )


def test_nothing_leaves_on_christmas_day_it_leaves_the_next_working_day_at_eight():
    # Friday 25 December 2026: then a weekend.
    assert Calendar().next_allowed(paris(2026, 12, 25, 10, 0)) == paris(
        2026, 12, 28, 8, 0
    )


def test_26_december_is_a_working_day_outside_alsace_moselle():
    # Thursday 25 December 2025: Friday 26 is open in Lyon.
    assert Calendar().next_allowed(paris(2025, 12, 25, 10, 0)) == paris(
        2025, 12, 26, 8, 0
    )


def test_alsace_moselle_keeps_26_december_closed():
    calendar = Calendar(alsace_moselle=True)
    assert calendar.next_allowed(paris(2025, 12, 25, 10, 0)) == paris(
        2025, 12, 29, 8, 0
    )


def test_alsace_moselle_keeps_good_friday_closed_then_easter_monday():
    # Good Friday 3 April 2026, Easter Monday 6 April (everywhere).
    assert Calendar().allowed(paris(2026, 4, 3, 10, 0))
    calendar = Calendar(alsace_moselle=True)
    assert calendar.next_allowed(paris(2026, 4, 3, 10, 0)) == paris(2026, 4, 7, 8, 0)


def test_a_moment_within_the_hours_of_a_working_day_leaves_at_once():
    moment = paris(2026, 7, 16, 10, 30, 15)
    assert Calendar().next_allowed(moment) is moment
    assert Calendar().allowed(paris(2026, 7, 16, 17, 59, 59))


def test_before_the_hours_it_waits_for_the_opening_the_same_day():
    assert Calendar().next_allowed(paris(2026, 7, 16, 6, 0)) == paris(2026, 7, 16, 8, 0)


def test_at_closing_time_it_waits_for_the_next_morning():
    assert Calendar().next_allowed(paris(2026, 7, 16, 18, 0)) == paris(
        2026, 7, 17, 8, 0
    )
    # Friday evening: Monday morning.
    assert Calendar().next_allowed(paris(2026, 7, 17, 19, 0)) == paris(
        2026, 7, 20, 8, 0
    )


def test_the_company_hours_are_its_own():
    calendar = Calendar(opens=time(9, 30), closes=time(12, 0))
    assert calendar.next_allowed(paris(2026, 7, 16, 9, 0)) == paris(2026, 7, 16, 9, 30)
    assert calendar.next_allowed(paris(2026, 7, 16, 12, 0)) == paris(2026, 7, 17, 9, 30)


def test_the_august_pause_sends_on_the_first_working_day_of_september():
    calendar = Calendar(august_pause=True)
    assert calendar.next_allowed(paris(2026, 8, 3, 10, 0)) == paris(2026, 9, 1, 8, 0)
    assert Calendar().allowed(paris(2026, 8, 3, 10, 0))


def test_the_christmas_pause_lasts_from_24_december_to_1_january():
    calendar = Calendar(christmas_pause=True)
    # Wednesday 23 December 2026 after the hours; 2 January 2027 is a Saturday.
    assert calendar.next_allowed(paris(2026, 12, 23, 18, 30)) == paris(2027, 1, 4, 8, 0)
    assert calendar.allowed(paris(2026, 12, 23, 17, 0))


def test_the_hours_are_those_of_the_company_time_zone():
    reunion = Calendar(time_zone="Indian/Reunion")  # UTC+4, no summer time
    # 04:30 UTC on Thursday 16 July 2026: 08:30 in Réunion, 06:30 in Paris.
    moment = datetime(2026, 7, 16, 4, 30, tzinfo=UTC)
    assert reunion.allowed(moment)
    assert Calendar().next_allowed(moment) == datetime(2026, 7, 16, 6, 0, tzinfo=UTC)
    # In winter, 08:00 in Paris is 07:00 UTC.
    winter = Calendar().next_allowed(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    assert winter == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def test_without_the_calendar_any_moment_is_allowed():
    moment = paris(2029, 7, 14, 3, 0)
    assert Calendar(enabled=False).next_allowed(moment) is moment


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        Calendar().next_allowed(datetime(2026, 7, 16, 10, 0))


@pytest.mark.parametrize(
    ("postal_code", "country", "expected"),
    [
        ("57000", "FR", True),
        ("67000", "FR", True),
        (" 68100 ", "FR", True),
        ("75001", "FR", False),
        ("6700", "FR", False),
        ("", "FR", False),
        ("67000", "DE", False),
    ],
)
def test_alsace_moselle_is_told_by_the_company_postal_code(
    postal_code, country, expected
):
    assert in_alsace_moselle(postal_code, country) is expected


def test_a_company_calendar_reads_its_settings():
    company = SimpleNamespace(
        time_zone="Europe/Paris",
        send_from=time(9, 0),
        send_until=time(17, 0),
        postal_code="67000",
        country="FR",
        pause_august=True,
        pause_christmas=False,
        send_calendar=True,
    )
    assert company_calendar(company) == Calendar(
        opens=time(9, 0), closes=time(17, 0), alsace_moselle=True, august_pause=True
    )


def test_when_messages_leave_is_said_the_french_way():
    now = paris(2029, 7, 14, 10, 0)
    assert format_moment(paris(2029, 7, 16, 8, 0), now) == "lundi 16 juillet à 08:00"
    assert format_moment(paris(2029, 7, 15, 8, 0), now) == "demain à 08:00"
    assert format_moment(paris(2029, 7, 14, 14, 0), now) == "aujourd'hui à 14:00"
    assert (
        format_moment(paris(2030, 1, 2, 8, 0), now) == "mercredi 2 janvier 2030 à 08:00"
    )


def test_the_calendar_is_pure_standard_library_and_holidays():
    import ast
    import sys
    from pathlib import Path

    import relance.core.calendar as module

    tree = ast.parse(Path(module.__file__).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - sys.stdlib_module_names == {"holidays"}  # no Django, no clock
