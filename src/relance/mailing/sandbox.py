"""The sandbox user templates run in, and the limits that keep them small.

Jinja's sandbox keeps a template away from Python's internals but not from
the machine: a few characters can ask for gigabytes (`"x" * 10**9`,
`"%999999999s"|format(x)`) or for hours (loops within loops). Here every
rendering has a budget:

- time: TIME_LIMIT seconds, checked at each loop turn and each filter, call
  and operator (what takes time without them is bounded by the source);
- loop turns: MAX_ITERATIONS for all the loops of one rendering together;
- sizes: no text or list a template builds may exceed MAX_VALUE characters
  (or items), checked *before* building it whenever its size can be told in
  advance (repetition, concatenation, join, replace, indent, widths), and
  right after otherwise; widths and precisions given to `format`, `center`,
  `ljust`… may not exceed MAX_WIDTH; numbers may not exceed MAX_DIGITS;
- output: all that `{{ … }}` writes, blocks included, may not exceed
  MAX_PRODUCED characters (the rendered text itself is held to MAX_OUTPUT by
  the caller, see templating.py);
- recursive loops are refused: the catalogue has no nested data to walk.

A template that goes past a limit raises `Refused`, with a French message.
"""

import contextvars
import functools
import inspect
import re
import string
import time
import types
from contextlib import contextmanager

from django.utils.translation import gettext as _
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment

TIME_LIMIT = 1.0  # seconds to render one subject or body
MAX_OUTPUT = 100_000  # characters of a rendered subject or body
MAX_PRODUCED = 1_000_000  # characters written by {{ … }}, blocks included
MAX_VALUE = 100_000  # characters (or items) of a text or list a template builds
MAX_ITERATIONS = 100_000  # loop turns, all loops of one rendering together
MAX_WIDTH = 1_000  # width, precision or count given to format, center, indent…
MAX_DIGITS = 1_000  # digits of a number a template computes
_MAX_BITS = MAX_DIGITS * 10 // 3  # 2**3330 has 1003 digits


class Refused(Exception):
    """A template stopped by a limit or a forbidden construct (in French)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def _number(value: float) -> str:
    """1000000 → « 1 000 000 », 0.5 → « 0,5 »: the limits as users read them."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    return str(value).replace(".", ",")


def _over_time() -> Refused:
    return Refused(
        _("le modèle dépasse la limite de %(n)s s de calcul")
        % {"n": _number(TIME_LIMIT)}
    )


def _over_turns() -> Refused:
    return Refused(
        _("le modèle dépasse la limite de %(n)s tours de boucle")
        % {"n": _number(MAX_ITERATIONS)}
    )


def _over_produced() -> Refused:
    return Refused(
        _("le modèle dépasse la limite de %(n)s caractères écrits")
        % {"n": _number(MAX_PRODUCED)}
    )


def over_output() -> Refused:
    return Refused(
        _("le modèle dépasse la limite de %(n)s caractères par message")
        % {"n": _number(MAX_OUTPUT)}
    )


def _over_value() -> Refused:
    return Refused(
        _(
            "le modèle dépasse la limite de %(n)s caractères (ou éléments) "
            "pour un texte ou une liste"
        )
        % {"n": _number(MAX_VALUE)}
    )


def _over_width(name: str) -> Refused:
    return Refused(
        _("le modèle dépasse la limite de %(n)s pour une largeur donnée à « %(name)s »")
        % {"n": _number(MAX_WIDTH), "name": name}
    )


def _over_digits() -> Refused:
    return Refused(
        _("le modèle dépasse la limite de %(n)s chiffres pour un nombre")
        % {"n": _number(MAX_DIGITS)}
    )


# -- The budget of the rendering under way ------------------------------------


class _Budget:
    __slots__ = ("deadline", "produced", "turns")

    def __init__(self):
        self.deadline = time.monotonic() + TIME_LIMIT
        self.turns = 0
        self.produced = 0


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "relance_template_budget", default=None
)


@contextmanager
def budget():
    """Limits for one rendering (outside one, only sizes are checked)."""
    token = _BUDGET.set(_Budget())
    try:
        yield
    finally:
        _BUDGET.reset(token)


def tick() -> None:
    current = _BUDGET.get()
    if current is not None and time.monotonic() > current.deadline:
        raise _over_time()


def size(value, limit: int = MAX_VALUE) -> int:
    """Characters of the texts and items of the lists in `value`, counted up
    to just past `limit` (what writing it out would cost, roughly)."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes | bytearray):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset | dict):
            total += len(item)
            if total > limit:
                return total
            stack.extend(item.values() if isinstance(item, dict) else item)
            if isinstance(item, dict):
                stack.extend(item.keys())
        else:
            total += 1
        if total > limit:
            return total
    return total


def sized(value):
    """`value`, unless it is bigger than a template may build."""
    if size(value) > MAX_VALUE:
        raise _over_value()
    return value


def _inputs(*values) -> None:
    for value in values:
        sized(value)


def _width(name: str, value) -> None:
    if isinstance(value, str):
        value = len(value)
    if isinstance(value, int) and value > MAX_WIDTH:
        raise _over_width(name)


# Widths and precisions of printf-style formats: "%-10.2f", "%(name)5s", "%*d".
_PERCENT = re.compile(
    r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+)?)?[hlL]?[a-zA-Z%]"
)


def _percent_format(fmt: str, name: str = "%") -> None:
    for match in _PERCENT.finditer(fmt):
        for number in match.groups():
            if number == "*":
                raise Refused(
                    _("une largeur « * » n'est pas permise dans un format « %% »") % {}
                )
            if number is not None:
                _width(name, int(number))


def _brace_format(fmt: str) -> None:
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format itself says what is wrong
    for _literal, _field, spec, _conversion in fields:
        if not spec:
            continue
        if "{" in spec:
            raise Refused(_("un format imbriqué ({:{…}}) n'est pas permis"))
        for number in re.findall(r"\d+", spec):
            _width("format", int(number))


def _replaced_size(text, old, new, count) -> int:
    text, old, new = str(text), str(old), str(new)
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _joined_size(items: list, separator) -> int:
    return sum(size(item) for item in items) + len(str(separator)) * len(items)


# -- Filters -------------------------------------------------------------------
# Each check receives the filter's bound arguments; it may replace one (a
# generator turned into a list, to be measured before it is joined).


def _check_center(arguments) -> None:
    _width("center", arguments.get("width"))


def _check_indent(arguments) -> None:
    width = arguments.get("width")
    _width("indent", width)
    text = str(arguments["s"])
    margin = len(width) if isinstance(width, str) else width
    if isinstance(margin, int) and (
        len(text) + (text.count("\n") + 1) * margin > MAX_VALUE
    ):
        raise _over_value()


def _check_wordwrap(arguments) -> None:
    text = str(arguments["s"])
    wrapstring = arguments.get("wrapstring") or "\n"
    width = arguments.get("width")
    if not isinstance(width, int) or width < 1:
        return
    lines = len(text) // width + text.count("\n") + 1
    if len(text) + lines * len(str(wrapstring)) > MAX_VALUE:
        raise _over_value()


def _check_replace(arguments) -> None:
    estimate = _replaced_size(
        arguments["s"], arguments["old"], arguments["new"], arguments.get("count")
    )
    if estimate > MAX_VALUE:
        raise _over_value()


def _check_join(arguments) -> None:
    items = list(arguments["value"])
    arguments["value"] = items
    if _joined_size(items, arguments.get("d", "")) > MAX_VALUE:
        raise _over_value()


def _check_format(arguments) -> None:
    value = arguments.get("value")
    if isinstance(value, str):
        _percent_format(value, "format")


_FILTER_CHECKS = {
    "center": _check_center,
    "indent": _check_indent,
    "wordwrap": _check_wordwrap,
    "replace": _check_replace,
    "join": _check_join,
    "format": _check_format,
    "batch": lambda arguments: _width("batch", arguments.get("linecount")),
    "slice": lambda arguments: _width("slice", arguments.get("slices")),
    "tojson": lambda arguments: _width("tojson", arguments.get("indent")),
}


def _guarded_filter(name: str, function):
    check = _FILTER_CHECKS.get(name)
    # Jinja passes a context, eval context or environment first to some
    # filters; the signature of a few (async variants) does not show it.
    passed = 1 if getattr(function, "jinja_pass_arg", None) else 0
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if passed and parameters[0].name not in (
        "context",
        "eval_ctx",
        "environment",
        "env",
    ):
        first = inspect.Parameter("passed", inspect.Parameter.POSITIONAL_ONLY)
        signature = signature.replace(parameters=[first, *parameters])

    @functools.wraps(function)  # keeps Jinja's pass_context & co.
    def guarded(*args, **kwargs):
        tick()
        _inputs(*args[passed:], *kwargs.values())
        if check is not None:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            check(bound.arguments)
            args, kwargs = bound.args, bound.kwargs
        return sized(function(*args, **kwargs))

    return guarded


# -- Methods called on values: "x".center(10), ", ".join(…) -------------------

_WIDTH_METHODS = {"center", "ljust", "rjust", "zfill"}
_UNAVAILABLE_METHODS = {"translate", "maketrans"}


def _method_arguments(function, args: tuple, kwargs: dict) -> tuple:
    """Check a call to a method of a text or number; returns its arguments."""
    # str.format and str.format_map come wrapped by Jinja's sandbox.
    method = getattr(function, "__wrapped__", function)
    owner = getattr(method, "__self__", None)
    if not isinstance(method, types.BuiltinMethodType) or not isinstance(
        owner, str | bytes | bytearray | int
    ):
        return args
    name = method.__name__
    if name in ("format", "format_map") and isinstance(owner, str):
        _brace_format(owner)
    if name in _UNAVAILABLE_METHODS:
        raise Refused(
            _("la méthode « %(name)s » n'est pas disponible") % {"name": name}
        )
    if name in _WIDTH_METHODS:
        _width(name, args[0] if args else kwargs.get("width"))
    elif name == "expandtabs":
        tabsize = args[0] if args else kwargs.get("tabsize", 8)
        _width(name, tabsize)
        if isinstance(tabsize, int) and (
            len(owner)
            + owner.count(b"\t" if isinstance(owner, bytes) else "\t") * tabsize
            > MAX_VALUE
        ):
            raise _over_value()
    elif name == "to_bytes":
        _width(name, args[0] if args else kwargs.get("length", 1))
    elif name == "replace" and isinstance(owner, str) and len(args) >= 2:
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        if _replaced_size(owner, args[0], args[1], count) > MAX_VALUE:
            raise _over_value()
    elif name == "join" and args:
        items = list(args[0])
        if _joined_size(items, owner) > MAX_VALUE:
            raise _over_value()
        return (items, *args[1:])
    return args


# -- Operators: * ** + % --------------------------------------------------------

_SEQUENCES = str | bytes | list | tuple


def _check_operation(operator: str, left, right) -> None:
    """Refuse `left operator right` before it is computed when too big."""
    if operator == "**":
        raise Refused(_("la puissance (**) n'est pas disponible"))
    if operator == "*" and isinstance(left, int) and isinstance(right, int):
        if abs(left).bit_length() + abs(right).bit_length() > _MAX_BITS:
            raise _over_digits()
    elif operator == "*":
        for sequence, count in ((left, right), (right, left)):
            if (
                isinstance(count, int)
                and isinstance(sequence, _SEQUENCES)
                and count > 0
                and size(sequence) * count > MAX_VALUE
            ):
                raise _over_value()
    elif operator == "+" and isinstance(left, _SEQUENCES):
        if isinstance(right, _SEQUENCES) and size(left) + size(right) > MAX_VALUE:
            raise _over_value()
    elif operator == "%" and isinstance(left, str):
        _percent_format(left)


# -- Compiling: loops counted, `~` measured, recursive loops refused -----------


def _counted(node: nodes.Expr) -> nodes.Expr:
    """`environment.counted(node)`: each turn of the loop counted."""
    return nodes.Call(
        nodes.EnvironmentAttribute("counted"),
        [node],
        [],
        None,
        None,
        lineno=node.lineno,
    )


class _CodeGenerator(CodeGenerator):
    def visit_For(self, node, frame) -> None:
        if node.recursive:
            raise Refused(
                _("les boucles récursives (recursive) ne sont pas permises"),
                node.lineno,
            )
        iterated = node.iter
        if not (
            isinstance(iterated, nodes.Call)
            and isinstance(iterated.node, nodes.EnvironmentAttribute)
        ):
            node.iter = _counted(iterated)
        super().visit_For(node, frame)

    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape:
            self.write("environment.sized(")
            super().visit_Concat(node, frame)
            self.write(")")
            return
        self.write("environment.joined((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


def _finalize(value) -> str:
    """Every {{ … }}: measured before it becomes text, and counted."""
    if value.__class__ is not str:
        sized(value)
        value = str(value)
    current = _BUDGET.get()
    if current is not None:
        current.produced += len(value)
        if current.produced > MAX_PRODUCED:
            raise _over_produced()
    return value


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with the limits above."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options):
        super().__init__(finalize=_finalize, **options)
        # lipsum(n) writes n paragraphs; urlize inserts its arguments at each
        # address: neither belongs in a plain-text letter.
        self.globals.pop("lipsum", None)
        self.filters.pop("urlize", None)
        self.filters = {
            name: _guarded_filter(name, function)
            for name, function in self.filters.items()
        }

    def call_binop(self, context, operator, left, right):
        tick()
        _inputs(left, right)
        _check_operation(operator, left, right)
        return sized(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):
        tick()
        _inputs(*args, *kwargs.values())
        args = _method_arguments(__obj, args, kwargs)
        return sized(super().call(__context, __obj, *args, **kwargs))

    def counted(self, iterable):
        """The items of a {% for %}, each turn counted against the budget."""
        current = _BUDGET.get()
        if current is None:
            yield from iterable
            return
        for item in iterable:
            current.turns += 1
            if current.turns > MAX_ITERATIONS:
                raise _over_turns()
            if time.monotonic() > current.deadline:
                raise _over_time()
            yield item

    def joined(self, values) -> str:
        """`a ~ b`, measured before it is built."""
        tick()
        parts = [
            value if isinstance(value, str) else str(sized(value)) for value in values
        ]
        if sum(map(len, parts)) > MAX_VALUE:
            raise _over_value()
        return "".join(parts)

    def sized(self, value):
        return sized(value)

    def concat(self, parts) -> str:
        """The text of a {% set %}…{% endset %} or {% filter %} block."""
        parts = list(parts)
        if sum(map(len, parts)) > MAX_VALUE:
            raise _over_value()
        return "".join(parts)
