"""User-written templates: checked when saved, rendered in a sandbox.

Templates use Jinja syntax (`{{ customer.name }}`, `{% for invoice in
invoices %}`) in an immutable sandbox, and only ever see plain data (strings,
numbers, booleans, lists and `Record`s built from dicts): no model object,
nothing that leads to settings or secrets. The sandbox also bounds the time,
loop turns and sizes of a rendering (mailing/sandbox.py).

Whatever goes wrong, checking or rendering raises TemplateRefused, with a
French message, and nothing else.
"""

import functools
import re
from collections.abc import Mapping

from django.utils.translation import gettext as _
from jinja2 import (
    StrictUndefined,
    Template,
    TemplateRuntimeError,
    TemplateSyntaxError,
    nodes,
)
from jinja2.sandbox import SecurityError

from relance.mailing import sandbox, syntax, variables
from relance.mailing.sandbox import MAX_OUTPUT

__all__ = ["MAX_OUTPUT", "Record", "TemplateRefused", "check", "render", "render_each"]


class TemplateRefused(Exception):
    """A template that cannot be saved or rendered; the message names the line."""

    def __init__(self, message: str, line: int | None = None):
        self.message = message
        self.line = line
        text = _("Ligne %(line)s : %(message)s") % {"line": line, "message": message}
        super().__init__(text if line else message)


class Record:
    """Read-only attribute access to plain data; nothing else to reach."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping):
        object.__setattr__(self, "_data", dict(data))

    def __getattr__(self, name: str):
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        raise AttributeError("read-only")

    def __repr__(self) -> str:
        return "Record"


def to_records(value):
    if isinstance(value, Mapping):
        return Record({k: to_records(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(to_records(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


_ENV = sandbox.Sandbox(undefined=StrictUndefined, autoescape=False)
# A line holding only tags or comments leaves no line in the output, as users
# expect; a tag within text keeps its line's end. The line end moves into a
# comment so that error messages keep their line numbers.
_TAG_ONLY_LINE = re.compile(r"^[ \t]*((?:\{[%#](?:(?![%#]\}).)*[%#]\}[ \t]*)+)\n", re.M)


def _prepare(source: str) -> str:
    return _TAG_ONLY_LINE.sub(lambda m: m.group(1) + "{#\n#}", source)


_FORBIDDEN_TAGS = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
ANY = object()  # a value whose attributes are not known (set by the template)


def check(source: str) -> None:
    """Refuse a template with a syntax error, a name outside the catalogue, or
    that goes past the sandbox's limits when rendered on the sample data."""
    try:
        tree = _ENV.parse(_prepare(source))
        template = _compiled(source)  # unknown filters and tests are found here
        _check_node(tree, {**variables.schema(), "loop": ANY}, [])
    except Exception as error:
        raise _refusal(error) from None
    _trial(template)


def _trial(template: Template) -> None:
    """Render once on the sample data: a template past a limit, or caught by
    the sandbox, is refused now rather than at each sending. Other errors
    may come from the sample data, which is not the customers' own: they are
    left for rendering to report."""
    data = {name: to_records(value) for name, value in variables.sample().items()}
    try:
        _output(template, data)
    except (sandbox.Refused, SecurityError, RecursionError, MemoryError) as error:
        raise _refusal(error) from None
    except Exception:
        pass


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """Compiling costs a hundred renderings: a run compiles each step once."""
    return _ENV.from_string(_prepare(source))


def render(source: str, context: Mapping) -> str:
    """Render a checked template on plain data."""
    return render_each([source], context)[0]


def render_each(sources: list[str], context: Mapping) -> list[str]:
    """Render several templates (a subject and a body) on the same data."""
    data = {name: to_records(value) for name, value in context.items()}
    return [_render(source, data) for source in sources]


def _render(source: str, data: dict) -> str:
    try:
        return _output(_compiled(source), data)
    except Exception as error:
        raise _refusal(error) from None


def _output(template: Template, data: dict) -> str:
    """The rendered text, within the sandbox's budget of time and size."""
    parts: list[str] = []
    append = parts.append
    length = 0
    with sandbox.budget():
        # Template.generate() without its traceback rewriting: errors are
        # told in French here, whatever they are.
        for part in template.root_render_func(template.new_context(data)):
            length += len(part)
            if length > MAX_OUTPUT:
                raise sandbox.over_output()
            append(part)
    return "".join(parts)


def _refusal(error: Exception) -> TemplateRefused:
    """Any error met while checking or rendering, as a TemplateRefused."""
    if isinstance(error, TemplateRefused):
        return error
    if isinstance(error, sandbox.Refused):
        return TemplateRefused(error.message, error.line)
    if isinstance(error, TemplateSyntaxError):
        return TemplateRefused(syntax.syntax_message(error.message), error.lineno)
    if isinstance(error, SecurityError):
        return TemplateRefused(_("opération interdite (%(e)s)") % {"e": error})
    if isinstance(error, TemplateRuntimeError) and syntax.french(str(error)):
        return TemplateRefused(syntax.french(str(error)))  # No filter named…
    if isinstance(error, RecursionError):
        return TemplateRefused(_("le modèle est trop imbriqué ou s'appelle sans fin"))
    if isinstance(error, MemoryError):
        return TemplateRefused(_("le modèle demande plus de mémoire que disponible"))
    return TemplateRefused(_("le modèle ne peut pas être rendu (%(e)s)") % {"e": error})


def _path(node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_path(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_path(node.node)}.{node.arg.value}"
    return "…"


def _unknown(node) -> TemplateRefused:
    return TemplateRefused(
        _("variable inconnue « %(name)s »") % {"name": _path(node)}, node.lineno
    )


def _resolve(node, scope):
    """The schema behind an expression (dict, [item], None for a leaf, ANY)."""
    if isinstance(node, nodes.Name):
        if node.name not in scope:
            raise _unknown(node)
        return scope[node.name]
    attr = None
    if isinstance(node, nodes.Getattr):
        attr = node.attr
        if attr.startswith("_"):
            raise TemplateRefused(
                _("attribut interdit « %(name)s »") % {"name": attr}, node.lineno
            )
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        attr = node.arg.value
    if attr is not None:
        parent = _resolve(node.node, scope)
        if parent is ANY:
            return ANY
        if isinstance(parent, list) and isinstance(attr, int):
            return parent[0]  # invoices[0]
        if not isinstance(parent, dict) or attr not in parent:
            raise _unknown(node)
        return parent[attr]
    _check_node(node, scope, [])
    return ANY


def _targets(node) -> list[str]:
    if isinstance(node, nodes.Name):
        return [node.name]
    if isinstance(node, nodes.Tuple):
        return [name for item in node.items for name in _targets(item)]
    return []


def _check_body(body, scope) -> None:
    scope = dict(scope)  # a {% set %} holds until the end of its block
    for node in body:
        _check_node(node, scope, body)


def _check_node(node, scope, siblings) -> None:
    if isinstance(node, nodes.Filter | nodes.Test):
        # Also those under {% if %}, which Jinja only looks up when they run.
        if isinstance(node, nodes.Filter) and node.name not in _ENV.filters:
            raise TemplateRefused(syntax.unknown_filter(node.name), node.lineno)
        if isinstance(node, nodes.Test) and node.name not in _ENV.tests:
            raise TemplateRefused(syntax.unknown_test(node.name), node.lineno)
    if isinstance(node, _FORBIDDEN_TAGS):
        raise TemplateRefused(
            _("les inclusions de modèles ne sont pas permises"), node.lineno
        )
    if isinstance(node, nodes.Template):
        _check_body(node.body, scope)
    elif isinstance(node, nodes.For):
        iterated = _resolve(node.iter, scope)
        item = iterated[0] if isinstance(iterated, list) else ANY
        inner = {**scope, "loop": ANY, **dict.fromkeys(_targets(node.target), item)}
        if node.test is not None:
            _check_node(node.test, inner, [])
        _check_body(node.body, inner)
        _check_body(node.else_, scope)
    elif isinstance(node, nodes.Assign | nodes.AssignBlock):
        if isinstance(node, nodes.Assign):
            _check_node(node.node, scope, [])
        else:
            _check_body(node.body, scope)
        for name in _targets(node.target):
            scope[name] = ANY
    elif isinstance(node, nodes.Macro | nodes.CallBlock):
        raise TemplateRefused(_("les macros ne sont pas permises"), node.lineno)
    elif isinstance(node, nodes.Name | nodes.Getattr) or (
        isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const)
    ):
        _resolve(node, scope)
    elif isinstance(node, nodes.If):
        _check_node(node.test, scope, [])
        _check_body(node.body, scope)
        for elif_ in node.elif_:
            _check_node(elif_, scope, [])
        _check_body(node.else_, scope)
    else:
        for child in node.iter_child_nodes():
            _check_node(child, scope, [])
