"""The daily job: one company's invoices tagged « à relancer » on its own
date, recorded as a DailyRun whoever starts it.

The scheduler starts it at each company's hour (`daily_runs_due`, then
`daily_run_execute` in a task); a person starts it from the command line or
the API (`daily_runs_now`). A scheduled run also sends, when the company
sends automatically, and mails the digest of what needs a person; a run
started by a person only tags.
"""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from relance.core.clock import company_today
from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.core.money import format_date
from relance.dunning import rules
from relance.dunning.models import DailyRun, Reminder
from relance.dunning.planning import reminder_plan
from relance.dunning.selectors import plans_active, plans_active_of
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.digest import digest_send
from relance.dunning.services.send_runs import send_run_record
from relance.dunning.services.state import (
    dated_tags_write,
    invoices_refresh,
    state_key,
)
from relance.dunning.tagged_count import tagged_counts, tagged_counts_reset
from relance.invoices.dunning_index import dunning_index_repair

RESTART_AFTER = timedelta(minutes=10)  # a daily run unfinished by then is re-queued


def daily_runs_due(*, now: datetime) -> tuple[list[DailyRun], list[DailyRun]]:
    """The scheduled runs to execute now: those started for every company
    whose hour has come today, and those whose task was lost.

    Called each minute by the scheduler. A company's run is recorded first:
    the database refuses a second scheduled run on the same date, so a
    machine that was off at the hour runs it once at start, and never twice.
    """
    started = []
    for company in Company.objects.only("pk", "time_zone", "daily_run_at"):
        today = rules.daily_run_date(company.time_zone, company.daily_run_at, now)
        if today is None:
            continue
        try:
            with transaction.atomic():
                run = DailyRun.objects.create(
                    company=company,
                    date=today,
                    origin=DailyRun.Origin.SCHEDULE,
                    started_at=now,
                )
        except IntegrityError:
            continue  # already run today
        started.append(run)
    lost = DailyRun.objects.filter(
        origin=DailyRun.Origin.SCHEDULE,
        finished_at=None,
        started_at__lt=now - RESTART_AFTER,
    ).exclude(pk__in=[run.pk for run in started])
    return started, list(lost)


def daily_runs_now(
    *,
    now: datetime,
    on: date | None = None,
    companies: list[Company] | None = None,
    force: bool = False,
    full: bool = False,
) -> list[DailyRun]:
    """Run the daily job now for each company (all by default), recorded as
    started by a person.

    `now` gives each company its "today" in its time zone; `on` forces one date
    for all (a catch-up, a test). Running it twice on the same date changes
    nothing the second time. A date before a company's last run would set
    its invoices back to that day (until the next run): refused unless
    `force`.
    """
    if companies is None:
        companies = list(Company.objects.order_by("id"))
    else:  # as they are now: their gap and time zone decide how each runs
        fresh = Company.objects.in_bulk([company.pk for company in companies])
        companies = [fresh[company.pk] for company in companies]
    days = {company.pk: on or company_today(company, now) for company in companies}
    last = _last_runs(company_ids=list(days))
    for company in companies if on and not force else []:
        last_date = last.get(company.pk, (None, None))[0]
        if last_date and on < last_date:
            raise ApplicationError(
                _(
                    "Le %(date)s précède la dernière tâche quotidienne de %(company)s "
                    "(%(last)s) : les factures reviendraient à ce jour-là. Pour le "
                    "faire quand même, ajoutez --force."
                )
                % {
                    "date": format_date(on),
                    "company": company.name,
                    "last": format_date(last_date),
                },
                field="date",
            )
    together = {} if full else _runs_by_date(companies, days, last, now)
    runs = []
    for company in companies:
        if company.pk in together:
            runs.append(together[company.pk])
            continue
        run = DailyRun.objects.create(
            company=company,
            date=days[company.pk],
            origin=DailyRun.Origin.MANUAL,
            started_at=now,
        )
        runs.append(daily_run_execute(run_id=run.pk, now=now, full=full))
    return runs


def _last_runs(*, company_ids: list[int]) -> dict[int, tuple[date, str]]:
    """Each company's last finished daily run: its latest date and the state
    key of the one that finished last, in one statement."""
    latest = (
        DailyRun.objects.filter(company=OuterRef("company"), finished_at__isnull=False)
        .order_by("-finished_at", "-id")
        .values("state_key")[:1]
    )
    rows = (
        DailyRun.objects.filter(company_id__in=company_ids, finished_at__isnull=False)
        .values("company_id")
        .annotate(last_date=Max("date"), last_key=Subquery(latest))
        .values_list("company_id", "last_date", "last_key")
    )
    return {pk: (last_date, key) for pk, last_date, key in rows}


def _runs_by_date(
    companies: list[Company], days: dict, last: dict, now: datetime
) -> dict[int, DailyRun]:
    """The runs of the companies whose steps and gap are those of their last
    run, done together (by company id): only the tags the date changes are
    written (ADR 19), in one statement for all the companies of a date
    (`state.dated_tags_write`), then their numbers tagged as the database
    keeps them (ADR 31), their runs in one insert. A few statements whatever
    the number of companies; a first run or a changed key is not among them
    (each runs on its own, computing everything). Tags written whose runs
    were not recorded (an error in between) are written again by the next
    run: nothing else."""
    plans = plans_active_of(company_ids=list(days))
    keys = {
        company.pk: state_key(
            company=company, plans=plans[company.pk][0], default=plans[company.pk][1]
        )
        for company in companies
    }
    same = [
        company.pk
        for company in companies
        if company.pk in last and last[company.pk][1] == keys[company.pk]
    ]
    if not same:
        return {}
    by_day = {}
    for pk in same:
        by_day.setdefault(days[pk], []).append(pk)
    written = {}
    for today, company_ids in by_day.items():
        written |= dated_tags_write(company_ids=company_ids, today=today)
    counts = tagged_counts(company_ids=same)
    runs = DailyRun.objects.bulk_create(
        [
            DailyRun(
                company_id=pk,
                date=days[pk],
                origin=DailyRun.Origin.MANUAL,
                started_at=now,
                finished_at=now,
                tagged=written[pk][0],
                untagged=written[pk][1],
                to_remind=counts[pk],
                full=False,
                state_key=keys[pk],
            )
            for pk in same
        ]
    )
    by_company = {company.pk: company for company in companies}
    for run in runs:
        run.company = by_company[run.company_id]
    return {run.company_id: run for run in runs}


def daily_run_execute(*, run_id: int, now: datetime, full: bool = False) -> DailyRun:
    """The daily job of one company: tag; when scheduled, send if automatic
    and report failures.

    Tagging looks only at the invoices whose tag the date changes, when the
    company's last daily run had the same steps and minimum gap (ADR 19):
    every write recomputes the state of the rows it changes, and a change of
    steps recomputes them all. Otherwise, or when `full`, every invoice.

    Safe to run twice: tagging is idempotent, a reminder already pending for a
    level is never created again, and the digest is claimed before it goes.
    """
    run = DailyRun.objects.select_related("company").get(pk=run_id)
    company = run.company
    plans, default = plans_active(company=company)
    run.state_key = state_key(company=company, plans=plans, default=default)
    last_key = (
        DailyRun.objects.filter(company=company, finished_at__isnull=False)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-id")
        .values_list("state_key", flat=True)
        .first()
    )
    run.full = full or last_key != run.state_key
    if full:  # asked for (`relance daily --full`): the dunning index too
        dunning_index_repair(company_ids=[company.pk])
    result = invoices_refresh(
        company=company,
        today=run.date,
        dated_only=not run.full,
        plans=plans,
        default=default,
    )
    if run.full:  # the number kept counted again, as everything else is
        tagged_counts_reset(company_ids=[company.pk])
    run.tagged, run.untagged = result.tagged, result.untagged
    run.to_remind = tagged_counts(company_ids=[company.pk])[company.pk]
    scheduled = run.origin == DailyRun.Origin.SCHEDULE
    if scheduled and company.auto_send:
        plan = reminder_plan(company=company, today=run.date)
        if plan.problems:
            run.error = " ".join(plan.problems)
        elif plan.messages:
            send_run, created = send_run_record(
                plan=plan, origin=Reminder.Origin.SCHEDULE
            )
            delivered = reminders_deliver(
                reminder_ids=[r.pk for r in created.reminders], now=now, today=run.date
            )
            run.send_run = send_run
            run.sent = len(delivered.sent)
            run.failed = (
                len(delivered.failed)
                + len(delivered.uncertain)
                + len(delivered.retrying)
            )
            # Each answer is recorded at its own moment: the run ends after
            # the last one (and the digest covers them all).
            outcomes = [
                *delivered.sent,
                *delivered.failed,
                *delivered.uncertain,
                *delivered.retrying,
            ]
            now = max([now, *(reminder.updated_at for reminder in outcomes)])
    run.finished_at = now
    run.save()
    if scheduled:
        digest_send(company=company, run=run, now=now)
    return run
