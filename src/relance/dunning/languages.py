"""Which text of a step a customer gets: templates per language.

A step's own `subject` and `body` are its French text (BASE); each other
language's is a DunningStepText. A customer gets the text in their language;
when the step has none, the company's language's, else the French one, and
the summary says so per message (`fallback_note`). See docs/templates.md
and the ADR « templates per language ».
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from relance.core.languages import BASE
from relance.core.languages import name as language_name
from relance.dunning.models import DunningStep, DunningStepText

Texts = dict[int, dict[str, tuple[str, str]]]  # step id -> language -> text


@dataclass(frozen=True)
class StepText:
    """The subject and body a message is written with, in `language`;
    `wanted` is the customer's language."""

    subject: str
    body: str
    language: str
    wanted: str

    @property
    def is_fallback(self) -> bool:
        return self.language != self.wanted


def step_texts(steps: Iterable[DunningStep]) -> Texts:
    """Every text of these steps in every language, in one query."""
    texts: Texts = {}
    for step in steps:
        if step.pk:
            texts[step.pk] = {BASE: (step.subject, step.body)}
    rows = DunningStepText.objects.filter(step_id__in=list(texts)).values_list(
        "step_id", "language", "subject", "body"
    )
    for step_id, language, subject, body in rows:
        texts[step_id][language] = (subject, body)
    return texts


def step_text(
    *,
    step: DunningStep,
    language: str,
    company_language: str,
    texts: Texts | None = None,
) -> StepText:
    """`step`'s text for a customer speaking `language`: theirs, else the
    company's language's, else the French. `texts` from step_texts (queried
    for this step alone when not given, or when it lacks the step)."""
    own = {BASE: (step.subject, step.body)}
    if step.pk:
        if texts is None or step.pk not in texts:
            texts = step_texts([step])
        own = {**texts[step.pk], BASE: (step.subject, step.body)}
    language = language or BASE
    for candidate in (language, company_language or BASE, BASE):
        subject, body = own.get(candidate, ("", ""))
        if subject.strip() and body.strip():
            return StepText(subject, body, candidate, language)
    return StepText(step.subject, step.body, BASE, language)


def fallback_note(text: StepText) -> str:
    """« modèle anglais absent : envoyé en français », or "" when the customer
    gets their own language."""
    if not text.is_fallback:
        return ""
    return _("modèle %(wanted)s absent : envoyé en %(used)s") % {
        "wanted": language_name(text.wanted),
        "used": language_name(text.language),
    }
