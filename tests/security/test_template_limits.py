"""Issue 13, item 3: a user template may not cost the server time or memory.

Each bomb is tried twice: at save (`check`, which renders once on the sample
data) and at rendering, as a template saved before the limits existed would
be. Both must refuse it with a French TemplateRefused, without allocating
what the template asks for, and by the limit it breaks: a bomb stopped by
the one-second clock instead would say so (TOO_LONG), so no test here times
itself against the machine's load.
"""

import time
import tracemalloc

import pytest

from relance.mailing import templating, variables

TOO_WIDE = "le modèle dépasse la limite de 1 000 pour une largeur donnée à « {} »"
TOO_BIG = (
    "le modèle dépasse la limite de 100 000 caractères (ou éléments) "
    "pour un texte ou une liste"
)
TOO_MANY_TURNS = "le modèle dépasse la limite de 100 000 tours de boucle"
TOO_LONG = "le modèle dépasse la limite de 1 s de calcul"
TOO_MUCH_WRITTEN = "le modèle dépasse la limite de 1 000 000 caractères écrits"
TOO_LONG_A_MESSAGE = "le modèle dépasse la limite de 100 000 caractères par message"


def refused(action, source: str) -> tuple[str, float, int]:
    """The refusal's message, the seconds it took and the peak of memory
    allocated meanwhile (bytes)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(templating.TemplateRefused) as refusal:
            action(source)
        return str(refusal.value), time.perf_counter() - start, _peak()
    finally:
        tracemalloc.stop()


def _peak() -> int:
    return tracemalloc.get_traced_memory()[1]


def at_save(source: str):
    templating.check(source)


def at_rendering(source: str):
    templating.render(source, variables.sample())


BOMBS = [
    (  # 10^8 turns: three seconds; one more level, hours
        '{% for a in "x" * 10000 %}{% for b in "x" * 10000 %}{% endfor %}{% endfor %}',
        TOO_MANY_TURNS,
    ),
    ('{{ "%999999999s"|format(customer.name) }}', TOO_WIDE.format("format")),
    ('{{ "%.999999999f"|format(invoice.days_late) }}', TOO_WIDE.format("format")),
    ('{{ "{:>999999999}".format(customer.name) }}', TOO_WIDE.format("format")),
    ('{{ "%999999999s" % customer.name }}', TOO_WIDE.format("%")),
    ("{{ customer.name|center(999999999) }}", TOO_WIDE.format("center")),
    ('{{ "x".center(999999999) }}', TOO_WIDE.format("center")),
    ('{{ "x".ljust(999999999) }}', TOO_WIDE.format("ljust")),
    ('{{ "x".rjust(999999999) }}', TOO_WIDE.format("rjust")),
    ('{{ "x".zfill(999999999) }}', TOO_WIDE.format("zfill")),
    ("{{ customer.name|indent(999999999) }}", TOO_WIDE.format("indent")),
    ('{{ "\t".expandtabs(999999999) }}', TOO_WIDE.format("expandtabs")),
    ('{{ invoices|batch(999999999, "x")|list }}', TOO_WIDE.format("batch")),
    ("{{ invoices|slice(999999999)|list }}", TOO_WIDE.format("slice")),
    ('{{ "x" * 10000 * 10000 * 100 }}', TOO_BIG),  # 10 GB asked for
    ('{% set a = "x" * 50000 %}{{ a ~ a ~ a }}', TOO_BIG),
    ('{% set a = "x" * 50000 %}{{ a + a + a }}', TOO_BIG),
    ('{% set a = "x" * 50000 %}{{ [a, a, a]|join }}', TOO_BIG),
    ('{% set a = "x" * 50000 %}{{ (a, a, a) }}', TOO_BIG),
    ('{{ ("x" * 1000)|replace("x", "x" * 1000) }}', TOO_BIG),
    ('{{ ("x" * 1000).replace("x", "x" * 1000) }}', TOO_BIG),
    ('{{ ("x\n" * 1000)|indent(1000) }}', TOO_BIG),
    (  # a block filled in a loop: counted as it is written, not once joined
        '{% set a = "x" * 10000 %}{% set b %}{% for c in a %}{{ a ~ c }}'
        "{% endfor %}{% endset %}{{ b|length }}",
        TOO_MUCH_WRITTEN,
    ),
    ('{% for c in "x" * 100000 %}{{ "ab" }}{% endfor %}', TOO_LONG_A_MESSAGE),
]


@pytest.mark.parametrize(("source", "message"), BOMBS)
def test_a_template_past_a_limit_is_refused_at_save_without_costing_it(source, message):
    told, _seconds, peak = refused(at_save, source)
    assert told == message
    assert peak < 20_000_000


@pytest.mark.parametrize(("source", "message"), BOMBS)
def test_a_template_saved_before_the_limits_is_stopped_when_rendered(source, message):
    told, _seconds, peak = refused(at_rendering, source)
    assert told == message
    assert peak < 20_000_000


SLOW = (  # 50 000 turns, each building and rewriting 100 000 characters
    '{% set a = "x" * 50000 %}{% for c in a %}'
    '{% set b = (a ~ a)|replace("x", "y") %}{% endfor %}'
)


@pytest.mark.parametrize("action", [at_save, at_rendering])
def test_a_template_that_renders_too_long_is_stopped_after_one_second(action):
    told, seconds, _peak = refused(action, SLOW)
    assert told == TOO_LONG
    assert 1 <= seconds < 2


def test_a_recursive_loop_is_refused_at_save_and_at_rendering():
    source = '{% for c in "ab" recursive %}{{ loop(c) }}{% endfor %}'
    message = "Ligne 1 : les boucles récursives (recursive) ne sont pas permises"
    assert refused(at_save, source)[0] == message
    assert refused(at_rendering, source)[0] == message


def test_a_template_nested_too_deep_is_refused_in_french_at_save():
    source = "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}"
    assert refused(at_save, source)[0] == (
        "le modèle est trop imbriqué ou s'appelle sans fin"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
            "le modèle est trop imbriqué ou s'appelle sans fin",
        ),
        ('{{ "%(a)s" % {} }}', "le modèle ne peut pas être rendu ('a')"),
        (
            '{{ "x".translate({120: "y"}) }}',
            "la méthode « translate » n'est pas disponible",
        ),
        ("{{ 2 ** 10 }}", "la puissance (**) n'est pas disponible"),
        (
            "{{ " + "9" * 600 + " * " + "9" * 600 + " }}",
            "le modèle dépasse la limite de 1 000 chiffres pour un nombre",
        ),
    ],
)
def test_any_error_while_rendering_comes_out_as_a_french_refusal(source, message):
    assert refused(at_rendering, source)[0] == message
