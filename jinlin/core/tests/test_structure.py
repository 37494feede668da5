"""The structure every app builds on, read from the source (docs/architecture.md):

- `core` is the ground floor: it imports no other project app and no root module;
- apps import one way only: no two apps import each other, directly or through others
  (`ops` and the root modules — jinlin/api.py, urls.py, wsgi.py… — sit on top and may import any
  app; no app may import them);
- no module is over 800 lines.

Imports are read from the syntax tree of every non-test module under jinlin/, those inside
functions included (a function-level import is an import all the same: it only hides the circle).
"""

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
ROOT_NAME = "jinlin"
MAX_LINES = 800
# Above every app: they may import any app, and none may import them.
TOP = {"ops"}


def _is_test(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    return "tests" in parts or path.name == "conftest.py"


@cache
def _modules() -> tuple[Path, ...]:
    return tuple(sorted(p for p in PACKAGE.rglob("*.py") if not _is_test(p)))


def _apps() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def _roots() -> set[str]:
    return {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}


def _layer_of(path: Path) -> str:
    """The app a module belongs to, or "root:<name>" for a module directly under jinlin/."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else f"root:{path.stem}"


def _imported(path: Path) -> list[tuple[str, int]]:
    """(dotted module, line) of every import in the module, relative ones resolved."""
    package = [ROOT_NAME, *path.relative_to(PACKAGE).parts[:-1]]
    return _imports_of(path.read_text(encoding="utf-8"), package)


def _imports_of(source: str, package: list[str]) -> list[tuple[str, int]]:
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from jinlin import demo` and `from . import x` name modules in the names.
            names = [f"{module}.{alias.name}" for alias in node.names]
            found += [(module, node.lineno), *((name, node.lineno) for name in names)]
    return found


def _target(module: str, apps: set[str], roots: set[str]) -> str | None:
    parts = module.split(".")
    if parts[0] != ROOT_NAME or len(parts) < 2:
        return None
    if parts[1] in apps:
        return parts[1]
    if parts[1] in roots:
        return f"root:{parts[1]}"
    return None


def import_edges() -> dict[tuple[str, str], list[str]]:
    """{(importing layer, imported layer): ["path:line", …]} between different layers."""
    apps, roots = _apps(), _roots()
    edges: dict[tuple[str, str], list[str]] = {}
    for path in _modules():
        source = _layer_of(path)
        for module, line in _imported(path):
            target = _target(module, apps, roots)
            if target is not None and target != source:
                where = f"{path.relative_to(PACKAGE.parent)}:{line}"
                if where not in edges.setdefault((source, target), []):
                    edges[(source, target)].append(where)
    return edges


def _cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one app (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_core_imports_no_other_app_and_no_root_module():
    wrong = {target: where for (source, target), where in import_edges().items() if source == "core"}
    assert wrong == {}, "core is the ground floor; move this code to the app above it or use events"


def test_no_app_imports_the_layers_on_top():
    """ops and the root modules (jinlin/api.py, urls.py, settings.py…) are above every app."""
    apps = _apps() - TOP
    wrong = {
        (source, target): where
        for (source, target), where in import_edges().items()
        if source in apps and (target in TOP or target.startswith("root:"))
    }
    assert wrong == {}


def test_the_app_import_graph_has_no_cycle():
    edges = {(s, t): w for (s, t), w in import_edges().items() if not s.startswith("root:")}
    cycles = _cycles(edges)
    detail = {
        " ↔ ".join(group): {f"{s} → {t}": w for (s, t), w in edges.items() if s in group and t in group}
        for group in cycles
    }
    assert cycles == [], f"apps importing each other (directly or through others): {detail}"


def test_the_checks_see_imports_inside_functions_and_relative_ones():
    source = (
        "from ..timeline import timeline_entry\n"
        "from jinlin.core.events import emit\n"
        "from jinlin import api\n"
        "def comment():\n"
        "    from ..selectors import cases_visible_to\n"
        "    import jinlin.triage.adapter\n"
    )
    imported = {module for module, _line in _imports_of(source, ["jinlin", "cases", "services"])}
    assert {"jinlin.cases.timeline", "jinlin.core.events", "jinlin.api", "jinlin.cases.selectors"} <= imported
    assert "jinlin.triage.adapter" in imported
    apps, roots = {"cases", "core", "triage"}, {"api"}
    assert {_target(m, apps, roots) for m in imported} - {None} == {"cases", "core", "triage", "root:api"}
    assert _cycles({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) == [["a", "b", "c"]]


def test_no_module_is_over_800_lines():
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in _modules()
        if "migrations" not in path.parts and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, "split these modules by job (see cases/services/ for an example)"
