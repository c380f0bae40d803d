"""« Plans de relance »: the company's plans, the customers' plan (ADR 21)."""

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.core.errors import ApplicationError
from relance.dunning.models import CustomerDunning, DunningPlan, DunningStep
from relance.dunning.selectors import plan_list
from relance.dunning.services.plans import (
    customer_dunning_set,
    plan_create,
    plan_default_ensure,
    plan_default_set,
    plan_delete,
    plan_rename,
    plan_suggestion_accept,
    plan_suggestions,
)
from relance.invoices.models import Customer
from relance.web.access import admin_required, company_required
from relance.web.views.common import today_of


@admin_required
def plans(request):
    company = request.company
    plan_default_ensure(company=company)
    if request.method == "POST":
        try:
            plan = plan_create(
                company=company, name=request.POST.get("name", ""), by=request.user
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Plan « %(name)s » créé.") % {"name": plan.name}
            )
        return redirect("web:plans")
    rows = []
    for plan in plan_list(company=company):
        rows.append(
            {
                "plan": plan,
                "steps": DunningStep.objects.filter(plan=plan, active=True).count(),
                "customers": CustomerDunning.objects.filter(plan=plan).count(),
            }
        )
    context = {
        "rows": rows,
        "suggestions": plan_suggestions(company=company, today=today_of(request)),
    }
    return render(request, "web/plans.html", context)


@require_POST
@admin_required
def plan_action(request, pk):
    plan = get_object_or_404(DunningPlan, pk=pk, company=request.company)
    action = request.POST.get("action")
    try:
        if action == "rename":
            plan_rename(plan=plan, name=request.POST.get("name", ""), by=request.user)
            messages.success(request, _("Plan renommé."))
        elif action == "default":
            plan_default_set(plan=plan, today=today_of(request), by=request.user)
            messages.success(
                request,
                _("« %(name)s » est désormais le plan par défaut.")
                % {"name": plan.name},
            )
        elif action == "delete":
            name = plan.name
            if plan_delete(plan=plan, by=request.user):
                messages.success(
                    request, _("Plan « %(name)s » supprimé.") % {"name": name}
                )
            else:
                messages.success(
                    request,
                    _(
                        "Plan « %(name)s » archivé : ses étapes ont des relances "
                        "dans l'historique."
                    )
                    % {"name": name},
                )
        else:
            return HttpResponseBadRequest(_("Action inconnue."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("web:plans")


@require_POST
@admin_required
def plan_suggestion(request, pk):
    """The user accepts the suggested plan for one customer."""
    customer = get_object_or_404(Customer, pk=pk, company=request.company)
    plan = plan_suggestion_accept(
        company=request.company,
        customer=customer,
        today=today_of(request),
        by=request.user,
    )
    if plan:
        messages.success(
            request,
            _("%(customer)s suit désormais le plan « %(plan)s ».")
            % {"customer": customer.name, "plan": plan.name},
        )
    return redirect("web:plans")


@require_POST
@company_required
def customer_plan(request, pk):
    """Choose a customer's plan and its own minimum gap (customer page)."""
    company = request.company
    customer = get_object_or_404(Customer, pk=pk, company=company)
    chosen = request.POST.get("plan", "")
    gap = request.POST.get("min_gap_days", "").strip()
    back = reverse("web:customer", args=[pk]) + "#dunning-plan"
    plan = None
    if chosen:
        plan = DunningPlan.objects.filter(
            company=company, active=True, pk=chosen if chosen.isdigit() else 0
        ).first()
        if plan is None:
            messages.error(request, _("Plan de relance : choix inconnu."))
            return redirect(back)
    if gap and not gap.isdigit():
        messages.error(
            request,
            _("Écart minimal : un nombre de jours entre 0 et 365 est attendu."),
        )
        return redirect(back)
    try:
        customer_dunning_set(
            company=company,
            customer=customer,
            today=today_of(request),
            plan=plan,
            min_gap_days=int(gap) if gap else None,
            by=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Plan de relance du client enregistré."))
    return redirect(back)
