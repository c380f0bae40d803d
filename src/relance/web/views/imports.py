from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.dunning.services.intake import (
    facturx_take_in,
    invoices_take_in,
    payments_take_in,
)
from relance.invoices.facturx import facturx_read
from relance.invoices.importing import Refused
from relance.invoices.parsing import ValueRefused, parse_date
from relance.web.access import company_required
from relance.web.uploads import MAX_SIZE, upload_forget, upload_keep, upload_read
from relance.web.views.common import today_of

KINDS = {"invoices": invoices_take_in, "payments": payments_take_in}


@company_required
def imports(request):
    """Upload → preview (nothing saved) → confirm. All or nothing."""
    if request.method != "POST":
        return render(request, "web/imports.html", {"kind": "invoices"})
    kind = request.POST.get("kind", "invoices")
    company = request.company
    if request.POST.get("action") == "confirm":
        return _confirm(request, kind)
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
    content = upload.read()
    key = upload_keep(company.pk, upload.name, content)
    context = {"kind": kind, "key": key, "filename": upload.name}
    if kind == "facturx":
        try:
            context["facturx"] = facturx_read(content)
        except ApplicationError as error:
            upload_forget(key)
            context["error"] = error.message
        return render(request, "web/imports.html", context)
    take_in = KINDS.get(kind, invoices_take_in)
    try:
        context["report"] = take_in(
            company=company,
            content=content,
            filename=upload.name,
            today=today_of(request),
            dry_run=True,
        )
    except Refused as refused:
        upload_forget(key)
        context["report"] = refused.report
    except ApplicationError as error:
        upload_forget(key)
        context["error"] = error.message
    return render(request, "web/imports.html", context)


def _confirm(request, kind):
    company = request.company
    key = request.POST.get("key", "")
    filename = request.POST.get("filename", "import")
    content = upload_read(company.pk, key)
    if content is None:
        messages.error(
            request, _("Le fichier n'est plus disponible : envoyez-le à nouveau.")
        )
        return redirect("web:imports")
    today = today_of(request)
    try:
        if kind == "facturx":
            answers = {}
            for name in ("customer_code", "customer_name", "number"):
                if request.POST.get(name, "").strip():
                    answers[name] = request.POST[name].strip()
            if request.POST.get("due_date"):
                try:
                    answers["due_date"] = parse_date(request.POST["due_date"])
                except ValueRefused as error:
                    raise ApplicationError(str(error), field="due_date") from None
            invoice, _created = facturx_take_in(
                company=company,
                content=content,
                filename=filename,
                today=today,
                answers=answers,
            )
            upload_forget(key)
            messages.success(
                request, _("Facture %(number)s créée.") % {"number": invoice.number}
            )
            return redirect("web:invoice", pk=invoice.pk)
        if kind == "payments":
            report = payments_take_in(
                company=company,
                content=content,
                filename=filename,
                today=today,
                user=request.user,
            )
        else:
            report = invoices_take_in(
                company=company, content=content, filename=filename, today=today
            )
    except Refused as refused:
        return _refused(request, kind, key, filename, content, report=refused.report)
    except ApplicationError as error:
        return _refused(request, kind, key, filename, content, error=error.message)
    upload_forget(key)
    messages.success(
        request,
        _("Import terminé : %(created)s créé(s), %(updated)s mis à jour.")
        % {"created": report.created, "updated": report.updated},
    )
    return redirect("web:invoices")


def _refused(request, kind, key, filename, content, **why):
    """The import page again, with why the confirmed import was refused (the
    file is kept: the user may correct the Factur-X answers and confirm)."""
    context = {"kind": kind, "key": key, "filename": filename, **why}
    if kind == "facturx":
        context["facturx"] = facturx_read(content)
        context["answers"] = request.POST
    return render(request, "web/imports.html", context, status=400)
