"""Every page needs a signed-in user working for a company; some need an admin."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render


def company_required(view):
    """Signed in, and a member of at least one company (request.company)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.company is None:
            return render(request, "web/no_company.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def admin_required(view):
    """A company administrator: configuration pages."""

    @company_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.membership.role != "admin":
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
