from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.law.penalties import RateKind


class Rate(models.Model):
    """A rate of the law, from its start date on (see law/penalties.py).

    The table is the installation's, shared by its companies: rates are facts
    of law, not choices. Shipped with sourced values; new half-years come in
    by data migration, or by hand (« Configuration › Taux », `relance rates`,
    the API) with their source.
    """

    class Kind(models.TextChoices):
        ECB = RateKind.ECB, _("Taux de refinancement de la BCE")
        LEGAL_PRIVATE = (
            RateKind.LEGAL_PRIVATE,
            _("Taux de l'intérêt légal (créancier particulier)"),
        )
        LEGAL_OTHER = RateKind.LEGAL_OTHER, _("Taux de l'intérêt légal (autres cas)")

    kind = models.CharField(_("taux"), max_length=20, choices=Kind.choices)
    start = models.DateField(_("en vigueur à partir du"))
    value = models.DecimalField(_("valeur (%)"), max_digits=6, decimal_places=3)
    source = models.CharField(_("source"), max_length=500)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifié par"),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("taux")
        verbose_name_plural = _("taux")
        ordering = ["kind", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "start"], name="one_rate_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start}: {self.value} %"
