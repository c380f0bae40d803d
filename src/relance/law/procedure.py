"""Where an unpaid invoice goes when reminders have failed: the « injonction
de payer » (Code de procédure civile, articles 1405 to 1425): which court,
on which form. No database; texts through gettext.

- The request goes to the court of the place where the debtor lives or has
  its seat (CPC 1406, which the parties cannot set aside).
- A debt between two traders is commercial: the president of the tribunal de
  commerce (the tribunal des activités économiques where it replaces it),
  form Cerfa 12946, or online on infogreffe.fr.
- A debt owed by a consumer (or by a business that is not a trader: a
  liberal profession, an association, a « société civile ») is civil: the
  president of the tribunal judiciaire, form Cerfa 12948.

Relance knows whether a customer is a business or a consumer, not whether a
business is a trader: for a business it names the commercial court and the
civil one as the exception. Sources in docs/legal.md.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from relance.law.penalties import CustomerKind


@dataclass(frozen=True)
class Court:
    nature: str  # "commercial" | "civil"
    court: str  # the judge the request is addressed to
    form: str  # the form the request is made on
    where: str  # which court of that kind
    exception: str = ""  # when the other court is the right one


def competent_court(customer_kind: str) -> Court:
    """The court an injonction de payer is asked of, for a debtor of that kind."""
    where = _(
        "celui du lieu où demeure le débiteur ou de son siège social "
        "(art. 1406 du Code de procédure civile)"
    )
    if CustomerKind(customer_kind) == CustomerKind.CONSUMER:
        return Court(
            nature="civil",
            court=_("Président du tribunal judiciaire"),
            form=_("Cerfa n° 12948 (requête en injonction de payer)"),
            where=where,
        )
    return Court(
        nature="commercial",
        court=_(
            "Président du tribunal de commerce (tribunal des activités "
            "économiques là où il le remplace)"
        ),
        form=_(
            "Cerfa n° 12946 (requête en injonction de payer), ou en ligne "
            "sur infogreffe.fr"
        ),
        where=where,
        exception=_(
            "Si le débiteur n'est pas commerçant (profession libérale, "
            "association, société civile), la créance est civile : président "
            "du tribunal judiciaire, Cerfa n° 12948."
        ),
    )
