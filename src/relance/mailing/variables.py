"""The variables a reminder template may use: the one catalogue.

It drives the check made when a template is saved, the sample data of the
previews, the list shown beside the editor and `docs/templates.md`.
A path `invoices[].number` is an attribute of each item of `invoices`.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    path: str
    description: str
    example: object


_INVOICE = [
    ("number", "numéro de la facture", "FC22120054"),
    ("issue_date", "date de la facture", "31/12/2022"),
    ("due_date", "date d'échéance", "31/01/2023"),
    ("total", "montant TTC", "1 500,00 €"),
    ("amount_due", "reste dû", "1 234,56 €"),
    ("days_late", "jours de retard (nombre ; 0 si pas encore échue)", 42),
    ("is_overdue", "vrai si l'échéance est passée, faux si elle est à venir", True),
    ("payment_terms", "conditions de règlement", "30 jours fin de mois"),
    ("step", "l'étape que la facture atteint avec ce courriel", "Relance 1"),
    ("level", "le rang de cette étape (nombre ; 1 pour la première)", 1),
    (
        "reminders_before",
        "relances déjà faites pour cette facture avant ce courriel (nombre)",
        0,
    ),
    (
        "penalties",
        "pénalités de retard à ce jour (clients professionnels ; 0 pour un "
        "particulier)",
        "18,47 €",
    ),
    (
        "indemnity",
        "indemnité forfaitaire de recouvrement : 40 € si la facture est en "
        "retard (clients professionnels ; 0 pour un particulier)",
        "40,00 €",
    ),
]

VARIABLES: list[Variable] = [
    Variable("customer.name", "nom du client", "HERBLY Francis"),
    Variable("customer.code", "code client", "411HERBLYF"),
    Variable(
        "customer.is_business",
        "vrai pour un client professionnel, faux pour un particulier",
        True,
    ),
    *[
        Variable(f"invoices[].{name}", f"pour chaque facture : {text}", example)
        for name, text, example in _INVOICE
    ],
    *[
        Variable(f"invoice.{name}", f"{text} (première facture de la relance)", example)
        for name, text, example in _INVOICE
    ],
    Variable("invoice_count", "nombre de factures relancées", 1),
    Variable(
        "overdue_count",
        "nombre de factures relancées dont l'échéance est passée",
        1,
    ),
    Variable("total_due", "total restant dû des factures relancées", "1 234,56 €"),
    Variable(
        "penalties_total",
        "pénalités de retard à ce jour des factures relancées (clients professionnels)",
        "18,47 €",
    ),
    Variable(
        "recovery_indemnity",
        "indemnité forfaitaire de recouvrement : 40 € par facture en retard "
        "(clients professionnels)",
        "40,00 €",
    ),
    Variable(
        "total_with_penalties",
        "reste dû, pénalités et indemnités comprises",
        "1 293,03 €",
    ),
    Variable("company.name", "raison sociale de votre société", "Bâtiments Durand"),
    Variable(
        "company.email", "adresse de réponse de votre société", "compta@durand.fr"
    ),
    Variable("company.phone", "téléphone de votre société", "02 99 00 00 00"),
    Variable(
        "company.address",
        "adresse de votre société (une ligne)",
        "3 rue de Paris 35000 Rennes",
    ),
    Variable(
        "company.iban", "IBAN de votre société", "FR76 3000 6000 0112 3456 7890 189"
    ),
    Variable("company.bic", "BIC de votre société", "AGRIFRPP"),
    Variable("company.siret", "SIRET de votre société", "73282932000074"),
    Variable(
        "mixed_steps",
        "vrai si les factures du courriel sont à des étapes différentes "
        "(option « Un seul courriel par client »)",
        False,
    ),
    Variable("step.name", "nom de l'étape de relance", "Relance 1"),
    Variable(
        "step.level",
        "rang de l'étape du courriel (nombre ; 1 pour la première)",
        1,
    ),
    Variable("today", "date du jour", "28/11/2026"),
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
