from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.core import logos
from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.invitations import invitation_cancel, invitations_pending
from relance.core.languages import company_languages
from relance.core.models import ChangeKind, Invitation, Membership
from relance.core.services import (
    COMPANY_FIELDS,
    company_logo_remove,
    company_logo_set,
    membership_remove,
)
from relance.dunning import defaults
from relance.dunning.languages import StepText
from relance.dunning.messages import compose
from relance.dunning.models import DunningPlan, DunningStep
from relance.dunning.selectors import plan_list
from relance.dunning.services.plans import plan_default_ensure
from relance.dunning.services.state import company_settings_update
from relance.dunning.services.steps import (
    FIELDS,
    step_move,
    step_save_with_texts,
    step_texts_of,
    step_update,
)
from relance.invoices.models import Invoice
from relance.law.services import penalty_rate_check
from relance.mailing import templating, variables
from relance.mailing.invitations import invitation_send
from relance.reports.changes import (
    change_lines,
    change_title,
    change_who,
    changes_page,
)
from relance.web.access import admin_required
from relance.web.forms import CompanyForm, InviteForm, StepForm, apply_error
from relance.web.views.common import today_of


def _plan(request) -> DunningPlan:
    """The plan whose steps are shown (`?plan=`), the default one else."""
    wanted = request.GET.get("plan", "")
    if wanted.isdigit():
        return get_object_or_404(DunningPlan, pk=int(wanted), company=request.company)
    return plan_default_ensure(company=request.company)


def _steps_url(plan_id: int) -> str:
    return f"{reverse('web:steps')}?plan={plan_id}"


@admin_required
def step_list(request):
    plan = _plan(request)
    steps = DunningStep.objects.filter(company=request.company, plan=plan).order_by(
        "-active", "order", "id"
    )
    # Subjects shown as they would read on one of the company's own invoices
    # (a number that exists); on the catalogue's sample when it has none.
    invoice = _preview_invoices(request).first()
    level = 0
    rows = []
    sample = variables.sample()
    for step in steps:
        level += step.active
        try:
            if not step.subject:
                subject = ""
            elif invoice:
                subject = compose(
                    company=request.company,
                    customer=invoice.customer,
                    invoices=[invoice],
                    step=step,
                    today=today_of(request),
                ).subject
            else:
                subject = templating.render(step.subject, sample)
        except templating.TemplateRefused:
            subject = step.subject
        rows.append(
            {"step": step, "level": level if step.active else None, "subject": subject}
        )
    context = {
        "rows": rows,
        "sample_invoice": invoice,
        "plan": plan,
        "plans": plan_list(company=request.company),
    }
    return render(request, "web/step_list.html", context)


def _preview_invoices(request):
    return (
        Invoice.objects.filter(company=request.company, status=Invoice.Status.OPEN)
        .select_related("customer")
        .order_by("-to_remind", "due_date")[:50]
    )


@admin_required
def step_edit(request, pk=None):
    company = request.company
    step = get_object_or_404(DunningStep, pk=pk, company=company) if pk else None
    plan = step.plan if step else _plan(request)
    codes = company_languages(company.languages)
    if request.method == "POST":
        form = StepForm(request.POST, languages=codes)
        if form.is_valid():
            values = {field: form.cleaned_data[field] for field in FIELDS}
            texts = form.texts()
            try:
                step = step_save_with_texts(
                    company=company,
                    step=step,
                    today=today_of(request),
                    values=values,
                    texts=texts,
                    by=request.user,
                    plan=plan,
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(
                    request, _("Étape « %(name)s » enregistrée.") % {"name": step.name}
                )
                return redirect(_steps_url(plan.pk))
    elif step:
        own = step_texts_of(step=step)
        form = StepForm(
            initial={field: getattr(step, field) for field in FIELDS}
            | {
                f"{part}_{code}": own.get(code, {}).get(part, "")
                for code in codes
                for part in ("subject", "body")
            },
            languages=codes,
        )
    else:
        # A new step comes last: it starts from the default template of the
        # step at that place (the formal notice's beyond it), to edit.
        position = DunningStep.objects.filter(plan=plan, active=True).count()
        start = defaults.DEFAULT_STEPS[min(position, len(defaults.DEFAULT_STEPS) - 1)]
        english = defaults.ENGLISH[start["name"]]
        form = StepForm(
            languages=codes,
            initial={
                "trigger": start["trigger"],
                "days": start["days"],
                "subject": start["subject"],
                "body": start["body"],
                "subject_en": english["subject"],
                "body_en": english["body"],
                "attach_pdf": True,
                "formal_notice": start.get("formal_notice", False),
                "active": True,
            },
        )
    context = {
        "form": form,
        "plan": plan,
        "step": step,
        "variables": variables.VARIABLES,
        "invoices": _preview_invoices(request),
    }
    return render(request, "web/step_form.html", context)


@require_POST
@admin_required
def step_preview(request):
    """Live preview of the template being typed, on a chosen invoice, in one
    language (`language`: each tab of the steps screen has its own)."""
    invoice = (
        Invoice.objects.filter(
            company=request.company, pk=request.POST.get("invoice") or 0
        )
        .select_related("customer")
        .first()
    ) or _preview_invoices(request).first()
    language = request.POST.get("language", "fr")
    if language not in company_languages(request.company.languages):
        language = "fr"
    subject_field, body_field = (
        ("subject", "body")
        if language == "fr"
        else (f"subject_{language}", f"body_{language}")
    )
    subject = request.POST.get(subject_field, "")
    body = request.POST.get(body_field, "")
    errors = {}
    for field, source in (("subject", subject), ("body", body)):
        try:
            templating.check(source)
        except templating.TemplateRefused as error:
            errors[field] = str(error)
    context = {"errors": errors, "invoice": invoice, "language": language}
    if language != "fr" and not errors and not (subject.strip() or body.strip()):
        context["empty"] = True  # no text: its customers get the fallback
    elif not errors and invoice:
        step = DunningStep(
            company=request.company,
            name=request.POST.get("name", ""),
            subject=subject,
            body=body,
        )
        try:
            context["composed"] = compose(
                company=request.company,
                customer=invoice.customer,
                invoices=[invoice],
                step=step,
                today=today_of(request),
                text=StepText(subject, body, language, language),
            )
        except templating.TemplateRefused as error:
            errors["body"] = str(error)
    return render(request, "web/step_preview.html", context)


@require_POST
@admin_required
def step_action(request, pk):
    step = get_object_or_404(DunningStep, pk=pk, company=request.company)
    action = request.POST.get("action")
    if action in ("up", "down"):
        step_move(
            step=step,
            offset=-1 if action == "up" else 1,
            today=today_of(request),
            by=request.user,
        )
    elif action in ("archive", "restore"):
        step_update(
            step=step,
            active=action == "restore",
            today=today_of(request),
            by=request.user,
        )
        messages.success(
            request,
            _("Étape archivée.") if action == "archive" else _("Étape réactivée."),
        )
    else:
        return HttpResponseBadRequest(_("Action inconnue."))
    return redirect(_steps_url(step.plan_id))


@admin_required
def company_settings(request):
    company = request.company
    if request.method == "POST":
        form = CompanyForm(
            request.POST, instance=type(company).objects.get(pk=company.pk)
        )
        if form.is_valid():
            values = {field: form.cleaned_data[field] for field in COMPANY_FIELDS}
            try:
                # A contractual rate: never below the law's floor (L441-10).
                values["penalty_rate"] = penalty_rate_check(
                    values.get("penalty_rate"), on=today_of(request)
                )
                company_settings_update(company=company, by=request.user, **values)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Paramètres de la société enregistrés."))
                return redirect("web:company_settings")
    else:
        form = CompanyForm(instance=company)
    return render(
        request,
        "web/company_form.html",
        {"form": form, "logo_max": logos.MAX_SIZE_TEXT, "logo": bool(company.logo)},
    )


@admin_required
@require_POST
def company_logo(request):
    """The logo of the customer's page: a PNG or JPEG sent, or removed."""
    company = type(request.company).objects.get(pk=request.company.pk)
    if "remove" in request.POST:
        company_logo_remove(company=company)
        messages.success(request, _("Logo supprimé."))
        return redirect("web:company_settings")
    upload = request.FILES.get("logo")
    if upload is None:
        messages.error(request, _("Choisissez une image PNG ou JPEG."))
        return redirect("web:company_settings")
    content = upload.read(logos.MAX_SIZE + 1)
    try:
        company_logo_set(company=company, content=content, filename=upload.name or "")
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Logo enregistré."))
    return redirect("web:company_settings")


@admin_required
def users(request):
    """Members and pending invitations. Inviting says the same thing whether
    or not the address has an account: nobody is attached until they accept."""
    company = request.company
    now = utc_now()
    form = InviteForm(initial={"role": Membership.Role.MEMBER})
    if request.method == "POST":
        if request.POST.get("remove"):
            membership = get_object_or_404(
                Membership, pk=request.POST["remove"], company=company
            )
            try:
                membership_remove(membership=membership, acting=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Accès retiré."))
            return redirect("web:users")
        if request.POST.get("cancel"):
            invitation = get_object_or_404(
                Invitation, pk=request.POST["cancel"], company=company
            )
            invitation_cancel(invitation=invitation, now=now)
            messages.success(
                request,
                _("Invitation de %(email)s annulée.") % {"email": invitation.email},
            )
            return redirect("web:users")
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                invitation = invitation_send(
                    company=company,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                    now=now,
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(
                    request,
                    _("Invitation envoyée à %(email)s.") % {"email": invitation.email},
                )
                return redirect("web:users")
    memberships = (
        Membership.objects.filter(company=company)
        .select_related("user")
        .order_by("user__email")
    )
    context = {
        "form": form,
        "memberships": memberships,
        "invitations": invitations_pending(company=company, now=now),
    }
    return render(request, "web/users.html", context)


@admin_required
def changes(request):
    """« Historique des modifications »: who changed the steps, customers,
    plans and settings, newest first, one kind at a time if asked."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in ChangeKind.values else ""
    page = changes_page(
        company=request.company, kind=kind, page=request.GET.get("page") or 1
    )
    rows = [
        {
            "record": record,
            "title": change_title(record),
            "lines": change_lines(record),
            "who": change_who(record),
        }
        for record in page.object_list
    ]
    context = {"page": page, "rows": rows, "kind": kind, "kinds": ChangeKind.choices}
    return render(request, "web/changes.html", context)
