"""Sign-in throttling (django-axes) as Relance shows it: the sign-in page,
or the admin's, says in the user's language how long to wait (429)."""

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


def login_username(request, credentials) -> str | None:
    """The account an attempt is counted against: the email, lower-cased and
    trimmed, since `User.objects.get_by_natural_key` ignores case."""
    source = credentials or getattr(request, "POST", {})
    value = source.get(settings.AXES_USERNAME_FORM_FIELD)
    return value.strip().lower() if isinstance(value, str) else value


def lock_message() -> str:
    # Each failed attempt while locked starts the lock again (django-axes'
    # AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the message, shown
    # in answer to such an attempt, gives the whole lock.
    minutes = settings.RELANCE_LOCKOUT_MINUTES
    return ngettext(
        "Trop de tentatives de connexion. Réessayez dans %(minutes)d minute.",
        "Trop de tentatives de connexion. Réessayez dans %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LockAwareFormMixin:
    """A sign-in form that says the account or address is locked, rather
    than that the password is wrong."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise ValidationError(lock_message(), code="locked") from None
            raise


def locked_out(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page as rendered, with its lock
    message, answered 429 Too Many Requests."""
    if original_response is not None and original_response.status_code == 200:
        response = original_response
    else:
        response = HttpResponse(
            lock_message(), content_type="text/plain; charset=utf-8"
        )
    response.status_code = 429
    response.reason_phrase = None  # recomputed from the status
    response["Retry-After"] = str(settings.RELANCE_LOCKOUT_MINUTES * 60)
    return response


class LoginForm(LockAwareFormMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # Django's « Saisissez un %(username)s… » reads « un adresse e-mail ».
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Les majuscules comptent "
            "dans le mot de passe."
        ),
    }


class AdminLoginForm(LockAwareFormMixin, AdminAuthenticationForm):
    pass
