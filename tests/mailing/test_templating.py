"""User templates: refused at save when wrong, harmless when rendered."""

import pytest

from relance.mailing import templating, variables


def render(source: str, **context) -> str:
    templating.check(source)
    return templating.render(source, context or variables.sample())


def refusal(source: str) -> str:
    with pytest.raises(templating.TemplateRefused) as refused:
        templating.check(source)
    return str(refused.value)


def test_known_variables_render_with_french_formatting():
    assert render(
        "{{ customer.name }} doit {{ total_due }} depuis le {{ invoice.due_date }}"
    ) == ("HERBLY Francis doit 1 234,56 € depuis le 31/01/2023")


def test_a_loop_over_the_invoices_sees_each_invoice():
    source = (
        "{% for invoice in invoices %}"
        "{{ invoice.number }}:{{ invoice.days_late }};"
        "{% endfor %}"
    )
    assert render(source) == "FC22120054:42;"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Bonjour {{ client.nom }}", "Ligne 1 : variable inconnue « client »"),
        (
            "Bonjour\n\n{{ customer.nom }}",
            "Ligne 3 : variable inconnue « customer.nom »",
        ),
        (
            "{% for i in invoices %}\n{{ i.numero }}\n{% endfor %}",
            "Ligne 2 : variable inconnue « i.numero »",
        ),
        ("{{ invoices.number }}", "Ligne 1 : variable inconnue « invoices.number »"),
        (
            "{% for i in invoices %}{% endfor %}{{ i.number }}",
            "Ligne 1 : variable inconnue « i »",
        ),
        ("{{ customer.items }}", "Ligne 1 : variable inconnue « customer.items »"),
    ],
)
def test_an_unknown_variable_is_refused_with_its_line(source, message):
    assert refusal(source) == message


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "Bonjour,\n\n{% for invoice in invoices %}\n{{ invoice.number }}",
            "Ligne 4 : erreur de syntaxe, bloc {% for %} non fermé : "
            "ajoutez {% endfor %}",
        ),
        (
            "a\n{% if customer.is_business %}\nb",
            "Ligne 3 : erreur de syntaxe, bloc {% if %} non fermé : "
            "ajoutez {% endif %}",
        ),
        (
            "{% for invoice in invoices %}{% if customer.is_business %}{% endfor %}",
            "Ligne 1 : erreur de syntaxe, {% endfor %} inattendu : fermez d'abord "
            "le bloc {% if %} par {% endif %}",
        ),
        (
            "{% endif %}",
            "Ligne 1 : erreur de syntaxe, {% endif %} sans {% if %} ouvert avant",
        ),
        (
            "{% else %}",
            "Ligne 1 : erreur de syntaxe, {% else %} en dehors d'un bloc {% if %} "
            "ou {% for %}",
        ),
        (
            "a\n{% pour invoice in invoices %}",
            "Ligne 2 : erreur de syntaxe, balise inconnue {% pour %} : "
            "utilisez {% if %}, {% for %} ou {% set %}",
        ),
        (
            "{% if customer.is_business }}",
            "Ligne 1 : erreur de syntaxe, « } » inattendu : fermez {{ par }} "
            "et {% par %}",
        ),
        (
            "Bonjour {{ customer.name }",
            "Ligne 1 : erreur de syntaxe, « } » inattendu : fermez {{ par }} "
            "et {% par %}",
        ),
        (
            "Bonjour {{ customer.name",
            "Ligne 1 : erreur de syntaxe, {{ non fermé : ajoutez }}",
        ),
        (
            "Bonjour {{ customer.name\n\nMerci",
            "Ligne 3 : erreur de syntaxe, « Merci » inattendu dans {{ … }} : "
            "fermez-le par }}",
        ),
        (
            "{% if customer.is_business %}x{% endif",
            "Ligne 1 : erreur de syntaxe, {% non fermé : ajoutez %}",
        ),
        (
            "{{ }}",
            "Ligne 1 : erreur de syntaxe, une variable ou une valeur est "
            "attendue avant « }} »",
        ),
        (
            "{% for invoice invoices %}{% endfor %}",
            "Ligne 1 : erreur de syntaxe, « in » attendu au lieu de « invoices »",
        ),
        (
            '{{ "Bonjour }}',
            'Ligne 1 : erreur de syntaxe, texte entre guillemets non fermé : ajoutez "',
        ),
        (
            "{# note",
            "Ligne 1 : erreur de syntaxe, commentaire {# non fermé : ajoutez #}",
        ),
        ("{{ customer.name|sans_filtre }}", "Ligne 1 : filtre inconnu « sans_filtre »"),
        (
            "a\n{% if customer.is_business %}{{ customer.name|sans_filtre }}"
            "{% endif %}",
            "Ligne 2 : filtre inconnu « sans_filtre »",
        ),
        (
            "{% if customer.name is sans_test %}{% endif %}",
            "Ligne 1 : test inconnu « sans_test »",
        ),
        (
            "{% if customer.is_business %}{% else %}{% elif true %}{% endif %}",
            "Ligne 1 : erreur de syntaxe, {% elif %} inattendu : fermez d'abord "
            "le bloc {% if %} par {% endif %}",
        ),
        (
            "{{ customer.name| }}",
            "Ligne 1 : erreur de syntaxe, un nom (de variable ou de filtre) est "
            "attendu avant « }} »",
        ),
        (
            "{{ customer.name ! }}",
            "Ligne 1 : erreur de syntaxe, caractère « ! » inattendu",
        ),
    ],
)
def test_a_syntax_error_is_told_in_french_with_its_line_and_the_fix(source, message):
    assert refusal(source) == message


@pytest.mark.parametrize(
    "source",
    [
        "{{ customer.__class__ }}",
        "{{ customer._data }}",
        "{{ ''.__class__.__mro__ }}",
        "{% include 'settings.py' %}",
        "{% import 'x' as y %}",
        "{% macro m() %}{% endmacro %}",
        "{{ range(10) }}",
        "{{ settings }}",
        "{{ config }}",
        "{{ self }}",
    ],
)
def test_reaching_beyond_the_catalogue_is_refused_at_save(source):
    refusal(source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{{ customer|attr('_data') }}",
            "opération interdite (access to attribute '_data' of 'Record' object "
            "is unsafe.)",
        ),
        (
            "{{ (customer.name|attr('__class__')) }}",
            "opération interdite (access to attribute '__class__' of 'str' object "
            "is unsafe.)",
        ),
        (
            "{{ 'x' * 1000000 }}",
            "le modèle dépasse la limite de 100 000 caractères (ou éléments) "
            "pour un texte ou une liste",
        ),
        ("{{ 2 ** 100000 }}", "la puissance (**) n'est pas disponible"),
    ],
)
def test_what_slips_past_the_names_is_refused_at_save_by_a_trial_rendering(
    source, message
):
    # Templates saved before this check are stopped the same way when rendered.
    assert refusal(source) == message
    with pytest.raises(templating.TemplateRefused) as refused:
        templating.render(source, variables.sample())
    assert str(refused.value) == message


def test_rendering_sees_plain_data_only_whatever_it_is_given():
    class Secret:
        password = "hunter2"

        def __str__(self):
            return "Secret"

    # A model object passed by mistake becomes its text, never an object.
    output = templating.render("{{ customer.name }}", {"customer": {"name": Secret()}})
    assert output == "Secret"
    with pytest.raises(templating.TemplateRefused):
        templating.render(
            "{{ customer.name.password }}", {"customer": {"name": Secret()}}
        )


def test_a_line_holding_only_tags_leaves_no_blank_line():
    source = (
        "A\n{% if customer.is_business %}\nB\n{% endif %}\n"
        "C {% if true %}D{% endif %}\nE"
    )
    assert render(source) == "A\nB\nC D\nE"


def test_every_catalogue_variable_is_accepted():
    for variable in variables.VARIABLES:
        path = variable.path.replace("invoices[]", "invoices[0]")
        templating.check("{{ " + path + " }}")
