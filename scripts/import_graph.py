#!/usr/bin/env python3
"""Print the import graph between Jinlin's apps as a mermaid diagram (docs/architecture.md).

Reads every non-test, non-migration module under jinlin/ with `ast` (function-level imports
included) and draws one edge per pair of apps: `cases --> core` means some module of cases
imports core. Root modules (jinlin/api.py, urls.py, settings.py …) are shown as `root`.
Usage: python scripts/import_graph.py [--modules] [--doc]
  --modules: one edge per module pair instead of per app pair;
  --doc: write the graph into docs/architecture.md (its first mermaid block) instead of printing.
"""

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "jinlin"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = ROOT / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def app_of(module: str) -> str:
    """jinlin.cases.services → cases; jinlin.api → root."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "jinlin":
        return ""
    return parts[1] if (PACKAGE / parts[1]).is_dir() else "root"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from jinlin import demo` names a module, not an attribute.
            found.update(f"{target}.{alias.name}" for alias in node.names if is_module(f"{target}.{alias.name}"))
    return {name for name in found if name.startswith("jinlin.") and app_of(name)}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).parts
        if "tests" in rel or "migrations" in rel or rel[-1] == "conftest.py":
            continue
        yield path


def edges(by_module: bool = False) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in modules():
        source = module_name(path)
        for target in imports(path):
            a, b = app_of(source), app_of(target)
            if a != b:
                graph[source if by_module else a].add(target if by_module else b)
    return graph


def mermaid(graph: dict[str, set[str]]) -> str:
    lines = ["graph BT"]
    for source in sorted(graph):
        for target in sorted(graph[source]):
            lines.append(f"    {source.replace('.', '_')}[{source}] --> {target.replace('.', '_')}[{target}]")
    return "\n".join(lines)


def write_doc(graph: str, path: Path = ROOT / "docs" / "architecture.md") -> None:
    text = path.read_text(encoding="utf-8")
    block = "```mermaid\n" + graph + "\n```"
    path.write_text(re.sub(r"```mermaid\n.*?```", lambda _m: block, text, count=1, flags=re.S), encoding="utf-8")


if __name__ == "__main__":
    drawn = mermaid(edges(by_module="--modules" in sys.argv))
    if "--doc" in sys.argv:
        write_doc(drawn)
    else:
        print(drawn)
