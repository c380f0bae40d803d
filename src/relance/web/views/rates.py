"""« Configuration › Taux »: the law's rates, and the missing ones, said."""

from django.contrib import messages
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.law.models import Rate
from relance.law.penalties import RateMissing
from relance.law.selectors import rate_table, rates_missing
from relance.law.services import RATES_LOCKED, rate_set, rates_writable_by
from relance.web.access import admin_required
from relance.web.forms import RateForm, apply_error
from relance.web.views.common import today_of


@admin_required
def rates(request):
    writable = rates_writable_by(request.user)
    if request.method == "POST" and not writable:
        return HttpResponseForbidden(RATES_LOCKED)
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _rate, created = rate_set(**form.cleaned_data, user=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            message = _("Taux ajouté.") if created else _("Taux corrigé.")
            messages.success(request, message)
            return redirect("web:rates")
    table = rate_table()
    today = today_of(request)
    context = {
        "form": form,
        "writable": writable,
        "missing": rates_missing(on=today, rates=table),
        "penalty_rate": _current_penalty_rate(table, today),
        "kinds": [
            (kind, Rate.objects.filter(kind=kind.value).order_by("-start")[:40])
            for kind in Rate.Kind
        ],
    }
    return render(request, "web/rates.html", context)


def _current_penalty_rate(table, today):
    try:
        return table.penalty_rate(today)
    except RateMissing:  # said by `missing`
        return None
