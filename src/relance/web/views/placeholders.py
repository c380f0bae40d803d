from django.shortcuts import render

from relance.web.access import admin_required, company_required


@company_required
def imports(request):
    return render(request, "web/imports.html")


@admin_required
def tokens(request):
    return render(request, "web/tokens.html")
