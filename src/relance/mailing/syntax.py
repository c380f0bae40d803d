"""Jinja's errors, told in French with the fix.

Jinja reports a template's mistakes in English, in its own terms (« Unexpected
end of template. Jinja was looking for the following tags: 'endfor' or
'else'… »). The usual mistakes are recognised here and told in French, with
what to write; anything else gets a French message that still points at the
line (the caller adds « Ligne n : »).
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# How Jinja names what it expected or found, as the user writes it.
_TOKENS = {
    "end of print statement": "}}",
    "end of statement block": "%}",
    "begin of print statement": "{{",
    "begin of statement block": "{%",
    "end of template": gettext_lazy("fin du modèle"),
}
_BLOCK_TAGS = {"for", "if", "set", "block", "macro", "call", "filter", "with"}


def _token(text: str) -> str:
    return str(_TOKENS.get(text, text))


def _syntax(detail: str) -> str:
    return _("erreur de syntaxe, %(detail)s") % {"detail": detail}


def _unclosed(block: str) -> str:
    return _syntax(
        _("bloc {%% %(block)s %%} non fermé : ajoutez {%% end%(block)s %%}")
        % {"block": block}
    )


def _unknown_tag(tag: str, block: str | None) -> str:
    if block and (tag in ("else", "elif") or tag.startswith("end")):
        # {% for %}{% if %}{% endfor %}, {% if %}{% else %}{% else %}…
        return _syntax(
            _(
                "{%% %(tag)s %%} inattendu : fermez d'abord le bloc "
                "{%% %(block)s %%} par {%% end%(block)s %%}"
            )
            % {"tag": tag, "block": block}
        )
    if tag.startswith("end") and tag[3:] in _BLOCK_TAGS:
        return _syntax(
            _("{%% %(tag)s %%} sans {%% %(block)s %%} ouvert avant")
            % {"tag": tag, "block": tag[3:]}
        )
    if tag == "elif":
        return _syntax(_("{%% elif %%} en dehors d'un bloc {%% if %%}") % {})
    if tag == "else":
        return _syntax(
            _("{%% else %%} en dehors d'un bloc {%% if %%} ou {%% for %%}") % {}
        )
    return _syntax(
        _(
            "balise inconnue {%% %(tag)s %%} : "
            "utilisez {%% if %%}, {%% for %%} ou {%% set %%}"
        )
        % {"tag": tag}
    )


def unknown_filter(name: str) -> str:
    return _("filtre inconnu « %(name)s »") % {"name": name}


def unknown_test(name: str) -> str:
    return _("test inconnu « %(name)s »") % {"name": name}


def _unexpected_char(char: str) -> str:
    if char in "\"'":
        return _syntax(
            _("texte entre guillemets non fermé : ajoutez %(quote)s") % {"quote": char}
        )
    return _syntax(_("caractère « %(char)s » inattendu") % {"char": char})


_INNERMOST = r"(?: .*The innermost block that needs to be closed is '(\w+)'\.)?"

# (pattern on Jinja's message, French message from the groups); first match wins.
_MESSAGES = [
    (
        r"Unexpected end of template\." + _INNERMOST,
        lambda block: (
            _unclosed(block) if block else _syntax(_("fin du modèle inattendue"))
        ),
    ),
    (r"Encountered unknown tag '(\w+)'\." + _INNERMOST, _unknown_tag),
    (
        r"unexpected end of template, expected 'end of print statement'\.",
        lambda: _syntax(_("{{ non fermé : ajoutez }}")),
    ),
    (
        r"unexpected end of template, expected 'end of statement block'\.",
        lambda: _syntax(_("{%% non fermé : ajoutez %%}") % {}),
    ),
    (
        r"expected token 'end of print statement', got '(.*)'",
        lambda got: _syntax(
            _("« %(got)s » inattendu dans {{ … }} : fermez-le par }}")
            % {"got": _token(got)}
        ),
    ),
    (
        r"expected token 'end of statement block', got '(.*)'",
        lambda got: _syntax(
            _("« %(got)s » inattendu dans {%% … %%} : fermez-le par %%}")
            % {"got": _token(got)}
        ),
    ),
    (
        r"unexpected '\}'",
        lambda: _syntax(_("« } » inattendu : fermez {{ par }} et {%% par %%}") % {}),
    ),
    (
        r"unexpected '(.*)', expected '(.*)'",
        lambda got, expected: _syntax(
            _("« %(expected)s » attendu au lieu de « %(got)s »")
            % {"expected": _token(expected), "got": _token(got)}
        ),
    ),
    (
        r"expected token 'name', got '(.*)'",
        lambda got: _syntax(
            _("un nom (de variable ou de filtre) est attendu avant « %(got)s »")
            % {"got": _token(got)}
        ),
    ),
    (
        r"expected token '(.*)', got '(.*)'",
        lambda expected, got: _syntax(
            _("« %(expected)s » attendu au lieu de « %(got)s »")
            % {"expected": _token(expected), "got": _token(got)}
        ),
    ),
    (
        r"Expected an expression, got '(.*)'",
        lambda got: _syntax(
            _("une variable ou une valeur est attendue avant « %(got)s »")
            % {"got": _token(got)}
        ),
    ),
    (
        r"unexpected '(.*)'",
        lambda got: _syntax(_("« %(got)s » inattendu") % {"got": _token(got)}),
    ),
    (r"unexpected char '(.)' at \d+", _unexpected_char),
    (
        r"Missing end of comment tag",
        lambda: _syntax(_("commentaire {# non fermé : ajoutez #}")),
    ),
    (
        r"tag name expected",
        lambda: _syntax(_("nom de balise attendu après {%%") % {}),
    ),
    (
        r"expected name or number",
        lambda: _syntax(_("nom attendu après le point")),
    ),
    (r"No filter named '(.*)'(?: found)?\.", unknown_filter),
    (r"No test named '(.*)'(?: found)?\.", unknown_test),
]
_COMPILED = [(re.compile(pattern, re.S), message) for pattern, message in _MESSAGES]


def french(message: str) -> str | None:
    """Jinja's message for a syntax error, in French; None when not recognised."""
    for pattern, told in _COMPILED:
        match = pattern.fullmatch(message)
        if match:
            return told(*match.groups())
    return None


def syntax_message(message: str) -> str:
    """French for a syntax error, with a general message when not recognised."""
    return french(message) or _syntax(
        _("vérifiez les {{ … }} et {%% … %%} de cette ligne") % {}
    )
