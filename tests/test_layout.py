"""The package's layout holds: imports run downward, modules stay small, old paths still work.

The import graph is read from the source with ``ast``, counting imports inside
functions too (they run, only later). Importing ``a.b.c`` runs ``a/__init__``
and ``a/b/__init__`` first, so those count as edges as well. Imports under
``if TYPE_CHECKING:`` never run and do not count; a module's own parent packages
are already being imported when it runs, so they are no edge of its.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = "wagtail_gdpr_mail"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Every import node that runs, and whether it sits inside a function."""

    def walk(node: ast.AST, in_function: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for orelse in child.orelse:
                    yield from walk(orelse, in_function)
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            nested = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            yield from walk(child, nested)

    yield from walk(tree, False)


def _resolve(module: str, is_package: bool, node: ast.AST, known: set[str]) -> set[str]:
    """The package's own modules that ``node`` makes Python execute."""
    targets: list[str] = []
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".")
            if not is_package:
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        targets = [prefix]
        # ``from package import submodule`` runs the submodule too.
        targets += [f"{prefix}.{alias.name}" for alias in node.names]
    found: set[str] = set()
    for target in targets:
        parts = target.split(".")
        for end in range(1, len(parts) + 1):
            name = ".".join(parts[:end])
            # The importer's own packages are already being imported: no edge.
            if name in known and name != module and not module.startswith(name + "."):
                found.add(name)
    return found


def import_graph() -> tuple[dict[str, set[str]], list[str]]:
    """Edges between the package's modules; and nested imports without a reason given."""
    modules = package_modules()
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    unexplained: list[str] = []
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node, in_function in _imports(ast.parse(source)):
            edges = _resolve(name, path.name == "__init__.py", node, known)
            graph[name] |= edges
            if in_function and edges:
                above = lines[max(0, node.lineno - 4) : node.lineno]
                if not any("#" in line for line in above):
                    unexplained.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return graph, unexplained


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_imports_inside_functions_and_relative_imports():
    """The checker has teeth: a circle hidden inside a function is found."""
    tree = ast.parse("from .b import x\n\ndef f():\n    from . import a\n")
    found = [
        _resolve("pkg.b", False, node, {"pkg", "pkg.a", "pkg.b"})
        for node, _nested in _imports(tree)
    ]
    assert found == [set(), {"pkg.a"}]
    assert _resolve(
        "pkg.c", False, ast.parse("import pkg.sub.d").body[0], {"pkg.sub", "pkg.sub.d"}
    ) == {
        "pkg.sub",
        "pkg.sub.d",
    }
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_reaches_itself_through_imports():
    graph, _ = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "Import circle: " + " -> ".join(cycle)


def test_imports_inside_functions_say_why():
    _, unexplained = import_graph()
    assert not unexplained, (
        "Imports inside functions need a comment saying why (e.g. app-registry timing): "
        + ", ".join(unexplained)
    )


def test_no_module_is_longer_than_500_lines():
    long = {
        str(path.relative_to(ROOT.parent)): n
        for path in package_modules().values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"Modules over {MAX_LINES} lines (split by concern): {long}"


#: Import paths that sites' code and migrations name; they must keep working.
STABLE_PATHS = [
    ("wagtail_gdpr_mail.blocks", "SubscriptionFormBlock"),
    ("wagtail_gdpr_mail.legal_blocks", "SubprocessorListBlock"),
    ("wagtail_gdpr_mail.legal", "country_choices"),
    ("wagtail_gdpr_mail.crypto", "EncryptedTextField"),
    ("wagtail_gdpr_mail.crypto", "EncryptedJSONField"),
    ("wagtail_gdpr_mail.schedule", "BEAT_SCHEDULE"),
    ("wagtail_gdpr_mail.mail", "MailAdapter"),
    ("wagtail_gdpr_mail.signals", "consent_given"),
    ("wagtail_gdpr_mail.signals", "consent_revoked"),
    ("wagtail_gdpr_mail.signals", "contact_erased"),
    ("wagtail_gdpr_mail.exceptions", "GdprMailError"),
    ("wagtail_gdpr_mail.conf", "app_settings"),
    ("wagtail_gdpr_mail.tasks", "send_confirmation_mail"),
    ("wagtail_gdpr_mail.tasks", "sweep_unsent_mail"),
]


@pytest.mark.parametrize(("module", "name"), STABLE_PATHS)
def test_stable_import_paths_keep_working(module, name):
    assert getattr(importlib.import_module(module), name) is not None


def test_the_old_block_path_is_the_same_block():
    from wagtail_gdpr_mail.blocks import SubscriptionFormBlock
    from wagtail_gdpr_mail.subscriptions.blocks import SubscriptionFormBlock as Block

    assert SubscriptionFormBlock is Block


def test_every_task_has_its_stable_name_and_beat_names_registered_tasks():
    from celery import current_app

    from wagtail_gdpr_mail import tasks
    from wagtail_gdpr_mail.schedule import BEAT_SCHEDULE

    names = {
        tasks.send_confirmation_mail.name,
        tasks.send_access_mail.name,
        tasks.sweep_unsent_mail.name,
        tasks.purge_expired_signups.name,
    }
    # The names queued messages in a broker carry since 0.1: they must not change.
    assert names == {
        "wagtail_gdpr_mail.tasks.send_confirmation_mail",
        "wagtail_gdpr_mail.tasks.send_access_mail",
        "wagtail_gdpr_mail.tasks.sweep_unsent_mail",
        "wagtail_gdpr_mail.tasks.purge_expired_signups",
    }
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in current_app.tasks
