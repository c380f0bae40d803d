from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from relance.web.throttling import AdminLoginForm

admin.site.login_form = AdminLoginForm  # says when sign-in is locked

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("relance.api.urls")),
    # The customer's private page, without sign-in (portal/, ADR 18).
    path("p/", include("relance.portal.urls")),
    # Browsers ask for it on every page they show without a <link rel=icon>.
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("web/favicon.svg"), permanent=True),
    ),
    path("", include("relance.web.urls")),
]

handler400 = "relance.api.main.bad_request"
