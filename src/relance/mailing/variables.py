"""The variables a reminder template may use: the one catalogue.

It drives the check made when a template is saved, the sample data of the
previews, the list shown beside the editor and `docs/templates.md`.
A path `invoices[].number` is an attribute of each item of `invoices`.
"""

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Variable:
    path: str
    description: str  # lazy: in the reader's language
    example: object


_INVOICE = [
    ("number", _("numéro de la facture"), "FC22120054"),
    ("issue_date", _("date de la facture"), "31/12/2022"),
    ("due_date", _("date d'échéance"), "31/01/2023"),
    ("total", _("montant TTC"), "1 500,00 €"),
    ("amount_due", _("reste dû"), "1 234,56 €"),
    ("days_late", _("jours de retard (nombre ; 0 si pas encore échue)"), 42),
    ("is_overdue", _("vrai si l'échéance est passée, faux si elle est à venir"), True),
    ("payment_terms", _("conditions de règlement"), "30 jours fin de mois"),
    ("step", _("l'étape que la facture atteint avec ce courriel"), "Relance 1"),
    ("level", _("le rang de cette étape (nombre ; 1 pour la première)"), 1),
    (
        "reminders_before",
        _("relances déjà faites pour cette facture avant ce courriel (nombre)"),
        0,
    ),
    (
        "penalties",
        _(
            "pénalités de retard à ce jour (clients professionnels ; 0 pour un "
            "particulier)"
        ),
        "18,47 €",
    ),
    (
        "indemnity",
        _(
            "indemnité forfaitaire de recouvrement : 40 € si la facture est en "
            "retard (clients professionnels ; 0 pour un particulier)"
        ),
        "40,00 €",
    ),
]

VARIABLES: list[Variable] = [
    Variable("customer.name", _("nom du client"), "HERBLY Francis"),
    Variable("customer.code", _("code client"), "411HERBLYF"),
    Variable(
        "customer.is_business",
        _("vrai pour un client professionnel, faux pour un particulier"),
        True,
    ),
    *[
        Variable(
            f"invoices[].{name}",
            format_lazy(_("pour chaque facture : {}"), text),
            example,
        )
        for name, text, example in _INVOICE
    ],
    *[
        Variable(
            f"invoice.{name}",
            format_lazy(_("{} (première facture de la relance)"), text),
            example,
        )
        for name, text, example in _INVOICE
    ],
    Variable("invoice_count", _("nombre de factures relancées"), 1),
    Variable(
        "overdue_count",
        _("nombre de factures relancées dont l'échéance est passée"),
        1,
    ),
    Variable("total_due", _("total restant dû des factures relancées"), "1 234,56 €"),
    Variable(
        "penalties_total",
        _(
            "pénalités de retard à ce jour des factures relancées "
            "(clients professionnels)"
        ),
        "18,47 €",
    ),
    Variable(
        "recovery_indemnity",
        _(
            "indemnité forfaitaire de recouvrement : 40 € par facture en retard "
            "(clients professionnels)"
        ),
        "40,00 €",
    ),
    Variable(
        "total_with_penalties",
        _("reste dû, pénalités et indemnités comprises"),
        "1 293,03 €",
    ),
    Variable("company.name", _("raison sociale de votre société"), "Bâtiments Durand"),
    Variable(
        "company.email", _("adresse de réponse de votre société"), "compta@durand.fr"
    ),
    Variable("company.phone", _("téléphone de votre société"), "02 99 00 00 00"),
    Variable(
        "company.address",
        _("adresse de votre société (une ligne)"),
        "3 rue de Paris 35000 Rennes",
    ),
    Variable(
        "company.iban", _("IBAN de votre société"), "FR76 3000 6000 0112 3456 7890 189"
    ),
    Variable("company.bic", _("BIC de votre société"), "AGRIFRPP"),
    Variable("company.siret", _("SIRET de votre société"), "73282932000074"),
    Variable(
        "mixed_steps",
        _(
            "vrai si les factures du courriel sont à des étapes différentes "
            "(option « Un seul courriel par client »)"
        ),
        False,
    ),
    Variable("step.name", _("nom de l'étape de relance"), "Relance 1"),
    Variable(
        "step.level",
        _("rang de l'étape du courriel (nombre ; 1 pour la première)"),
        1,
    ),
    Variable("today", _("date du jour"), "28/11/2026"),
    Variable(
        "portal_url",
        _(
            "lien privé vers l'espace du client : ses factures ouvertes, leurs PDF, "
            "l'IBAN et les QR codes de virement (un lien neuf à chaque relance)"
        ),
        "https://relance.example.fr/p/…/",
    ),
]


def _tree(leaf) -> dict:
    root: dict = {}
    for variable in VARIABLES:
        node = root
        *branches, name = variable.path.split(".")
        for part in branches:
            if part.endswith("[]"):
                node = node.setdefault(part[:-2], [{}])[0]
            else:
                node = node.setdefault(part, {})
        node[name] = leaf(variable)
    return root


def schema() -> dict:
    """What exists, nested: {"customer": {"name": None, …}, "invoices": [{…}], …}."""
    return _tree(lambda variable: None)


def sample() -> dict:
    """Plain data with every variable set to its example, for previews and checks."""
    return _tree(lambda variable: variable.example)
