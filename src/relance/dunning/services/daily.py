"""The daily job: every company's invoices, each on the company's own date."""

from dataclasses import dataclass
from datetime import date, datetime

from relance.core.clock import company_today
from relance.core.models import Company
from relance.dunning.services.state import RefreshResult, invoices_refresh


@dataclass(frozen=True)
class DailyRun:
    company: Company
    result: RefreshResult


def daily_run(
    *,
    now: datetime,
    on: date | None = None,
    companies: list[Company] | None = None,
) -> list[DailyRun]:
    """Tag « à relancer » every invoice whose next step is due, for each company.

    `now` gives each company its "today" in its time zone; `on` forces one date
    for all (a catch-up, a test). Running it twice on the same date changes
    nothing the second time.
    """
    if companies is None:
        companies = list(Company.objects.order_by("id"))
    runs = []
    for company in companies:
        today = on or company_today(company, now)
        runs.append(DailyRun(company, invoices_refresh(company=company, today=today)))
    return runs
