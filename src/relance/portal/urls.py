from django.urls import path

from relance.portal import views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.page, name="page"),
    path("<str:token>/invoices/<int:pk>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("<str:token>/releve.pdf", views.statement, name="statement"),
    path("<str:token>/reponse/<slug:kind>/", views.answer, name="answer"),
]
