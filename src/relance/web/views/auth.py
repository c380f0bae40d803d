from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from relance.core.errors import ApplicationError
from relance.core.models import Membership
from relance.core.services import user_language_set
from relance.mailing.password_reset import password_reset_send
from relance.web.forms import ProfileForm
from relance.web.middleware import SESSION_KEY
from relance.web.throttling import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Everyone changes their own password here (the session stays open,
    the account's other sessions end)."""

    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Mot de passe changé."))
        return super().form_valid(form)


class PasswordResetForm(forms.Form):
    email = forms.EmailField(label=_l("Adresse e-mail"), max_length=254)


def password_reset(request):
    """« Mot de passe oublié » : the same answer whether or not the address
    has an account (nothing to learn from it)."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def link_for(uid: str, token: str) -> str:
            path = reverse("web:password_reset_confirm", args=[uid, token])
            return f"{settings.RELANCE_BASE_URL}{path}"

        password_reset_send(email=form.cleaned_data["email"], link_for=link_for)
        return redirect("web:password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")


@require_POST
@login_required
def company_switch(request):
    company_id = request.POST.get("company", "")
    if (
        not company_id.isdigit()
        or not Membership.objects.filter(
            user=request.user, company_id=int(company_id)
        ).exists()
    ):
        return HttpResponseBadRequest(_("Société inconnue."))
    request.session[SESSION_KEY] = int(company_id)
    return redirect("web:dashboard")


@require_POST
@login_required
def language(request):
    try:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    except ApplicationError as error:
        return HttpResponseBadRequest(error.message)
    translation.activate(request.user.language)
    return redirect(_back_here(request))


def _back_here(request) -> str:
    """The page to go back to: `next` or the Referer, if it is on this site."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
def profile(request):
    form = ProfileForm(
        request.POST or None,
        initial={
            "full_name": request.user.full_name,
            "language": request.user.language,
        },
    )
    if request.method == "POST" and form.is_valid():
        request.user.full_name = form.cleaned_data["full_name"]
        request.user.save(update_fields=["full_name"])
        user_language_set(user=request.user, language=form.cleaned_data["language"])
        translation.activate(request.user.language)
        messages.success(request, _("Profil enregistré."))
        return redirect("web:profile")
    return render(request, "web/profile.html", {"form": form})
