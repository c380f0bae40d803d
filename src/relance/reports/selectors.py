"""The cockpit's reads, set-based: one statement per figure, whatever the
number of invoices. Each is held to its pure reference (aging.py) by a
property test."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from relance.core.models import Company
from relance.core.sql import day_number, days_after, ids_condition, settings_local
from relance.invoices.models import Invoice, PauseKind
from relance.reports.aging import BUCKETS, KEYS, Line, due_ranges

SORTS = ("total", "code", "name", *KEYS)
BUCKET_COLUMNS = ", ".join(f"b_{key}" for key in KEYS)
# Customers whose invoices a balance can be narrowed to.
FILTERS = ("paused", "disputed")
PER_PAGE = 100  # customers on a page of « Balance âgée »


@dataclass(frozen=True)
class CustomerLine:
    pk: int
    code: str
    name: str
    line: Line

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, **self.line.as_dict()}


@dataclass(frozen=True)
class AgedBalance:
    """Customers' lines (all of them, or one page of them) and the total of
    all customers: `count` customers owe something."""

    on: date
    currency: str
    customers: list[CustomerLine]
    total: Line
    count: int

    def as_dict(self) -> dict:
        return {
            "date": self.on.isoformat(),
            "currency": self.currency,
            "total": self.total.as_dict(),
            "customers": [c.as_dict() for c in self.customers],
        }


def _money(value) -> Decimal:
    """A raw SUM of amounts (SQLite answers a float) as cents."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _bucket_sums(day: str, amount: str, on: date) -> tuple[str, list]:
    """SUM(CASE …) per bucket of `day`'s column, of `amount`'s."""
    sums, params = [], []
    for key, (first, last) in due_ranges(on).items():
        bounds = []
        if first is not None:
            bounds.append(f"{day} >= %s")
            params.append(first)
        if last is not None:
            bounds.append(f"{day} <= %s")
            params.append(last)
        sums.append(
            f"SUM(CASE WHEN {' AND '.join(bounds)} THEN {amount} ELSE 0 END) AS b_{key}"
        )
    return ", ".join(sums), params


def _scope(on: date, currency: str, filters: tuple[str, ...]) -> tuple[str, list]:
    """The conditions on a balance's invoices (alias `i`, their customer
    `cu` when "paused" is asked for)."""
    sql, params = "i.issue_date <= %s AND i.currency = %s", [on, currency]
    if "disputed" in filters:
        sql += " AND i.pause_kind = %s AND i.paused_until >= %s"
        params += [PauseKind.DISPUTE, on]
    if "paused" in filters:
        sql += (
            " AND (i.customer_id IN (SELECT id FROM invoices_customer"
            " WHERE company_id = %s AND paused_until >= %s)"
            " OR (i.paused_until >= %s AND i.pause_kind <> %s))"
        )
        params += [None, on, on, PauseKind.DISPUTE]  # company set by _sources
    return sql, params


def _parts() -> list[tuple[str, str, str, str, str, str | None]]:
    """The rows a balance adds up, as (customer, the day its bucket is
    counted from, amount, FROM … WHERE … with the company as `%s`, the
    day it starts counting, the day it stops counting or None): the
    amounts due now of open invoices; the credit left now of the credit
    notes (negative, in the bucket of their date); the payments on the
    invoices (owed on the days before them too) and the credit notes'
    allocations (negative). On a day X a row counts when its start is X or
    before and its stop, if any, after X; the invoice is `i`."""
    counts = f"('{Invoice.Status.OPEN}', '{Invoice.Status.PAID}')"
    # The partial covering indexes' conditions written as Django writes them
    # on SQLite (`> '0'`): SQLite uses a partial index only when the query
    # repeats its condition word for word. Without statistics SQLite would
    # rather read invoice_sales_idx (company, issue date): the index is named.
    # `IS NOT NULL` said outright: PostgreSQL then knows how few payments
    # name a credit note, and reads those invoices by key instead of hashing
    # all of them (0.24 s of a past date's 1 s at a million).
    paid = (
        "FROM invoices_payment p JOIN invoices_invoice i ON i.id = p.{0}"
        " WHERE p.company_id = %s AND p.{0} IS NOT NULL AND p.cancelled_at IS NULL"
        " AND i.status IN " + counts
    )
    return [
        (
            "i.customer_id",
            "i.due_date",
            "i.amount_due",
            f"FROM invoices_invoice i{_indexed('invoice_aged_idx')}"
            " WHERE i.company_id = %s AND i.amount_due > '0'"
            f" AND i.status = '{Invoice.Status.OPEN}'",
            "i.issue_date",
            None,
        ),
        (
            "i.customer_id",
            "i.issue_date",
            "-i.credit_left",
            f"FROM invoices_invoice i{_indexed('invoice_credit_left_idx')}"
            " WHERE i.company_id = %s AND i.credit_left > '0'"
            f" AND i.kind = '{Invoice.Kind.CREDIT_NOTE}' AND i.status IN {counts}",
            "i.issue_date",
            None,
        ),
        (
            "i.customer_id",
            "i.due_date",
            "p.amount",
            paid.format("invoice_id"),
            "i.issue_date",
            "p.date",
        ),
        (
            "i.customer_id",
            "i.issue_date",
            "-p.amount",
            paid.format("credit_note_id"),
            "i.issue_date",
            "p.date",
        ),
    ]


def _sources(
    company: Company,
    on: date,
    currency: str,
    filters: tuple[str, ...],
    customers: list[int] | None = None,
) -> tuple[str, list]:
    """Per customer and per kind of amount, the bucket sums: the amounts due
    now of the invoices issued by then; the credit left now of the credit
    notes (negative, in the bucket of their date); and, when payments are
    dated after `on`, those on the invoices (owed on that day too) and the
    credit notes' allocations (negative). UNION ALL of GROUP BYs.

    `customers`: of these customers only (those changed since the
    snapshot), given as a list: the planner then knows how few they are and
    reads their invoices and payments by key."""
    scope, scope_params = _scope(on, currency, filters)
    scope_params = [company.pk if p is None else p for p in scope_params]
    if customers is not None:
        condition, ids = ids_condition("i.customer_id", customers)
        scope += f" AND {condition}"
        scope_params += ids
    parts = [
        (customer, day, amount, source + (f" AND {end} > %s" if end else ""), end)
        for customer, day, amount, source, _start, end in _parts()
    ]
    if not _paid_after(company, on):  # most balances are today's
        parts = [part for part in parts if not part[-1]]
    selects, params = [], []
    for customer, day, amount, source, end in parts:
        sums, sum_params = _bucket_sums(day, amount, on)
        selects.append(
            f"SELECT {customer} AS customer_id, {sums} {source} AND {scope}"
            f" GROUP BY {customer}"
        )
        params += [*sum_params, company.pk]
        if end:
            params.append(on)
        params += scope_params
    return " UNION ALL ".join(selects), params


# Beyond this many customers changed since the snapshots (a big import),
# a page is computed live: naming them all costs more than grouping. (A
# statement changing more than this many marks the company instead of each
# customer: migration reports 0009 holds this figure too.)
STALE_MOST = 10_000


def _stale(company: Company) -> list[int | None]:
    """The customers changed since the snapshots (marked by triggers: ADR
    29), read once for both statements of a read; None among them when the
    whole company is marked."""
    from relance.reports.models import AgedMark

    return list(
        AgedMark.objects.filter(company_id=company.pk)
        .values_list("customer_id", flat=True)
        .distinct()
    )


def _marks_named(company: Company) -> list[int] | None:
    """The customers changed since the snapshots, to read live beside them;
    None when the company's balance must be read live whole (the company
    marked as one, or more customers than a read names)."""
    stale = _stale(company)
    return None if None in stale or len(stale) > STALE_MOST else stale


def _snapshot_id(company: Company, currency: str, on: date) -> int | None:
    from relance.reports.models import AgedSnapshot

    return (
        AgedSnapshot.objects.filter(company_id=company.pk, currency=currency, on=on)
        .values_list("pk", flat=True)
        .first()
    )


def _snapshot_read(
    company: Company,
    on: date,
    currency: str,
    order: str,
    limit: int | None,
    offset: int,
) -> tuple[list, int, list] | None:
    """When the snapshot holds for `on`: the page's rows (customer, code,
    name, buckets), the number of customers owing and the sums of all, read
    from the snapshot's lines of the customers unchanged since and the
    others' grouped live (one line per customer either way: no GROUP BY,
    no join over the snapshot). A page takes only its first `offset +
    limit` lines of the snapshot, in the order of an index. Else None.

    The marks are read first: a build starting afterwards deletes them only
    with the snapshot, which the read then does not find (or finds built
    again, with every write it did not mark). The snapshot is looked for
    again after the lines: built again meanwhile, the read is done live."""
    stale = _marks_named(company)
    snapshot = _snapshot_id(company, currency, on)
    if snapshot is None or stale is None:
        return None
    kept = (
        f"SELECT customer_id, code, name, {BUCKET_COLUMNS}, total"
        " FROM reports_agedline"
        ' WHERE company_id = %s AND currency = %s AND "on" = %s'
    )
    kept_params = [company.pk, currency, on]
    live, live_params = "", []
    if stale:
        condition, ids = ids_condition("customer_id", stale)
        kept += f" AND NOT ({condition})"
        kept_params += ids
        live, live_params = _live_lines(company, on, currency, customers=stale)
        live = f" UNION ALL {live}"
    first, first_params = kept, kept_params
    page, page_params = "", []
    if limit is not None:
        first = f"SELECT * FROM ({kept} ORDER BY {order} LIMIT %s) k"
        first_params = [*kept_params, offset + limit]
        page, page_params = " LIMIT %s OFFSET %s", [limit, offset]
    sums = ", ".join(f"SUM(b_{key})" for key in KEYS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, code, name, {BUCKET_COLUMNS}"
            f" FROM ({first}{live}) g ORDER BY {order}{page}",
            [*first_params, *live_params, *page_params],
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"SELECT COUNT(*), {sums} FROM ({kept}{live}) g",
            [*kept_params, *live_params],
        )
        count, *amounts = cursor.fetchone()
    if _snapshot_id(company, currency, on) != snapshot:
        return None
    return rows, count, amounts


def _nearest_kept(company: Company, on: date, currency: str) -> tuple | None:
    """When `on` lies within the changes' span (ADR 29, amended in the
    fourteenth round) and the marks name the customers changed since: those
    customers, the snapshot of the kept day nearest to `on`, the span, and
    that day. Else None. The marks are read first, as in `_snapshot_read`."""
    from relance.reports.models import AgedChangeSpan, AgedSnapshot

    stale = _marks_named(company)
    if stale is None:
        return None
    span = (
        AgedChangeSpan.objects.filter(
            company_id=company.pk, currency=currency, after__lte=on, until__gte=on
        )
        .values_list("pk", "after", "until")
        .first()
    )
    if span is None:
        return None
    span, after, until = span
    kept = AgedSnapshot.objects.filter(
        company_id=company.pk, currency=currency, on__gte=after, on__lte=until
    ).values_list("pk", "on")
    if not kept:
        return None
    snapshot, day = min(kept, key=lambda each: abs((each[1] - on).days))
    return stale, snapshot, span, day


def _derived(company: Company, on: date, currency: str) -> tuple | None:
    """When `on` is kept by no snapshot but lies within the changes' span
    (ADR 29, amended in the fourteenth round): the statement of each
    customer's line on `on` made of the nearest kept day's lines plus the
    changes of the days from there to `on` (minus them, from a later day),
    those of the customers changed since grouped live; with the kept day's
    snapshot and the span, to check they still hold once read. Else None.
    The marks are read first, as in `_snapshot_read`."""
    found = _nearest_kept(company, on, currency)
    if found is None:
        return None
    stale, snapshot, span, day = found
    first, last = sorted((on, day))
    sign = "+" if on > day else "-"
    changes = (
        "SELECT customer_id, "
        + ", ".join(f"SUM(b_{key}) AS b_{key}" for key in KEYS)
        + " FROM reports_agedchange WHERE company_id = %s AND currency = %s"
        " AND day > %s AND day <= %s"
    )
    params = [company.pk, currency, first, last]
    kept_line = 'k.company_id = %s AND k.currency = %s AND k."on" = %s'
    kept_params = [company.pk, currency, day]
    fresh, fresh_params = "", []
    live, live_params = "", []
    if stale:
        condition, ids = ids_condition("customer_id", stale)
        changes += f" AND NOT ({condition})"
        params += ids
        condition, ids = ids_condition("k.customer_id", stale)
        fresh, fresh_params = f" AND NOT ({condition})", ids
        live, live_params = _live_lines(company, on, currency, customers=stale)
        live = f" UNION ALL {live}"
    # Rounded to the cent: SQLite adds decimals up as floats.
    kept_amounts = ", ".join(
        f"ROUND(k.b_{key} {sign} COALESCE(c.b_{key}, 0), 2) AS b_{key}" for key in KEYS
    )
    new_amounts = ", ".join(f"ROUND({sign}c.b_{key}, 2)" for key in KEYS)
    nonzero = " OR ".join(f"b_{key} <> 0" for key in KEYS)
    total = "ROUND(" + " + ".join(f"b_{key}" for key in KEYS) + ", 2)"
    # The changes summed once per customer (MATERIALIZED: read twice), then
    # added to the kept day's lines; a customer owing on `on` but not on
    # the kept day has no line there: its code and name are read. The
    # customers marked since are left out of both, read live.
    sql = (
        f"WITH c AS MATERIALIZED ({changes} GROUP BY customer_id)"
        f" SELECT customer_id, code, name, {BUCKET_COLUMNS},"
        f" {total} AS total FROM (SELECT k.customer_id, k.code, k.name,"
        f" {kept_amounts} FROM reports_agedline k"
        f" LEFT JOIN c ON c.customer_id = k.customer_id WHERE {kept_line}{fresh}"
        f" UNION ALL SELECT c.customer_id, cu.code, cu.name, {new_amounts} FROM c"
        " JOIN invoices_customer cu ON cu.id = c.customer_id"
        f" WHERE NOT EXISTS (SELECT 1 FROM reports_agedline k WHERE {kept_line}"
        " AND k.customer_id = c.customer_id))"
        f" d WHERE {nonzero}{live}"
    )
    sql_params = [*params, *kept_params, *fresh_params, *kept_params, *live_params]
    return sql, sql_params, (snapshot, span)


def _derived_holds(held: tuple) -> bool:
    """Whether the kept day's snapshot and the changes' span read are still
    there, not built again meanwhile."""
    from relance.reports.models import AgedChangeSpan, AgedSnapshot

    snapshot, span = held
    return (
        AgedSnapshot.objects.filter(pk=snapshot).exists()
        and AgedChangeSpan.objects.filter(pk=span).exists()
    )


def late_leaders(
    *, company: Company, on: date, currency: str, top: int
) -> list[tuple[int, int]] | None:
    """The customers whose late amount (all buckets but « not due yet ») on
    `on` is at least the `top`-th largest, ties included, with that amount
    in cents (customer, cents): the nearest kept day's lines plus or minus
    the changes between, those of the customers changed since read live,
    as `_derived` reads a page, but the late sum only, unnamed. None when
    they do not hold for `on` or were built again meanwhile (ADR 13,
    amended in the fifteenth round: the late payers are then computed
    live)."""
    found = _nearest_kept(company, on, currency)
    if found is None:
        return None
    stale, snapshot, span, day = found
    first, last = sorted((on, day))
    sign = "" if on > day else "-"
    late = "(" + " + ".join(f"b_{key}" for key in KEYS[1:]) + ")"
    # Summed in cents, as integers: PostgreSQL's numeric sums took a fifth
    # longer (and SQLite's are floats).
    cents = f"CAST(ROUND({late} * 100) AS BIGINT)"
    scope = "company_id = %s AND currency = %s"
    fresh, fresh_params, live, live_params = "", [], "", []
    if stale:
        condition, fresh_params = ids_condition("customer_id", stale)
        fresh = f" AND NOT ({condition})"
        lines, live_params = _live_lines(company, on, currency, customers=stale)
        live = f" UNION ALL SELECT customer_id, {cents} FROM ({lines}) v"
    sql = f"""
        WITH l AS MATERIALIZED (
            SELECT customer_id, SUM(late) AS late FROM (
                SELECT customer_id, {cents} AS late FROM reports_agedline
                WHERE {scope} AND "on" = %s AND {late} <> 0{fresh}
                UNION ALL SELECT customer_id, {sign}{cents} FROM reports_agedchange
                WHERE {scope} AND day > %s AND day <= %s AND {late} <> 0{fresh}{live}
            ) u GROUP BY customer_id HAVING SUM(late) > 0
        )
        SELECT customer_id, late FROM l WHERE late >= COALESCE(
            (SELECT late FROM l ORDER BY late DESC LIMIT 1 OFFSET %s), 0)
    """
    params = [
        *(company.pk, currency, day, *fresh_params),
        *(company.pk, currency, first, last, *fresh_params),
        *live_params,
        top - 1,
    ]
    with settings_local(jit="off"), connection.cursor() as cursor:
        cursor.execute(sql, params)
        leaders = [(pk, int(cents)) for pk, cents in cursor.fetchall()]
    return leaders if _derived_holds((snapshot, span)) else None


def _indexed(name: str) -> str:
    """SQLite's INDEXED BY `name` (PostgreSQL has statistics)."""
    return f" INDEXED BY {name}" if connection.vendor == "sqlite" else ""


def _paid_after(company: Company, on: date) -> bool:
    """Whether any payment is dated after `on` (most balances are today's:
    then no more GROUP BYs)."""
    from relance.invoices.models import Payment

    return Payment.objects.filter(company=company, date__gt=on).exists()


ORDER = {
    "total": "total",
    "code": "LOWER(code)",
    "name": "LOWER(name)",
    **{key: f"b_{key}" for key in KEYS},
}


def _order_by(sort: str, descending: bool) -> str:
    way = "DESC" if descending else "ASC"
    first = f"{ORDER.get(sort, 'total')} {way}"
    if sort in KEYS:
        first += f", total {way}"
    return f"{first}, code, customer_id"


def _grouped(sources: str) -> str:
    """Per customer owing something, the sums by bucket (`b_<key>`) and
    their `total`, of the sources' rows."""
    # Rounded to the cent: SQLite adds decimals up as floats, and a line
    # must be zero, or two totals equal, exactly as in the reference.
    sums = ", ".join(f"ROUND(SUM(b_{key}), 2) AS b_{key}" for key in KEYS)
    nonzero = " OR ".join(f"ROUND(SUM(b_{key}), 2) <> 0" for key in KEYS)
    total = "ROUND(" + " + ".join(f"SUM(b_{key})" for key in KEYS) + ", 2)"
    return (
        f"SELECT customer_id, {sums}, {total} AS total"
        f" FROM ({sources}) s GROUP BY customer_id HAVING {nonzero}"
    )


def _customer_line(row) -> CustomerLine:
    """A row (customer, code, name, the buckets, …) as a customer's line."""
    amounts = map(_money, row[3 : 3 + len(KEYS)])
    return CustomerLine(
        row[0], row[1], row[2], Line(dict(zip(KEYS, amounts, strict=True)))
    )


def _live_lines(
    company: Company,
    on: date,
    currency: str,
    filters: tuple[str, ...] = (),
    customers: list[int] | None = None,
) -> tuple[str, list]:
    """Each customer's line computed from the invoices and payments (of
    `customers` only, when given)."""
    sources, params = _sources(company, on, currency, filters, customers=customers)
    return _named(_grouped(sources)), params


def _named(lines: str) -> str:
    """The lines with their customer's code and name."""
    columns = ", ".join(f"g.b_{key}" for key in KEYS)
    return (
        f"SELECT g.customer_id, cu.code, cu.name, {columns}, g.total FROM ({lines}) g"
        " JOIN invoices_customer cu ON cu.id = g.customer_id"
    )


def owed_lines_sql(company: Company, on: date, currency: str) -> tuple[str, list]:
    """The live statement of each customer's line on `on` (customer_id,
    code, name, the buckets `b_<key>`, total): what the snapshot is built
    from."""
    return _live_lines(company, on, currency)


def _bucket_case(late: str) -> str:
    """The index in KEYS of the bucket of `late` days late."""
    whens = " ".join(
        f"WHEN {late} <= {end} THEN {index}"
        for index, (_key, end) in enumerate(BUCKETS)
        if end is not None
    )
    return f"CASE {whens} ELSE {len(KEYS) - 1} END"


def owed_changes_sql(
    company: Company, currency: str, after: date, until: date
) -> tuple[str, list]:
    """The statement of what each customer's sums by bucket gained on each
    day after `after` up to `until` over the day before (day, customer_id,
    `b_<key>`; customers with a change that day only): each row of
    `_parts` adds its amount to its bucket the day it starts counting,
    moves it one bucket on the day after each bucket's last day late, and
    takes it out the day it stops counting. What the changes are built
    from (ADR 29, amended in the fourteenth round)."""
    # A row moves into the last bucket this many days after its day.
    last = max(end for _key, end in BUCKETS if end is not None) + 1
    rows, params = [], []
    for customer, day, amount, source, start, end in _parts():
        # Rows whose every change is on `after` or before are left out: a
        # payment dated then, an invoice issued then and in the last
        # bucket by then.
        if end is None:
            stop, last_late = "CAST(NULL AS date)", "CAST(NULL AS integer)"
            counted = f" AND ({start} > %s OR {day} > %s)"
            counted_params = [after, after - timedelta(days=last)]
        else:
            stop, counted = end, f" AND {end} > {start} AND {end} > %s"
            last_late = f"{day_number(end)} - {day_number(day)} - 1"
            counted_params = [after]
        rows.append(
            f"SELECT {customer} AS customer_id, {day} AS anchor, {amount} AS amount,"
            f" {start} AS start, {day_number(start)} - {day_number(day)}"
            " AS start_late,"
            f" {stop} AS stop, {last_late} AS last_late"
            f" {source} AND i.currency = %s{counted}"
        )
        params += [company.pk, currency, *counted_params]
    # The days late on the day each bucket but the first begins, and that
    # bucket: crossed between the row's first and last day counted.
    crossings = ", ".join(
        f"({end + 1}, {index + 1})"
        for index, (_key, end) in enumerate(BUCKETS)
        if end is not None
    )
    crossed = (
        "FROM r JOIN x ON x.late > r.start_late"
        " AND (r.stop IS NULL OR x.late <= r.last_late)"
    )
    events = (
        f"SELECT r.customer_id, r.start AS day, {_bucket_case('r.start_late')}"
        " AS bucket, r.amount FROM r"
        f" UNION ALL SELECT r.customer_id, r.stop, {_bucket_case('r.last_late')},"
        " -r.amount FROM r WHERE r.stop IS NOT NULL"
        f" UNION ALL SELECT r.customer_id, {days_after('r.anchor', 'x.late')},"
        f" x.bucket - 1, -r.amount {crossed}"
        f" UNION ALL SELECT r.customer_id, {days_after('r.anchor', 'x.late')},"
        f" x.bucket, r.amount {crossed}"
    )
    sums = ", ".join(
        f"ROUND(SUM(CASE WHEN bucket = {index} THEN amount ELSE 0 END), 2) AS b_{key}"
        for index, key in enumerate(KEYS)
    )
    sql = (
        f"WITH r AS ({' UNION ALL '.join(rows)}),"
        f" x(late, bucket) AS (VALUES {crossings})"
        f" SELECT day, customer_id, {sums} FROM ({events}) e"
        " WHERE day > %s AND day <= %s GROUP BY day, customer_id"
    )
    return sql, [*params, after, until]


def aged_balance(
    *,
    company: Company,
    on: date,
    filters: tuple[str, ...] = (),
    sort: str = "total",
    descending: bool = True,
    currency: str = "EUR",
    limit: int | None = None,
    offset: int = 0,
) -> AgedBalance:
    """The amounts each customer owed on `on`, by bucket of days late, and
    their total: one statement. The customers' sums are grouped, sorted
    and, with `limit`, paged in SQL; the total and the number of customers
    owing are window sums over all of them, so that a page reads only its
    own customers' names. When a snapshot holds for `on` (today's, a month
    end's) and no filter is asked, its lines are read instead of grouped,
    but those of the customers changed since, grouped live
    (`_snapshot_read`, ADR 29); on another day within the changes' span,
    the nearest kept day's lines and the changes between (`_derived`, ADR
    29 amended).

    `filters`: "paused" (the customer's dunning is paused, or the invoice's,
    but not for a dispute), "disputed" (invoices in dispute). Amounts of one
    currency only: they do not add up across currencies."""
    order = _order_by(sort, descending)
    page = {"order": order, "limit": limit, "offset": offset}
    if filters:
        return _lines_read(company, on, currency, filters, **page)
    read = _snapshot_read(company, on, currency, order, limit, offset)
    if read:
        rows, count, amounts = read
        return AgedBalance(
            on,
            currency,
            [_customer_line(row) for row in rows],
            Line(dict(zip(KEYS, map(_money, amounts), strict=True))),
            count,
        )
    derived = _derived(company, on, currency)
    if derived:
        lines, params, held = derived
        balance = _lines_read(company, on, currency, filters, lines, params, **page)
        if _derived_holds(held):
            return balance
        # Built again while read: computed live.
    return _lines_read(company, on, currency, filters, **page)


def _lines_read(
    company: Company,
    on: date,
    currency: str,
    filters: tuple[str, ...],
    lines: str | None = None,
    params: list | None = None,
    *,
    order: str,
    limit: int | None,
    offset: int,
) -> AgedBalance:
    """The balance of the customers' `lines` (live when not given), sorted
    and paged, with the count and the sums of all: one statement."""
    if lines is None:
        lines, params = _live_lines(company, on, currency, filters)
    sums = ", ".join(f"SUM(b_{key})" for key in KEYS)
    page = " LIMIT %s OFFSET %s" if limit is not None else ""
    sql = f"""
        WITH g AS MATERIALIZED (SELECT * FROM ({lines}) l)
        SELECT customer_id, code, name, {BUCKET_COLUMNS}, a.*
        FROM g, (SELECT COUNT(*), {sums} FROM g) a
        ORDER BY {order}{page}
    """
    params = [*params, *([limit, offset] if limit is not None else [])]
    # JIT compiled the statement for 0.1 s of its 0.3–0.6 s at a million
    # invoices, past its cost threshold with a few customers marked.
    with settings_local(jit="off"), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    n = len(KEYS)
    customers = [_customer_line(row) for row in rows]
    if rows:
        count = rows[0][3 + n]
        amounts = map(_money, rows[0][4 + n :])
        total_line = Line(dict(zip(KEYS, amounts, strict=True)))
    elif offset:  # a page past the end: the count and total of all
        whole = aged_balance(
            company=company, on=on, filters=filters, currency=currency, limit=1
        )
        count, total_line = whole.count, whole.total
    else:
        count, total_line = 0, Line()
    return AgedBalance(on, currency, customers, total_line, count)
