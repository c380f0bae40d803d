"""The dunning rules, case by case. No database, no clock: `today` is given."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from relance.core.clock import local_date
from relance.dunning.rules import (
    InvoiceFacts,
    Reason,
    Step,
    Trigger,
    days_late,
    planned_date,
    step_date,
    verdict,
)

DUE, ISSUE, PREV = (
    Trigger.AFTER_DUE_DATE,
    Trigger.AFTER_ISSUE_DATE,
    Trigger.AFTER_PREVIOUS,
)

# The default plan: J+3 after the due date, then 15, 15 and 10 days after the
# previous reminder.
PLAN = [Step(DUE, 3), Step(PREV, 15), Step(PREV, 15), Step(PREV, 10)]
GAP = 5


def invoice(**overrides) -> InvoiceFacts:
    values = {
        "status": "open",
        "amount_due": Decimal("1200.00"),
        "issue_date": date(2026, 1, 1),
        "due_date": date(2026, 1, 31),
    }
    values.update(overrides)
    return InvoiceFacts(**values)


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- the date of a step, by trigger ------------------------------------------


@pytest.mark.parametrize(
    ("step", "facts", "expected"),
    [
        (Step(DUE, 3), invoice(), "2026-02-03"),
        (Step(DUE, 0), invoice(), "2026-01-31"),
        (Step(DUE, -5), invoice(), "2026-01-26"),
        (Step(ISSUE, 45), invoice(), "2026-02-15"),
        (Step(ISSUE, -1), invoice(), "2025-12-31"),
        (
            Step(PREV, 15),
            invoice(level=1, last_reminder_on=d("2026-02-04")),
            "2026-02-19",
        ),
        (Step(PREV, 15), invoice(), "2026-02-15"),
        (Step(PREV, 10), invoice(level=2, last_reminder_on=None), "2026-02-10"),
        (
            Step(PREV, -3),
            invoice(level=1, last_reminder_on=d("2026-02-10")),
            "2026-02-07",
        ),
    ],
    ids=[
        "after due date",
        "on the due date",
        "negative days: before the due date",
        "after the invoice date",
        "negative days: before the invoice date",
        "after the previous reminder",
        "after previous with no reminder yet counts from the due date",
        "level without a recorded date counts from the due date",
        "negative days after the previous reminder",
    ],
)
def test_a_step_date_follows_its_trigger(step, facts, expected):
    assert step_date(step, facts) == d(expected)


@pytest.mark.parametrize(
    ("due", "days", "expected"),
    [
        ("2026-01-31", 30, "2026-03-02"),  # February is short
        ("2026-01-31", 28, "2026-02-28"),
        ("2028-01-31", 29, "2028-02-29"),  # leap year
        ("2026-12-29", 5, "2027-01-03"),  # year end
        ("2027-01-02", -5, "2026-12-28"),  # back over the year end
        ("2026-03-27", 3, "2026-03-30"),  # over the spring clock change
        ("2026-10-24", 3, "2026-10-27"),  # over the autumn clock change
    ],
)
def test_step_dates_cross_month_year_and_clock_changes_by_calendar_days(
    due, days, expected
):
    facts = invoice(
        issue_date=d("2026-01-01") if due < "2027" else d("2027-01-01"), due_date=d(due)
    )
    assert step_date(Step(DUE, days), facts) == d(expected)


# --- when the next step is due -----------------------------------------------


@pytest.mark.parametrize(
    ("today", "reason"),
    [
        ("2026-02-02", Reason.NOT_DUE_YET),
        ("2026-02-03", None),  # on the step's date
        ("2026-02-04", None),  # a day later: a threshold, not an exact day
        ("2026-05-30", None),  # long after: a missed day is never lost
    ],
)
def test_the_first_step_is_due_from_its_date_onwards(today, reason):
    result = verdict(invoice(), PLAN, d(today), GAP)
    assert result.reason == reason
    assert result.next_level == 1
    assert result.planned_on == d("2026-02-03")


def test_a_reminder_before_the_due_date_is_due_with_negative_days():
    plan = [Step(DUE, -3), Step(DUE, 3)]
    assert verdict(invoice(), plan, d("2026-01-27"), GAP).reason == Reason.NOT_DUE_YET
    result = verdict(invoice(), plan, d("2026-01-28"), GAP)
    assert result.due and result.next_level == 1


def test_the_next_step_after_a_reminder_counts_from_that_reminder():
    sent = invoice(level=1, last_reminder_on=d("2026-02-05"))
    assert verdict(sent, PLAN, d("2026-02-19"), GAP).reason == Reason.NOT_DUE_YET
    result = verdict(sent, PLAN, d("2026-02-20"), GAP)
    assert result.due
    assert (result.next_level, result.planned_on) == (2, d("2026-02-20"))


def test_an_invoice_imported_90_days_late_starts_at_the_first_step():
    late = invoice(issue_date=d("2025-10-01"), due_date=d("2025-10-31"))
    result = verdict(late, PLAN, d("2026-01-29"), GAP)
    assert result.due
    assert result.next_level == 1  # not the formal notice, though its date is past


def test_steps_are_never_skipped_even_when_later_dates_have_passed():
    plan = [Step(DUE, 3), Step(DUE, 10), Step(DUE, 20)]
    # Step 1 sent very late: steps 2 and 3 are both past their dates.
    sent = invoice(level=1, last_reminder_on=d("2026-04-01"))
    result = verdict(sent, plan, d("2026-04-10"), GAP)
    assert result.due
    assert result.next_level == 2


@pytest.mark.parametrize(
    ("today", "reason", "planned"),
    [
        ("2026-04-02", Reason.NOT_DUE_YET, "2026-04-06"),
        ("2026-04-05", Reason.NOT_DUE_YET, "2026-04-06"),
        ("2026-04-06", None, "2026-04-06"),
    ],
)
def test_the_minimum_gap_holds_back_a_step_whose_date_has_passed(
    today, reason, planned
):
    plan = [Step(DUE, 3), Step(DUE, 10)]
    sent = invoice(level=1, last_reminder_on=d("2026-04-01"))
    result = verdict(sent, plan, d(today), GAP)
    assert (result.reason, result.planned_on) == (reason, d(planned))


def test_a_zero_minimum_gap_lets_the_next_step_go_at_once():
    plan = [Step(DUE, 3), Step(DUE, 10)]
    sent = invoice(level=1, last_reminder_on=d("2026-04-01"))
    assert verdict(sent, plan, d("2026-04-01"), 0).due


# --- what keeps an invoice out of the dunning --------------------------------


@pytest.mark.parametrize("status", ["draft", "paid", "cancelled"])
def test_only_open_invoices_are_reminded(status):
    result = verdict(invoice(status=status), PLAN, d("2026-03-01"), GAP)
    assert result.reason == Reason.NOT_OPEN
    assert (result.next_level, result.planned_on) == (None, None)


def test_an_invoice_with_nothing_due_is_not_reminded():
    result = verdict(invoice(amount_due=Decimal("0.00")), PLAN, d("2026-03-01"), GAP)
    assert result.reason == Reason.NOTHING_DUE


def test_a_partly_paid_invoice_is_reminded_for_what_remains():
    result = verdict(invoice(amount_due=Decimal("0.01")), PLAN, d("2026-03-01"), GAP)
    assert result.due


def test_after_the_last_step_nothing_more_is_planned():
    done = invoice(level=4, last_reminder_on=d("2026-03-15"))
    result = verdict(done, PLAN, d("2026-06-01"), GAP)
    assert result.reason == Reason.LAST_STEP_REACHED
    assert result.next_level is None


def test_a_company_without_steps_reminds_nothing():
    assert (
        verdict(invoice(), [], d("2026-03-01"), GAP).reason == Reason.LAST_STEP_REACHED
    )


@pytest.mark.parametrize("code", ["207", "208", "210", "211", "212", "213"])
def test_e_invoicing_statuses_that_forbid_dunning_stop_it(code):
    result = verdict(invoice(einvoice_status=code), PLAN, d("2026-03-01"), GAP)
    assert result.reason == Reason.EINVOICE_BLOCKED


@pytest.mark.parametrize("code", ["", "200", "204", "205"])
def test_other_e_invoicing_statuses_let_dunning_go_on(code):
    assert verdict(invoice(einvoice_status=code), PLAN, d("2026-03-01"), GAP).due


@pytest.mark.parametrize(
    ("today", "reason"),
    [
        ("2026-02-10", Reason.PAUSED),
        ("2026-02-20", Reason.PAUSED),  # the last day of the pause
        ("2026-02-21", None),  # the pause ended by itself
    ],
)
def test_a_pause_holds_until_its_date_then_ends_by_itself(today, reason):
    paused = invoice(paused_until=d("2026-02-20"))
    result = verdict(paused, PLAN, d(today), GAP)
    assert result.reason == reason
    assert result.next_level == 1
    assert result.planned_on == d("2026-02-21")


def test_a_customer_pause_holds_all_their_invoices():
    paused = invoice(customer_paused_until=d("2026-03-31"))
    result = verdict(paused, PLAN, d("2026-03-01"), GAP)
    assert result.reason == Reason.CUSTOMER_PAUSED
    assert result.planned_on == d("2026-04-01")
    last_day = verdict(paused, PLAN, d("2026-03-31"), GAP)
    assert last_day.reason == Reason.CUSTOMER_PAUSED
    assert verdict(paused, PLAN, d("2026-04-01"), GAP).due


def test_a_pause_ending_before_the_step_date_does_not_move_it():
    paused = invoice(paused_until=d("2026-01-15"))
    assert verdict(paused, PLAN, d("2026-02-01"), GAP).planned_on == d("2026-02-03")


def test_the_planned_date_is_the_latest_of_step_gap_and_pause():
    facts = invoice(
        level=1, last_reminder_on=d("2026-02-10"), paused_until=d("2026-03-01")
    )
    assert planned_date(facts, Step(DUE, 3), 5) == d("2026-03-02")
    facts = invoice(level=1, last_reminder_on=d("2026-02-10"))
    assert planned_date(facts, Step(DUE, 3), 5) == d("2026-02-15")
    assert planned_date(facts, Step(PREV, 15), 5) == d("2026-02-25")


# --- a user's « Relancer » on one invoice ------------------------------------


def test_a_manual_reminder_may_go_before_the_step_date():
    result = verdict(invoice(), PLAN, d("2026-01-10"), GAP, manual=True)
    assert result.due
    assert result.next_level == 1


def test_a_manual_reminder_ignores_the_minimum_gap():
    sent = invoice(level=1, last_reminder_on=d("2026-02-05"))
    assert verdict(sent, PLAN, d("2026-02-06"), GAP, manual=True).due


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (invoice(status="paid", amount_due=Decimal(0)), Reason.NOT_OPEN),
        (invoice(status="cancelled"), Reason.NOT_OPEN),
        (invoice(paused_until=d("2026-03-01")), Reason.PAUSED),
        (invoice(customer_paused_until=d("2026-03-01")), Reason.CUSTOMER_PAUSED),
        (invoice(level=4, last_reminder_on=d("2026-01-20")), Reason.LAST_STEP_REACHED),
    ],
)
def test_a_manual_reminder_is_still_refused_for_what_the_user_cannot_decide(
    facts, reason
):
    assert verdict(facts, PLAN, d("2026-02-10"), GAP, manual=True).reason == reason


# --- the company's "today" ----------------------------------------------------


def test_a_step_due_in_paris_is_not_yet_due_in_utc_at_the_same_instant():
    instant = datetime(2026, 2, 2, 23, 30, tzinfo=UTC)
    in_paris = local_date("Europe/Paris", instant)
    in_utc = local_date("UTC", instant)
    assert verdict(invoice(), PLAN, in_paris, GAP).due
    assert verdict(invoice(), PLAN, in_utc, GAP).reason == Reason.NOT_DUE_YET


@pytest.mark.parametrize(
    ("today", "expected"), [("2026-01-30", 0), ("2026-01-31", 0), ("2026-03-02", 30)]
)
def test_days_late_count_from_the_due_date(today, expected):
    assert days_late(d("2026-01-31"), d(today)) == expected


# --- when the daily job runs --------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "run_at", "expected"),
    [
        ("2026-03-02T04:59:00+00:00", "06:00", None),  # 05:59 in Paris
        ("2026-03-02T05:00:00+00:00", "06:00", "2026-03-02"),  # 06:00 in Paris
        ("2026-03-02T15:00:00+00:00", "06:00", "2026-03-02"),  # was off at 06:00
        ("2026-07-01T04:00:00+00:00", "06:00", "2026-07-01"),  # summer: UTC+2
        ("2026-07-01T03:59:00+00:00", "06:00", None),
        ("2026-03-01T23:30:00+00:00", "00:15", "2026-03-02"),  # Paris is past midnight
        # 29 March 2026: 02:30 does not exist in Paris; reached at 03:00.
        ("2026-03-29T00:59:00+00:00", "02:30", None),
        ("2026-03-29T01:00:00+00:00", "02:30", "2026-03-29"),
        # 25 October 2026: 02:30 happens twice; the first one counts.
        ("2026-10-25T00:30:00+00:00", "02:30", "2026-10-25"),
        ("2026-10-25T00:29:00+00:00", "02:30", None),
    ],
)
def test_the_daily_job_is_due_from_the_company_hour_in_its_time_zone(
    instant, run_at, expected
):
    from datetime import time

    from relance.dunning.rules import daily_run_date

    hour, minute = map(int, run_at.split(":"))
    result = daily_run_date(
        "Europe/Paris", time(hour, minute), datetime.fromisoformat(instant)
    )
    assert result == (d(expected) if expected else None)


def test_the_gap_counts_from_the_customers_last_reminder_whatever_the_invoice():
    from relance.dunning import rules as r

    never = r.InvoiceFacts(
        status="open",
        amount_due=Decimal("100.00"),
        issue_date=date(2026, 1, 28),
        due_date=date(2026, 2, 27),
        customer_last_reminder_on=date(2026, 3, 1),
    )
    first = r.Step(r.Trigger.AFTER_DUE_DATE, 3)
    assert r.planned_date(never, first, 7) == date(2026, 3, 8)
    own_gap = r.InvoiceFacts(**{**_fields(never), "min_gap_days": 2})
    assert r.planned_date(own_gap, first, 7) == date(2026, 3, 3)
    verdict = r.verdict(never, [first], date(2026, 3, 2), 7)
    assert (verdict.reason, verdict.planned_on) == (
        r.Reason.NOT_DUE_YET,
        date(2026, 3, 8),
    )
    # « Relancer » by hand: the user decided, the gap does not hold it back.
    assert r.verdict(never, [first], date(2026, 3, 2), 7, manual=True).due


def _fields(facts):
    return {name: getattr(facts, name) for name in facts.__slots__}
