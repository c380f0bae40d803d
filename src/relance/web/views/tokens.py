from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.models import ApiToken
from relance.core.tokens import token_create, token_revoke
from relance.web.access import admin_required


@admin_required
def tokens(request):
    company = request.company
    created = None
    error = None
    if request.method == "POST":
        if request.POST.get("revoke"):
            token = get_object_or_404(
                ApiToken, pk=request.POST["revoke"], company=company
            )
            token_revoke(token=token, now=utc_now())
            messages.success(
                request, _("Jeton « %(name)s » révoqué.") % {"name": token.name}
            )
            return redirect("web:tokens")
        try:
            token, raw = token_create(
                company=company, name=request.POST.get("name", ""), user=request.user
            )
            created = {"token": token, "raw": raw}
        except ApplicationError as refused:
            error = refused.message
    listing = ApiToken.objects.filter(company=company).select_related("created_by")
    return render(
        request,
        "web/tokens.html",
        {"tokens": listing, "created": created, "error": error},
    )
