from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, re_path
from django.views.generic import TemplateView

from relance.web.views import (
    auth,
    bank,
    configuration,
    customers,
    dashboard,
    imports,
    inbound,
    invitations,
    invoices,
    letters,
    plans,
    portal_answers,
    rates,
    reminders,
    reports,
    tokens,
    worklist,
)

app_name = "web"

urlpatterns = [
    path("connexion/", auth.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe-oublie/", auth.password_reset, name="password_reset"),
    path(
        "mot-de-passe-oublie/envoye/",
        TemplateView.as_view(
            template_name="registration/password_reset_done.html",
            extra_context={"hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
        ),
        name="password_reset_done",
    ),
    path(
        "reinitialiser/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reinitialiser/termine/",
        TemplateView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("societe/", auth.company_switch, name="company_switch"),
    path("langue/", auth.language, name="language"),
    path("profil/", auth.profile, name="profile"),
    path(
        "profil/mot-de-passe/",
        auth.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("invitation/<str:token>/", invitations.invitation, name="invitation"),
    path("", dashboard.dashboard, name="dashboard"),
    path("factures/", invoices.invoice_list, name="invoices"),
    path("factures/export.csv", invoices.invoice_export, name="invoice_export"),
    path("factures/nouvelle/", invoices.invoice_new, name="invoice_new"),
    path("factures/<int:pk>/", invoices.invoice_detail, name="invoice"),
    path("factures/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path(
        "factures/<int:pk>/pdf/joindre/",
        invoices.invoice_pdf_upload,
        name="invoice_pdf_upload",
    ),
    path("factures/<int:pk>/reglement/", invoices.payment_new, name="payment_new"),
    path("factures/<int:pk>/avoir/", invoices.allocation_new, name="allocation_new"),
    path(
        "factures/<int:pk>/reglements/<int:payment>/annuler/",
        invoices.payment_cancel_view,
        name="payment_cancel",
    ),
    path("factures/<int:pk>/pause/", invoices.invoice_pause_view, name="invoice_pause"),
    path(
        "factures/<int:pk>/statut-facturation-electronique/",
        invoices.einvoice_status_view,
        name="invoice_einvoice_status",
    ),
    path("courriels-recus/", inbound.inbound_list, name="inbound"),
    path("reponses-clients/", portal_answers.portal_answers, name="portal_answers"),
    path(
        "reponses-clients/<int:pk>/verifiee/",
        portal_answers.portal_answer_checked,
        name="portal_answer_checked",
    ),
    path(
        "reponses-clients/<int:pk>/justificatif/",
        portal_answers.portal_answer_proof,
        name="portal_answer_proof",
    ),
    path(
        "courriels-recus/<int:pk>/suite/", inbound.inbound_reply, name="inbound_reply"
    ),
    path("clients/", customers.customer_list, name="customers"),
    path("clients/<int:pk>/", customers.customer_detail, name="customer"),
    path(
        "clients/<int:pk>/espace-client/revoquer/",
        customers.customer_portal_revoke,
        name="customer_portal_revoke",
    ),
    path(
        "clients/<int:pk>/avoir/",
        customers.customer_allocation_new,
        name="customer_allocation_new",
    ),
    re_path(
        r"^clients/(?P<pk>[0-9]+)/releve\.(?P<fmt>pdf|xlsx)$",
        customers.customer_statement_view,
        name="customer_statement",
    ),
    path(
        "clients/<int:pk>/dossier-injonction.zip",
        customers.customer_court_file_view,
        name="customer_court_file",
    ),
    path("balance-agee/", reports.aged_balance_view, name="aged_balance"),
    re_path(
        r"^balance-agee\.(?P<fmt>pdf|xlsx)$",
        reports.aged_balance_view,
        name="aged_balance_file",
    ),
    path("indicateurs/", reports.indicators_view, name="indicators"),
    path(
        "indicateurs/recalculer/",
        reports.indicators_rebuild,
        name="indicators_rebuild",
    ),
    path("relances/", reminders.reminder_list, name="reminders"),
    path("relances/<int:pk>/", reminders.reminder_detail, name="reminder"),
    path(
        "relances/<int:pk>/action/", reminders.reminder_action, name="reminder_action"
    ),
    path("relances/resume/", reminders.summary, name="summary"),
    path("relances/envoyer/", reminders.send, name="send"),
    path("relances/envois/<int:pk>/", reminders.progress, name="progress"),
    path("relances/apercu/", reminders.message_preview, name="message_preview"),
    path("courriers/", letters.letters, name="letters"),
    path("courriers/pdf/", letters.letters_pdf_view, name="letters_pdf"),
    path("courriers/<int:pk>/pdf/", letters.letter_pdf, name="letter_pdf"),
    path("courriers/<int:pk>/envoi/", letters.letter_sent, name="letter_sent"),
    path(
        "courriers/<int:pk>/reception/", letters.letter_received, name="letter_received"
    ),
    path("taches/", worklist.tasks, name="tasks"),
    path("taches/<int:pk>/resultat/", worklist.task_outcome, name="task_outcome"),
    path("import/", imports.imports, name="imports"),
    path("banque/", bank.bank, name="bank"),
    path(
        "banque/operations/<int:pk>/confirmer/",
        bank.transaction_confirm,
        name="bank_confirm",
    ),
    path(
        "banque/operations/<int:pk>/rejeter/",
        bank.transaction_reject,
        name="bank_reject",
    ),
    path("banque/iban/<int:pk>/supprimer/", bank.iban_delete, name="bank_iban_delete"),
    path(
        "banque/factures/<int:pk>/confirmer/",
        bank.invoice_confirm,
        name="bank_invoice_confirm",
    ),
    path("import/<int:pk>/", imports.import_run, name="import_run"),
    path("configuration/etapes/", configuration.step_list, name="steps"),
    path("configuration/plans/", plans.plans, name="plans"),
    path("configuration/plans/<int:pk>/", plans.plan_action, name="plan_action"),
    path(
        "configuration/plans/suggestion/<int:pk>/",
        plans.plan_suggestion,
        name="plan_suggestion",
    ),
    path("clients/<int:pk>/plan/", plans.customer_plan, name="customer_plan"),
    path("configuration/etapes/nouvelle/", configuration.step_edit, name="step_new"),
    path("configuration/etapes/<int:pk>/", configuration.step_edit, name="step"),
    path(
        "configuration/etapes/<int:pk>/action/",
        configuration.step_action,
        name="step_action",
    ),
    path(
        "configuration/etapes/apercu/", configuration.step_preview, name="step_preview"
    ),
    path(
        "configuration/societe/",
        configuration.company_settings,
        name="company_settings",
    ),
    path(
        "configuration/societe/logo/",
        configuration.company_logo,
        name="company_logo",
    ),
    path("configuration/utilisateurs/", configuration.users, name="users"),
    path("configuration/historique/", configuration.changes, name="changes"),
    path("configuration/jetons/", tokens.tokens, name="tokens"),
    path("configuration/taux/", rates.rates, name="rates"),
]
