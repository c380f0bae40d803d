from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.dunning.models import ImportRun
from relance.dunning.services.einvoice import einvoice_cdar_take_in
from relance.dunning.services.import_runs import import_run_progress
from relance.dunning.services.intake import facturx_take_in
from relance.dunning.tasks import import_run_confirm, import_run_start
from relance.invoices.facturx import facturx_read
from relance.invoices.importing import Refused
from relance.invoices.parsing import ValueRefused, parse_date
from relance.web.access import company_required
from relance.web.presenters import import_preview_rows
from relance.web.uploads import MAX_SIZE, upload_forget, upload_keep, upload_read
from relance.web.views.bank import statement_upload
from relance.web.views.common import today_of


@company_required
def imports(request):
    """Upload → check (nothing saved) → confirm → import, all or nothing.
    Invoices and payments are checked and imported by a worker."""
    if request.method != "POST":
        return render(request, "web/imports.html", {"kind": "invoices"})
    kind = request.POST.get("kind", "invoices")
    company = request.company
    if request.POST.get("action") == "confirm":
        return _facturx_confirm(request)
    if request.POST.get("action") == "einvoice_confirm":
        return _einvoice_confirm(request)
    upload = request.FILES.get("file")
    if upload is None:
        return render(
            request,
            "web/imports.html",
            {"kind": kind, "error": _("Choisissez un fichier.")},
            status=400,
        )
    if upload.size > MAX_SIZE:
        return render(
            request,
            "web/imports.html",
            {"kind": kind, "error": _("Fichier trop gros (20 Mo au plus).")},
            status=400,
        )
    if kind == "bank":
        return statement_upload(request)
    content = upload.read()
    if kind == "facturx":
        key = upload_keep(company.pk, upload.name, content)
        context = {"kind": kind, "key": key, "filename": upload.name}
        try:
            context["facturx"] = facturx_read(content)
        except ApplicationError as error:
            upload_forget(key)
            context["error"] = error.message
        return render(request, "web/imports.html", context)
    if kind == "einvoice":
        return _einvoice_check(request, upload.name, content)
    if kind not in ImportRun.Kind.values:
        kind = ImportRun.Kind.INVOICES
    # Checked by a worker (a big file takes longer than a web request may);
    # the run's page follows it.
    run = import_run_start(
        company=company,
        kind=kind,
        filename=upload.name,
        content=content,
        user=request.user,
    )
    return redirect("web:import_run", pk=run.pk)


@company_required
def import_run(request, pk):
    """A file being checked or imported by a worker: its status and its
    progress (rows done, a bar), followed every second while it runs; then
    its report, and « Importer » once it
    was checked without error."""
    run = get_object_or_404(ImportRun, pk=pk, company=request.company)
    if request.method == "POST":
        try:
            confirmed = import_run_confirm(checked=run, user=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("web:imports")
        return redirect("web:import_run", pk=confirmed.pk)
    polled = request.headers.get("HX-Request") == "true"
    template = "web/_import_run.html" if polled else "web/import_run.html"
    preview = run.preview or {}
    context = {
        "run": run,
        "progress": import_run_progress(run=run),
        "rows": import_preview_rows(run.kind, preview.get("rows", [])),
        "more_rows": preview.get("more_rows", 0),
        "warnings": preview.get("warnings", []),
        "more_warnings": preview.get("more_warnings", 0),
    }
    return render(request, template, context)


def _facturx_confirm(request):
    """Create the invoice of a Factur-X PDF, with the user's answers to what
    its XML lacks."""
    company = request.company
    key = request.POST.get("key", "")
    filename = request.POST.get("filename", "import")
    content = upload_read(company.pk, key)
    if content is None:
        messages.error(
            request, _("Le fichier n'est plus disponible : envoyez-le à nouveau.")
        )
        return redirect("web:imports")
    answers = {}
    for name in ("customer_code", "customer_name", "number"):
        if request.POST.get(name, "").strip():
            answers[name] = request.POST[name].strip()
    try:
        if request.POST.get("due_date"):
            try:
                answers["due_date"] = parse_date(request.POST["due_date"])
            except ValueRefused as error:
                raise ApplicationError(str(error), field="due_date") from None
        invoice, _created = facturx_take_in(
            company=company,
            content=content,
            filename=filename,
            today=today_of(request),
            answers=answers,
        )
    except Refused as refused:
        return _refused(request, key, filename, content, report=refused.report)
    except ApplicationError as error:
        return _refused(request, key, filename, content, error=error.message)
    upload_forget(key)
    messages.success(
        request, _("Facture %(number)s créée.") % {"number": invoice.number}
    )
    return redirect("web:invoice", pk=invoice.pk)


def _refused(request, key, filename, content, **why):
    """The import page again, with why the Factur-X invoice was refused (the
    file is kept: the user may correct the answers and confirm)."""
    context = {"kind": "facturx", "key": key, "filename": filename, **why}
    context["facturx"] = facturx_read(content)
    context["answers"] = request.POST
    return render(request, "web/imports.html", context, status=400)


def _einvoice_check(request, filename, content):
    """A CDAR message from the e-invoicing platform, checked (nothing saved):
    what each status would do, or every problem; kept for « Enregistrer »."""
    context = {"kind": "einvoice", "filename": filename}
    try:
        message, recorded = einvoice_cdar_take_in(
            company=request.company,
            content=content,
            today=today_of(request),
            dry_run=True,
        )
    except Refused as refused:
        context["einvoice_errors"] = refused.report.errors
        return render(request, "web/imports.html", context, status=400)
    except ApplicationError as error:
        context["error"] = error.message
        return render(request, "web/imports.html", context, status=400)
    context.update(
        key=upload_keep(request.company.pk, filename, content),
        einvoice_message=message,
        einvoice_recorded=recorded,
    )
    return render(request, "web/imports.html", context)


def _einvoice_confirm(request):
    company = request.company
    content = upload_read(company.pk, request.POST.get("key", ""))
    if content is None:
        messages.error(
            request, _("Le fichier n'est plus disponible : envoyez-le à nouveau.")
        )
        return redirect("web:imports")
    try:
        _message, recorded = einvoice_cdar_take_in(
            company=company, content=content, today=today_of(request)
        )
    except (Refused, ApplicationError) as error:
        messages.error(request, error.message)
        return redirect("web:imports")
    upload_forget(request.POST.get("key", ""))
    messages.success(
        request,
        _(
            "%(recorded)s statut(s) enregistré(s), %(known)s déjà reçu(s), "
            "%(payments)s règlement(s) enregistré(s)."
        )
        % {
            "recorded": len(recorded.events),
            "known": recorded.known,
            "payments": len(recorded.payments),
        },
    )
    return redirect("web:imports")
