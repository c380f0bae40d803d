"""The law's rates from 2015 to the current half-year, each with its source.

- ECB main refinancing operations rate: each change, from the day it took
  effect (the ECB's « with effect from »). Rows of the ECB table that moved
  only the deposit rate (9 Dec 2015, 18 Sep 2019) are not changes of this rate.
- Taux de l'intérêt légal, per half-year (arrêté of the Minister for the
  Economy, Code monétaire et financier L313-2 and D313-1-A), both columns.

Checked on 2 December 2026 (see docs/legal.md). The legal rates of the second
half of 2026 were not found in an official publication: they are not shipped,
and Relance says so (« Configuration › Taux », the daily digest) until they
are entered. A later half-year comes in by a migration like this one.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

ECB_TABLE = (
    "ECB, Key ECB interest rates, "
    "https://www.ecb.europa.eu/stats/policy_and_exchange_rates/"
    "key_ecb_interest_rates/html/index.en.html ; Banque de France, "
    "https://www.banque-france.fr/en/policy-rates"
)
ECB = [
    (date(2014, 9, 10), "0.05", ECB_TABLE),
    (date(2016, 3, 16), "0.00", ECB_TABLE),
    (date(2022, 7, 27), "0.50", ECB_TABLE),
    (date(2022, 9, 14), "1.25", ECB_TABLE),
    (date(2022, 11, 2), "2.00", ECB_TABLE),
    (date(2022, 12, 21), "2.50", ECB_TABLE),
    (date(2023, 2, 8), "3.00", ECB_TABLE),
    (date(2023, 3, 22), "3.50", ECB_TABLE),
    (date(2023, 5, 10), "3.75", ECB_TABLE),
    (date(2023, 6, 21), "4.00", ECB_TABLE),
    (date(2023, 8, 2), "4.25", ECB_TABLE),
    (date(2023, 9, 20), "4.50", ECB_TABLE),
    (date(2024, 6, 12), "4.25", ECB_TABLE),
    (date(2024, 9, 18), "3.65", ECB_TABLE),
    (date(2024, 10, 23), "3.40", ECB_TABLE),
    (
        date(2024, 12, 18),
        "3.15",
        "ECB, monetary policy decisions of 12 December 2024, with effect from "
        "18 December 2024, as reported by https://www.fxstreet.com/"
        "macroeconomics/central-banks/ecb",
    ),
    (
        date(2025, 2, 5),
        "2.90",
        "ECB, monetary policy decisions of 30 January 2025, with effect from "
        "5 February 2025, as reported by https://post-truth.eu/2025/01/30/"
        "ecb-lowers-rates-again-as-eurozone-growth-stalls",
    ),
    (
        date(2025, 3, 12),
        "2.65",
        "ECB, monetary policy decisions of 6 March 2025 (« 2,50 %, 2,65 % et "
        "2,90 % à compter du 12 mars 2025 »), as reported by "
        "https://www.boursorama.com/bourse/actualites/la-bce-assouplit-sa-"
        "politique-monetaire-de-25-points-de-base-3cd24ce81ebeeb77d8ce00b6968cd6b0",
    ),
    (
        date(2025, 4, 23),
        "2.40",
        "ECB, monetary policy decisions of 17 April 2025, with effect from "
        "23 April 2025, as reported by https://www.econostream-media.com/news/"
        "2025-04-17/ecb_cuts_rates_by_25bp_removes_reference_to_restrictiveness"
        ".html",
    ),
    (
        date(2025, 6, 11),
        "2.15",
        "ECB, monetary policy decisions of 5 June 2025, with effect from "
        "11 June 2025, as reported by https://cordmagazine.com/news/"
        "ecb-cuts-rates-for-first-time-in-years/",
    ),
    (
        date(2026, 6, 17),
        "2.40",
        "ECB, monetary policy decisions of 11 June 2026 (with effect from "
        "17 June 2026), https://www.ecb.europa.eu/press/pr/date/2026/html/"
        "ecb.mp260611~4d41bd5e83.en.html",
    ),
    (
        date(2026, 9, 16),
        "2.65",
        "ECB, monetary policy decisions of 10 September 2026 (with effect from "
        "16 September 2026), https://www.ecb.europa.eu/press/pr/date/2026/html/"
        "ecb.mp260910~314e508016.en.html",
    ),
]

TRESOR = (
    "DG Trésor, taux de l'intérêt légal, "
    "https://www.tresor.economie.gouv.fr/Ressources/taux-de-linteret-legal"
)
# (first day, créancier particulier, autres cas, arrêté and source)
LEGAL = [
    (date(2015, 1, 1), "4.06", "0.93", f"Arrêté du 23 décembre 2014 ; {TRESOR}"),
    (date(2015, 7, 1), "4.29", "0.99", f"Arrêté du 24 juin 2015 ; {TRESOR}"),
    (
        date(2016, 1, 1),
        "4.54",
        "1.01",
        f"Arrêté du 23 décembre 2015, JORF du 27 décembre 2015 ; {TRESOR}",
    ),
    (
        date(2016, 7, 1),
        "4.35",
        "0.93",
        f"Arrêté du 24 juin 2016, JORF du 26 juin 2016 ; {TRESOR}",
    ),
    (date(2017, 1, 1), "4.16", "0.90", f"Arrêté du 29 décembre 2016 ; {TRESOR}"),
    (
        date(2017, 7, 1),
        "3.94",
        "0.90",
        f"Arrêté du 26 juin 2017, JORF n°0152 du 30 juin 2017 ; {TRESOR}",
    ),
    (date(2018, 1, 1), "3.73", "0.89", f"Arrêté du 28 décembre 2017 ; {TRESOR}"),
    (
        date(2018, 7, 1),
        "3.60",
        "0.88",
        f"Arrêté du 27 juin 2018, JORF du 28 juin 2018 ; {TRESOR}",
    ),
    (
        date(2019, 1, 1),
        "3.40",
        "0.86",
        f"Arrêté du 21 décembre 2018, JORF n°0302 du 30 décembre 2018 ; {TRESOR}",
    ),
    (date(2019, 7, 1), "3.26", "0.87", f"Arrêté du 26 juin 2019 ; {TRESOR}"),
    (
        date(2020, 1, 1),
        "3.15",
        "0.87",
        f"Arrêté du 23 décembre 2019, JORF du 26 décembre 2019 ; {TRESOR}",
    ),
    (
        date(2020, 7, 1),
        "3.11",
        "0.84",
        "Arrêté du 15 juin 2020, JORF du 18 juin 2020 ; "
        "https://www.devarenne-avocat.com/taux-de-l-interet-legal-du-second-"
        "semestre-2020",
    ),
    (
        date(2021, 1, 1),
        "3.14",
        "0.79",
        "Arrêté de décembre 2020 ; "
        "https://binimelis-avocats.fr/actualite-10001-interet-legal",
    ),
    (
        date(2021, 7, 1),
        "3.12",
        "0.76",
        "Arrêté du 16 juin 2021, JORF du 25 juin 2021 ; "
        "https://dandrel-avocats.fr/taux-de-linteret-legal-du-2nd-semestre-2021/",
    ),
    (
        date(2022, 1, 1),
        "3.13",
        "0.76",
        "Arrêté du 26 décembre 2021 (NOR ECOT2138139A), JORF du 28 décembre 2021",
    ),
    (
        date(2022, 7, 1),
        "3.15",
        "0.77",
        "Arrêté du 27 juin 2022 (NOR ECOT2218806A), JORF du 2 juillet 2022",
    ),
    (
        date(2023, 1, 1),
        "4.47",
        "2.06",
        "Arrêté du 26 décembre 2022, JORF du 29 décembre 2022 "
        "(JORFARTI000046829012)",
    ),
    (
        date(2023, 7, 1),
        "6.82",
        "4.22",
        "Arrêté du 27 juin 2023 (NOR ECOT2317028A), JORF n°0150 du 30 juin 2023",
    ),
    (
        date(2024, 1, 1),
        "8.01",
        "5.07",
        "Arrêté de décembre 2023 ; https://www.laclef.eu/index.php/actualites/"
        "banque/taux-de-l-interet-legal-au-1er-semestre-2026",
    ),
    (
        date(2024, 7, 1),
        "8.16",
        "4.92",
        "Arrêté du 26 juin 2024 ; https://bpifrance-creation.fr/entrepreneur/"
        "actualites/taux-linteret-legal-deuxieme-semestre-2024",
    ),
    (
        date(2025, 1, 1),
        "7.21",
        "3.71",
        "Arrêté du 17 décembre 2024 ; https://www.lexisveille.fr/taux-de-"
        "linteret-legal-applicables-au-cours-du-premier-semestre-2025",
    ),
    (
        date(2025, 7, 1),
        "6.65",
        "2.76",
        "Arrêté du 19 juin 2025 (NOR ECOT2516925A), JORF du 24 juin 2025",
    ),
    (
        date(2026, 1, 1),
        "6.67",
        "2.62",
        "Arrêté du 15 décembre 2025, JORF n°0302 du 26 décembre 2025",
    ),
]


def ship(apps, schema_editor):
    Rate = apps.get_model("law", "Rate")
    rows = [Rate(kind="ecb", start=s, value=Decimal(v), source=src) for s, v, src in ECB]
    for start, private, other, source in LEGAL:
        rows.append(
            Rate(kind="legal_private", start=start, value=Decimal(private), source=source)
        )
        rows.append(
            Rate(kind="legal_other", start=start, value=Decimal(other), source=source)
        )
    # A rate entered by hand meanwhile is kept as entered.
    known = set(Rate.objects.values_list("kind", "start"))
    Rate.objects.bulk_create([r for r in rows if (r.kind, r.start) not in known])


class Migration(migrations.Migration):
    dependencies = [("law", "0001_initial")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
