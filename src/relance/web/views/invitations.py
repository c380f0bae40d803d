"""The link of an invitation email: the invited person accepts it here.

Whoever opens the link sees the company and the role. Access is given only
to the account of the invited address: its owner signed in, or a new account
of that address made here. Opening the link changes nothing (mail scanners
open links too): accepting is a form, posted with its CSRF token."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from relance.core.clock import utc_now
from relance.core.errors import ApplicationError
from relance.core.invitations import (
    ACCOUNT_EXISTS,
    OTHER_ACCOUNT,
    UNKNOWN,
    invitation_accept,
    invitation_accept_new_account,
    invitation_account,
    invitation_get,
)
from relance.web.forms import NewAccountForm, apply_error
from relance.web.middleware import SESSION_KEY

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _page(request, context, status=200):
    response = render(request, "web/invitation.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"  # the token is in this URL
    return response


def _refused(request, error: ApplicationError):
    """A link that cannot be used: unknown (404), used, cancelled or expired
    (410: gone for good), or meant for another account (403)."""
    status = {UNKNOWN: 404, OTHER_ACCOUNT: 403}.get(error.code, 410)
    return _page(request, {"refused": error.message}, status=status)


def _accepted(request, invitation):
    request.session[SESSION_KEY] = invitation.company_id
    messages.success(
        request,
        _("Bienvenue : vous avez maintenant accès à %(company)s.")
        % {"company": invitation.company.name},
    )
    return redirect("web:dashboard")


def invitation(request, token):
    now = utc_now()
    try:
        invitation = invitation_get(token, now=now)
    except ApplicationError as error:
        return _refused(request, error)
    context = {"invitation": invitation}
    user = request.user
    if user.is_authenticated:
        if request.method == "POST":
            try:
                invitation_accept(invitation=invitation, user=user, now=now)
            except ApplicationError as error:
                return _refused(request, error)
            return _accepted(request, invitation)
        if user.email.lower() != invitation.email.lower():
            context["other_account"] = True
            return _page(request, context, status=403)
        return _page(request, context)
    if invitation_account(invitation) is not None:
        context["sign_in"] = True
        return _page(request, context)
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept_new_account(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
                now=now,
            )
        except ApplicationError as error:
            if error.code == ACCOUNT_EXISTS:  # the address signed up meanwhile
                return _page(request, {**context, "sign_in": True})
            if error.code:  # used, cancelled or expired meanwhile
                return _refused(request, error)
            apply_error(form, error)
        else:
            login(request, user, backend=BACKEND)
            return _accepted(request, invitation)
    return _page(request, {**context, "form": form})
