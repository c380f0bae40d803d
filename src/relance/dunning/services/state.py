"""The dunning state stored on invoices: the « à relancer » tag, the next step
and its planned date.

It is computed in the database, in one statement per company: the rules of
`dunning/rules.py` written once more in SQL, for speed (a million invoices in a
few seconds). `tests/dunning/test_state_sql.py` holds this second writing to
the first, on random invoices, plans, steps and dates, with Hypothesis.

Each invoice follows its customer's plan (`CustomerDunning.plan`, else the
company's default plan), and the minimum gap counts from the customer's last
reminder, whichever invoice it was about (ADR 21).
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from relance.core.clock import company_today
from relance.core.models import Company
from relance.core.services import company_update
from relance.core.sql import ids_condition
from relance.dunning import rules
from relance.dunning.selectors import plan_default, plans_active
from relance.dunning.tagged_count import tagged_counts


@dataclass(frozen=True)
class RefreshResult:
    date: date
    tagged: int
    untagged: int
    company_id: int

    @property
    def to_remind(self) -> int:
        """The company's invoices « à relancer » now, as the database keeps
        the number (ADR 31): read when asked, never counted by a refresh."""
        return tagged_counts(company_ids=[self.company_id], fold=False)[self.company_id]


def _computed_sql(plans: dict[int, list], selection: str, few: bool = False) -> str:
    """A WITH clause naming `computed`: per invoice in `selection` (of the
    company %(company)s), its state for %(today)s and what it was before.
    `plans`: each plan's active steps by plan id; %(plan)s the default plan.
    `few`: the selection is a list of ids: each row's customer
    and own settings are then read by key, rather than every paused customer
    and every customer's own settings of the company."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        earliest = "DATE '0001-01-01'"

        def plus(column: str, days: str) -> str:
            return f"({column} + {days})"

    else:
        # SQLite keeps dates as ISO text: date() moves them, and text compares in
        # date order. Day counts come as ready-made modifiers ('+3 days').
        earliest = "'0001-01-01'"

        def plus(column: str, days: str) -> str:
            return f"date({column}, {days})"

    def modifier(days: int) -> str:
        return f"{_shift(days)}" if postgres else f"'{_shift(days)}'"

    greatest = "GREATEST" if postgres else "max"
    blocking = ", ".join(f"'{code}'" for code in sorted(rules.EINVOICE_BLOCKING))
    values = ", ".join(
        f"({int(plan)}, {n}, '{rules.Trigger(step.trigger).value}', "
        f"{modifier(int(step.days))})"
        for plan, steps in sorted(plans.items())
        for n, step in enumerate(steps, start=1)
    )
    values = values or f"(0, 0, 'none', {modifier(0)})"
    # The customer's own gap, else the company's (%(gap)s).
    if postgres:
        gap = "COALESCE(d.min_gap_days, %(gap)s)"
    else:
        gap = "COALESCE('+' || d.min_gap_days || ' days', %(gap)s)"
    base = (
        "CASE s.trig "
        f"WHEN 'after_issue_date' THEN {plus('i.issue_date', 's.shift')} "
        "WHEN 'after_previous_reminder' THEN "
        f"{plus('COALESCE(i.last_reminder_on, i.due_date)', 's.shift')} "
        f"ELSE {plus('i.due_date', 's.shift')} END"
    )
    one_day = modifier(1)
    # max() of a NULL is NULL in SQLite: absent dates stand in as the earliest.
    planned = (
        f"{greatest}({base}, "
        f"COALESCE({plus('k.last_on', gap)}, {earliest}), "
        f"COALESCE({plus('i.paused_until', one_day)}, {earliest}), "
        f"COALESCE({plus('c.paused_until', one_day)}, {earliest}))"
    )
    if postgres:
        # PostgreSQL's dates go beyond Python's: hold the planned date within
        # the calendar as rules.plus_days does. (SQLite's date() gives NULL
        # there: no planned date.) Dates that come in are bounded anyway.
        planned = f"LEAST({planned}, DATE '9999-12-31')"
    in_dunning = (
        f"i.kind = '{rules.INVOICE}' AND i.status = 'open' AND i.amount_due > 0 "
        f"AND i.einvoice_status NOT IN ({blocking}) AND s.level IS NOT NULL"
    )
    # An OFFSET keeps the planned date computed once per row: without it the
    # database would copy its expression into each of the later ones that read
    # it (a third of the time of a run on SQLite; no change on PostgreSQL).
    fence = "OFFSET 0" if postgres else "LIMIT -1 OFFSET 0"
    # The state, computed once per row; `due` reads the planned date back.
    # The unary + keeps SQLite from reading the company's invoices through an
    # index on the company when a few of them are wanted (by id, or those of a
    # few customers): it would read them all to keep a few.
    company = "+company_id" if few else "company_id"
    # Computed once: PostgreSQL, given it inline, may group the last
    # reminders again for each row read (measured: 0.4 ms a row).
    materialized = "MATERIALIZED " if postgres else ""
    # Where each row read is (PostgreSQL, by ids): the UPDATE goes back to
    # it without reading the table again.
    located = ", i.ctid AS seen_at" if postgres and few else ""
    if few:
        customers = ""
        paused, own = "invoices_customer", "dunning_customerdunning"
    else:
        customers = """paused AS (
            SELECT id, paused_until FROM invoices_customer
            WHERE company_id = %(company)s AND paused_until IS NOT NULL
        ),
        own AS (
            SELECT customer_id, plan_id, min_gap_days FROM dunning_customerdunning
            WHERE company_id = %(company)s
        ),"""
        paused, own = "paused", "own"
    return f"""
        WITH steps(plan, level, trig, shift) AS (VALUES {values}),
        {customers}
        contact AS {materialized}(
            SELECT customer_id, MAX(last_reminder_on) AS last_on
            FROM invoices_invoice
            WHERE {company} = %(company)s AND last_reminder_on IS NOT NULL
            AND customer_id IN (SELECT i.customer_id FROM invoices_invoice i
                WHERE {selection})
            GROUP BY customer_id
        ),
        planned AS (
            SELECT i.id AS id, i.to_remind AS old_tag, i.next_level AS old_level,
                i.next_reminder_on AS old_date,
                i.dunning_level AS seen_level, i.status AS seen_status,
                CASE WHEN {in_dunning} THEN i.dunning_level + 1 END AS next_level,
                CASE WHEN {in_dunning} THEN {planned} END AS planned,
                i.paused_until AS paused_until, c.paused_until AS customer_paused_until
                {located}
            FROM invoices_invoice i
            LEFT JOIN {paused} c ON c.id = i.customer_id
            LEFT JOIN {own} d ON d.customer_id = i.customer_id
            LEFT JOIN contact k ON k.customer_id = i.customer_id
            LEFT JOIN steps s ON s.plan = COALESCE(d.plan_id, %(plan)s)
                AND s.level = i.dunning_level + 1
            WHERE {selection}
            {fence}
        ),
        computed AS (
            SELECT planned.*,
                CASE WHEN planned IS NOT NULL
                    AND NOT COALESCE(paused_until >= %(today)s, FALSE)
                    AND NOT COALESCE(customer_paused_until >= %(today)s, FALSE)
                    AND planned <= %(today)s
                THEN TRUE ELSE FALSE END AS due
            FROM planned
        )"""


DENSE = 0.1  # share of a rowid range above which SQLite reads the range in order


def _rows_of_company(company_id: int) -> str:
    """How to reach every invoice of a company.

    PostgreSQL's bitmap scans read them in table order by themselves. SQLite
    fetches them one by one through the company index (about 2 µs a row); when
    they fill at least a tenth of their rowid range, as in most installations,
    reading that range in order is ten times faster (measured: bench/).
    """
    company = "i.company_id = %(company)s"
    if connection.vendor == "postgresql":
        return company
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), MIN(id), MAX(id) FROM invoices_invoice "
            "WHERE company_id = %s",
            [company_id],
        )
        count, low, high = cursor.fetchone()
    if not count or count / (high - low + 1) < DENSE:
        return company
    # The unary + keeps SQLite from using an index on the company for this
    # filter (and so from reading the rows one by one).
    return (
        f"i.id BETWEEN {int(low)} AND {int(high)} AND +i.company_id = {int(company_id)}"
    )


def _shift(days: int) -> int | str:
    """A number of days as the database adds it to a date."""
    return days if connection.vendor == "postgresql" else f"{days:+d} days"


def _changed(distinct: str) -> str:
    return (
        f"(c.old_tag {distinct} c.due OR c.old_level {distinct} c.next_level "
        f"OR c.old_date {distinct} c.planned)"
    )


def state_key(
    *, company: Company, plans: dict[int, list] | None = None, default: int | None = -1
) -> str:
    """What every invoice's next step and planned date depend on beside the
    invoice and its customer: each plan's active steps' triggers and days, in
    order, the default plan and the minimum gap. A daily run records it; the
    next one may look only at the invoices whose date has come while it stays
    the same (ADR 19). A customer's plan or own gap is the customer's: its
    change recomputes its invoices at once (`customer_dunning_set`)."""
    if plans is None:
        plans, default = plans_active(company=company)
    elif default == -1:
        default = _default_id(company)
    described = "|".join(
        f"{plan}="
        + ";".join(
            f"{rules.Trigger(step.trigger).value}:{int(step.days)}" for step in steps
        )
        for plan, steps in sorted(plans.items())
    )
    text = f"gap={int(company.min_gap_days)};default={default};plans={described}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def dated_tags_write(*, company_ids: list[int], today: date) -> dict[int, tuple]:
    """The daily job's incremental write (ADR 19, amended 2026-12-04 and 05): the
    tag of every invoice of these companies whose tag the date alone changes
    is set, in ONE statement for all of them, with nothing computed. Next
    level and planned date do not depend on the day and every write has
    computed them already, so the tag a full recompute would give such a row
    is « planned date ≤ today »: it is tagged when its date has come (and
    neither it nor its customer is paused that day, which a planned date
    after the pause already says), untagged when its date has not (a state
    computed for a later day). Returns (tagged, untagged) by company id,
    every company given.

    The rows come from the two ranges of DunningIndex's dated index (a
    UNION: with an OR, SQLite reads all the company's entries of the
    index), each tested again on its invoice (its company too: on
    PostgreSQL an invoice moved meanwhile is tested on its newest version).
    The tag is flipped in place,
    the only column written: no index of the invoices' table names it, so
    on PostgreSQL the update can stay on the row's page (HOT) and a row
    changed meanwhile is tested again on its newest version and left if it
    no longer qualifies."""
    counts = {pk: [0, 0] for pk in company_ids}
    if not company_ids:
        return {pk: tuple(n) for pk, n in counts.items()}
    condition, params = ids_condition("company_id", company_ids, name="companies")
    ranges = (
        f"SELECT invoice_id FROM invoices_dunningindex WHERE {condition}"
        " AND to_remind = FALSE AND next_reminder_on <= %(today)s"
        " UNION ALL SELECT invoice_id FROM invoices_dunningindex"
        f" WHERE {condition} AND to_remind = TRUE AND next_reminder_on > %(today)s"
    )
    come = (
        "to_remind = FALSE AND next_reminder_on <= %(today)s "
        "AND NOT COALESCE(paused_until >= %(today)s, FALSE) "
        "AND NOT EXISTS (SELECT 1 FROM invoices_customer c "
        "WHERE c.id = customer_id AND c.paused_until >= %(today)s)"
    )
    early = "to_remind = TRUE AND next_reminder_on > %(today)s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE invoices_invoice SET to_remind = NOT to_remind"
            f" WHERE id IN ({ranges}) AND {condition} AND (({come}) OR ({early}))"
            " RETURNING company_id, to_remind",
            {"companies": params[0], "today": today},
        )
        for company_id, tagged in cursor.fetchall():
            counts[company_id][0 if tagged else 1] += 1
    return {pk: tuple(n) for pk, n in counts.items()}


def invoices_refresh(
    *,
    company: Company,
    today: date,
    invoice_ids: list[int] | None = None,
    dated_only: bool = False,
    plans: dict[int, list] | None = None,
    default: int | None = -1,
) -> RefreshResult:
    """Recompute the stored dunning state of the company's invoices for `today`.

    Every open invoice, and every other one still carrying a state, is looked
    at (or only `invoice_ids`; or, `dated_only`, only the tags the date alone
    changes, `dated_tags_write`: the daily job's incremental run); only rows whose state
    changes are written, so a second run on the same day writes nothing. A row
    changed meanwhile (a reminder recorded, a payment) is skipped rather than
    overwritten.
    """
    if dated_only:
        [(tagged, untagged)] = dated_tags_write(
            company_ids=[company.pk], today=today
        ).values()
        return RefreshResult(today, tagged, untagged, company.pk)
    if plans is None:
        plans, default = plans_active(company=company)
    elif default == -1:
        default = _default_id(company)
    params = {
        "company": company.pk,
        "today": today,
        "gap": _shift(int(company.min_gap_days)),
        "plan": default,
    }
    if invoice_ids is None:
        selections = [_rows_of_company(company.pk) + _WITH_STATE]
    elif invoice_ids:
        # The ids as ONE parameter, in one statement whatever their number:
        # thousands of literals cost PostgreSQL more to plan than to run.
        condition, [params["ids"]] = ids_condition("i.id", invoice_ids, name="ids")
        selections = [f"+i.company_id = %(company)s AND {condition}{_WITH_STATE}"]
    else:
        selections = []
    tagged = untagged = 0
    for selection in selections:
        counts = _refresh(plans, selection, params, few=invoice_ids is not None)
        tagged, untagged = tagged + counts[0], untagged + counts[1]
    return RefreshResult(today, tagged, untagged, company.pk)


# The invoices whose state can change: open, or still carrying one (an
# invoice paid, cancelled or a draft that carries none has none to compute:
# the payments of a file, written with their state, are not read again).
_WITH_STATE = (
    " AND (i.status = 'open' OR i.to_remind OR i.next_level IS NOT NULL"
    " OR i.next_reminder_on IS NOT NULL)"
)


def _default_id(company: Company) -> int | None:
    plan = plan_default(company=company)
    return plan.pk if plan else None


def _refresh(plans, selection: str, params: dict, few: bool = False) -> tuple[int, int]:
    """Compute the state into a temporary table of the rows that change, then
    write them; returns (tagged, untagged).

    Two statements rather than one UPDATE joining the table to itself: the
    computation reads the invoices once, and the UPDATE only touches the rows
    that change, found by primary key.
    """
    postgres = connection.vendor == "postgresql"
    if postgres and few:
        return _refresh_few_postgres(plans, selection, params)
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS relance_changes")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE relance_changes AS
            {_computed_sql(plans, selection, few)}
            SELECT id, seen_level, seen_status, old_tag, due, next_level, planned
            FROM computed c WHERE {_changed(distinct)}""",
            params,
        )
        write = _write_postgres if postgres else _write_sqlite
        tagged, untagged = write(cursor)
        cursor.execute("DROP TABLE relance_changes")
    return tagged, untagged


_UPDATE = """UPDATE invoices_invoice
    SET to_remind = c.due, next_level = c.next_level, next_reminder_on = c.planned
    FROM relance_changes c
    WHERE invoices_invoice.id = c.id"""


def _refresh_few_postgres(plans, selection: str, params: dict) -> tuple[int, int]:
    """`_refresh` of a list of ids on PostgreSQL in ONE statement: computed,
    written and counted, with no temporary table to create and drop (four round trips
    and catalog writes a company). The UPDATE goes back to each row by the
    place it was read from (`ctid`, a TID scan) rather than reading the
    table again, and skips a row changed meanwhile as `_write_postgres`
    does (PostgreSQL rechecks the level, status and tag on the row's newest
    version)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{_computed_sql(plans, selection, True)},
            written AS (UPDATE invoices_invoice
                SET to_remind = c.due, next_level = c.next_level,
                    next_reminder_on = c.planned
                FROM computed c
                WHERE invoices_invoice.ctid = c.seen_at
                AND invoices_invoice.id = c.id AND {_changed("IS DISTINCT FROM")}
                AND invoices_invoice.dunning_level = c.seen_level
                AND invoices_invoice.status = c.seen_status
                AND invoices_invoice.to_remind = c.old_tag
                RETURNING c.old_tag, c.due)
            SELECT COUNT(*) FILTER (WHERE due AND NOT old_tag),
                COUNT(*) FILTER (WHERE old_tag AND NOT due)
            FROM written""",
            params,
        )
        return cursor.fetchone()


def _write_postgres(cursor) -> tuple[int, int]:
    """Write, skipping a row changed meanwhile (a reminder recorded, a
    payment: its state is written with it; another run that tagged it
    first), and count what was written: two runs at once count each tag
    once."""
    cursor.execute(
        f"""WITH written AS ({_UPDATE}
            AND invoices_invoice.dunning_level = c.seen_level
            AND invoices_invoice.status = c.seen_status
            AND invoices_invoice.to_remind = c.old_tag
            RETURNING c.old_tag, c.due)
        SELECT COUNT(*) FILTER (WHERE due AND NOT old_tag),
            COUNT(*) FILTER (WHERE old_tag AND NOT due)
        FROM written"""
    )
    return cursor.fetchone()


def _write_sqlite(cursor) -> tuple[int, int]:
    """Count, then write: the transaction holds SQLite's write lock from its
    start, so nothing changed meanwhile."""
    cursor.execute(
        """SELECT
            COALESCE(SUM(CASE WHEN due AND NOT old_tag THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN old_tag AND NOT due THEN 1 ELSE 0 END), 0)
        FROM relance_changes"""
    )
    counts = cursor.fetchone()
    cursor.execute(_UPDATE)
    return counts


STATE_SETTINGS = frozenset({"min_gap_days", "time_zone"})


def company_settings_update(*, company: Company, by=None, **values) -> Company:
    """`core.services.company_update`, then, when the minimum gap or the time
    zone changed, every invoice's state recomputed for the company's day (in
    the same transaction): the daily job's incremental run counts on it."""
    before = {field: getattr(company, field) for field in STATE_SETTINGS}
    with transaction.atomic():
        company = company_update(company=company, by=by, **values)
        if any(getattr(company, field) != was for field, was in before.items()):
            invoices_refresh(company=company, today=company_today(company))
    return company


def state_of(verdict: rules.Verdict) -> tuple[bool, int | None, date | None]:
    """The stored state for a verdict of `rules.verdict` (what the SQL computes)."""
    return verdict.due, verdict.next_level, verdict.planned_on
