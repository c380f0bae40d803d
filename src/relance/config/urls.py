from django.contrib import admin
from django.urls import include, path

from relance.web.throttling import AdminLoginForm

admin.site.login_form = AdminLoginForm  # says when sign-in is locked

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("relance.api.urls")),
    path("", include("relance.web.urls")),
]
