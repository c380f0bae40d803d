"""The layout of docs/adr/0002-layout.md, held: imports point downwards."""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "relance"
# What each app may import from the rest of relance (itself always).
ALLOWED = {
    "core": {"config"},
    "invoices": {"core", "config"},
    "mailing": {"core", "config"},
    "law": {"core", "invoices", "config"},
    "dunning": {"core", "invoices", "mailing", "law", "config"},
    "reports": {"core", "invoices", "mailing", "law", "dunning", "config"},
    "bank": {"core", "invoices", "mailing", "law", "dunning", "config"},
    "web": {"core", "invoices", "mailing", "law", "dunning", "reports", "config"}
    | {"bank"},
    "api": {"core", "invoices", "mailing", "law", "dunning", "reports", "config"}
    | {"bank"},
    "cli": {"core", "invoices", "mailing", "law", "dunning", "reports", "config"}
    | {"bank"},
    # The customer's private page: an entry point beside web and api.
    "portal": {"core", "invoices", "mailing", "law", "dunning", "config"},
}


def relance_imports(path: Path) -> set[str]:
    """The relance modules imported anywhere in the file (at the top or in
    a function)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(name for name in names if name.startswith("relance."))
    return found


def modules(app: str):
    for path in sorted((PACKAGE / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_apps_below_it(app):
    upward = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in modules(app)
        for name in sorted(relance_imports(path))
        if name.split(".")[1] not in ALLOWED[app] | {app}
    ]
    assert upward == []


@pytest.mark.parametrize(
    "path",
    [
        "dunning/rules.py",
        "law/penalties.py",
        "reports/aging.py",
        "reports/timeline.py",
        "bank/matching.py",
    ],
)
def test_the_rules_are_pure(path):
    tree = ast.parse((PACKAGE / path).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= sys.stdlib_module_names  # no Django, no database, no clock
    assert "time" not in imported


def test_services_never_import_the_tasks_that_call_them():
    services = PACKAGE / "dunning" / "services"
    callers = [
        path.name
        for path in sorted(services.glob("*.py"))
        if any(
            name.startswith("relance.dunning.tasks") for name in relance_imports(path)
        )
    ]
    assert callers == []
