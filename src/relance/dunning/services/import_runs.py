"""Import runs: a file of invoices or payments taken in by a worker, so that
a big file never ends a web request in a timeout. First a dry run checks
every row (nothing saved); on confirmation a second run imports the same
file, all or nothing. The page follows the run's status."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from relance.core.clock import company_today, utc_now
from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.dunning.models import ImportRun
from relance.dunning.services.intake import invoices_take_in, payments_take_in
from relance.invoices.importing import Refused
from relance.invoices.tables import rows_estimate

TAKE_IN = {
    ImportRun.Kind.INVOICES: invoices_take_in,
    ImportRun.Kind.PAYMENTS: payments_take_in,
}
STALE_AFTER = timedelta(hours=1)  # a run "running" this long was interrupted
Status = ImportRun.Status
logger = logging.getLogger(__name__)


def import_run_record(
    *, company: Company, kind: str, filename: str, content: bytes, user=None
) -> ImportRun:
    """Keep the file and record its check (a dry run), to be queued."""
    if kind not in ImportRun.Kind.values:
        raise ApplicationError(_("Type d'import inconnu."), field="kind")
    run = ImportRun(
        company=company,
        kind=kind,
        dry_run=True,
        filename=filename[:255],
        triggered_by=user,
    )
    run.file.save(f"{company.pk}-{kind}", ContentFile(content), save=False)
    run.save()
    return run


def import_run_confirm(*, checked: ImportRun, user=None) -> ImportRun:
    """Record the import of a file whose check found no error, to be queued;
    once only (a second click, or a second tab, imports nothing twice)."""
    with transaction.atomic():
        checked = ImportRun.objects.select_for_update().get(pk=checked.pk)
        if not (checked.dry_run and checked.status == Status.DONE and checked.file):
            raise ApplicationError(
                _("Ce fichier n'a pas été vérifié sans erreur : envoyez-le à nouveau.")
            )
        if ImportRun.objects.filter(
            company=checked.company_id, file=checked.file.name, dry_run=False
        ).exists():
            raise ApplicationError(_("Ce fichier est déjà en cours d'import."))
        return ImportRun.objects.create(
            company_id=checked.company_id,
            kind=checked.kind,
            dry_run=False,
            file=checked.file.name,
            filename=checked.filename,
            triggered_by=user,
        )


def import_run_execute(
    *, run_id: int, clock: Callable[[], datetime] = utc_now
) -> ImportRun | None:
    """Check or import the run's file (the worker's task). Claimed first:
    run twice, it is done once. Whatever happens ends in a status the page
    shows: done, with the first rows and every warning (bounded), refused
    with every error and its line, or failed. Its messages are written in
    the language of who sent the file (else the company's)."""
    now = clock()
    if not ImportRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=now
    ):
        return None  # another worker has it, or it is finished
    run = ImportRun.objects.select_related("company", "triggered_by").get(pk=run_id)
    user = run.triggered_by
    with translation.override((user.language if user else "") or run.company.language):
        _take_in(run, today=company_today(run.company, now))
    run.finished_at = clock()
    run.save()
    if not run.dry_run or run.status != Status.DONE:
        _file_forget(run)
    return run


def _take_in(run: ImportRun, *, today) -> None:
    """Check or import the run's file; its outcome set on `run`, not saved."""
    take_in = TAKE_IN[run.kind]
    options = {"progress": lambda done: _progress_write(run.pk, done)}
    if run.kind == ImportRun.Kind.PAYMENTS:
        options["user"] = run.triggered_by
    try:
        with run.file.open("rb") as file:
            content = file.read()
        # Written now, outside the import's transaction, for the page.
        run.rows_total = rows_estimate(content, run.filename)
        ImportRun.objects.filter(pk=run.pk).update(rows_total=run.rows_total)
        report = take_in(
            company=run.company,
            content=content,
            filename=run.filename,
            today=today,
            dry_run=run.dry_run,
            **options,
        )
    except Refused as refused:
        run.status = Status.REFUSED
        run.error = refused.message
        run.errors = [error.as_dict() for error in refused.report.errors]
    except ApplicationError as error:
        run.status, run.error = Status.REFUSED, error.message
    except Exception:
        logger.exception("Import run %s failed", run.pk)
        run.status = Status.FAILED
        run.error = _(
            "L'import a échoué (erreur interne, notée dans le journal du serveur) : "
            "rien n'a été importé."
        )
    else:
        run.status = Status.DONE
        run.rows_done = report.created + report.updated + report.unchanged
        run.created, run.updated = report.created, report.updated
        run.unchanged = report.unchanged
        run.preview = report.preview_dict()


def _progress_key(run_id: int) -> str:
    return f"relance:import-run:{run_id}:rows-done"


def _progress_write(run_id: int, done: int) -> None:
    """The rows done so far, in the cache (a file on one machine): never in
    the database, which the import's one transaction holds (SQLite would
    make the page wait for the whole import)."""
    cache.set(_progress_key(run_id), done, timeout=int(STALE_AFTER.total_seconds()))


class Progress(NamedTuple):
    done: int
    total: int | None  # None: not known (an Excel sheet)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)


def import_run_progress(*, run: ImportRun) -> Progress:
    """Where a run is: the rows done (from the cache while it runs) of how
    many (the estimate made when it started)."""
    if run.finished or run.status == Status.QUEUED:
        return Progress(run.rows_done, run.rows_total)
    done = cache.get(_progress_key(run.pk), 0)
    total = run.rows_total
    return Progress(min(done, total) if total else done, total)


def import_runs_due(*, now: datetime) -> list[int]:
    """Runs to queue again: queued for a minute with their task lost. Runs
    left "running" by a crash fail, with what to do."""
    ImportRun.objects.filter(
        status=Status.RUNNING, started_at__lt=now - STALE_AFTER
    ).update(
        status=Status.FAILED,
        finished_at=now,
        error=_(
            "Import interrompu (arrêt du programme) : envoyez le fichier à nouveau."
        ),
    )
    return list(
        ImportRun.objects.filter(
            status=Status.QUEUED, created_at__lt=now - timedelta(minutes=1)
        ).values_list("pk", flat=True)
    )


def _file_forget(run: ImportRun) -> None:
    """The file is not kept once imported, or refused: the data is in the
    database (or must be sent again)."""
    name = run.file.name
    if not name:
        return
    with transaction.atomic():
        ImportRun.objects.filter(company=run.company, file=name).update(file="")
    run.file.storage.delete(name)
    run.file = ""
